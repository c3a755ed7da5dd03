"""Tokens of the message a client sends after DATA's 354 (or in BDAT chunks), line by line.

Rule (RFC 5322 §2.1): header fields first, up to the first empty line, then the body. A line that is neither a
header field nor a folded continuation ends the header section early (badly formed, but real mail does it). On
the DATA wire a line starting with "." carries one extra "." the server removes (RFC 5321 §4.5.2).
"""

from __future__ import annotations

import re

from smtpshell.highlight import tokens as t

Token = tuple[int, t.TokenType, str]

# RFC 5322 §3.6.8: a field name is printable ASCII except the colon.
_HEADER = re.compile(r"([\x21-\x39\x3b-\x7e]+)(:)([ \t]*)(.*)", re.DOTALL)
_ADDRESS = re.compile(r"[^\s<>(),;:\"@]+@[^\s<>(),;:\"]+")


class MessageTokens:
    """Tokens for one message's lines, remembering whether the header section is over."""

    def __init__(self) -> None:
        self.in_headers = True

    def line(self, text: str, offset: int, *, dot_stuffed: bool) -> list[Token]:
        """One line without its ending; ``dot_stuffed`` when it was sent after DATA (not in a BDAT chunk)."""
        out: list[Token] = []
        if dot_stuffed and text.startswith("."):
            out.append((offset, t.DOT_STUFFING, "."))
            text, offset = text[1:], offset + 1
        if self.in_headers:
            header = self._header(text, offset)
            if header is not None:
                return out + header
            self.in_headers = False
            if not text:
                return out
        if text:
            out.append((offset, t.BODY, text))
        return out

    def _header(self, text: str, offset: int) -> list[Token] | None:
        if not text:
            return None
        if text[0] in " \t":  # a folded continuation of the field above
            value = text.lstrip(" \t")
            return [(offset, t.SPACE, text[: len(text) - len(value)]), *_value(value, offset + len(text) - len(value))]
        match = _HEADER.fullmatch(text)
        if match is None:
            return None
        out: list[Token] = [(offset, t.HEADER_NAME, match[1]), (offset + match.start(2), t.PUNCTUATION, ":")]
        if match[3]:
            out.append((offset + match.start(3), t.SPACE, match[3]))
        return out + _value(match[4], offset + match.start(4))


def _value(text: str, offset: int) -> list[Token]:
    """A header value, with the mailboxes in it marked as addresses."""
    out: list[Token] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        if match.start() > position:
            out.append((offset + position, t.HEADER_VALUE, text[position : match.start()]))
        out.append((offset + match.start(), t.ADDRESS, match[0]))
        position = match.end()
    if position < len(text):
        out.append((offset + position, t.HEADER_VALUE, text[position:]))
    return out
