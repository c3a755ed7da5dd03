"""Tokens of a whole SMTP session: client lines, server replies, and the message sent after DATA or BDAT.

Rule: a line is a server reply when its prefix says so ("S: ", "< ", swaks' "<-  "), or, in a transcript without
prefixes, when it starts with a three-digit code. Which command a reply answers is tracked as the server does, in
order (RFC 2920 lets a client pipeline commands), so the 354 after DATA opens the message, the lines after EHLO's
250 are keywords, and the line after a 334 is the client's base64 answer.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from smtpshell.highlight import tokens as t
from smtpshell.highlight.command_tokens import command_tokens
from smtpshell.highlight.message_tokens import MessageTokens
from smtpshell.proto.client_state import GREETING
from smtpshell.proto.commands import COMMANDS, SANDBOX_EXTENSIONS
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.replies import EnhancedStatus
from smtpshell.session.redact import HIDDEN

Token = tuple[int, t.TokenType, str]


@dataclass(frozen=True)
class Prefixes:
    """How a transcript marks who speaks: prefixes for the client and the server, or none."""

    name: str
    client: re.Pattern[str] | None
    server: re.Pattern[str] | None
    detect: re.Pattern[str] | None  # a line that proves the transcript uses this style


# A time column before the speaker, as the shell's /save writes it ("14:48:32.960 TLS C: EHLO ..."): the time,
# then "TLS" when the line went encrypted.
_STAMP = r"[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)? +(?:TLS +)?"
STAMP = re.compile(_STAMP)

STYLES = (
    Prefixes(
        "rfc", re.compile(r"C:[ \t]?"), re.compile(r"S:[ \t]?"), re.compile(rf"^(?:{_STAMP})?[CS]:", re.MULTILINE)
    ),
    # swaks: " -> " and "<-  " in the clear, " ~> " and "<~  " over TLS, "<** " and "<~* " for failure replies
    Prefixes(
        "swaks",
        re.compile(r" ?[-~]> ?"),
        re.compile(r"<(?:[-~] |\*\*|~\*) ?"),
        re.compile(r"^<(?:[-~] |\*\*|~\*) ?[0-9]{3}", re.MULTILINE),
    ),
    # curl -v style: "> " what was sent, "< " what came back
    Prefixes("arrows", re.compile(r"> ?"), re.compile(r"< ?"), re.compile(r"^< ?[0-9]{3}", re.MULTILINE)),
)
PLAIN = Prefixes("plain", None, None, None)

_REPLY = re.compile(r"([0-9]{3})([ -]?)(.*)", re.DOTALL)
_PLAIN_REPLY = re.compile(r"[0-9]{3}(?:[ -]|$)")
_ENHANCED = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}(?=\s|$)")
# EHLO keywords the command table knows: the sandbox's, those enabling a verb or a parameter, and verbs some
# servers list by name (Postfix advertises VRFY and ETRN).
_KEYWORDS = {
    *SANDBOX_EXTENSIONS,
    *(c.keyword for c in COMMANDS.values() if c.keyword),
    *(p.keyword for c in COMMANDS.values() for p in c.params),
    *COMMANDS,
}
# Only CR LF or LF ends a line: a lone CR (sent on purpose in raw mode) is part of the line it sits in, so the
# lines after it keep their places and a reply is never taken for message text.
_LINES = re.compile(r"((?:[^\r\n]|\r(?!\n))*)(\r\n|\n|$)")
_DATA_END = "<end of data>"


def detect_style(text: str) -> Prefixes:
    for style in STYLES:
        assert style.detect is not None
        if style.detect.search(text):
            return style
    return PLAIN


class TranscriptTokens:
    """Walks a transcript line by line, keeping the little protocol state the tokens depend on."""

    def __init__(self, style: Prefixes) -> None:
        self.style = style
        self.pending: deque[str] = deque()  # verbs sent and not answered yet, oldest first
        self.greeted = False
        self.reply_command: str | None = None  # what the reply being read answers
        self.reply_line = 0  # index of the next line within the reply being read
        self.message: MessageTokens = MessageTokens()
        self.in_data = False  # between DATA's 354 and the "." line
        self.data_sent = False  # DATA sent and not answered yet: a client line now is the message
        self.bdat_left = 0  # octets of the current BDAT chunk not seen yet
        self.auth_answer = False  # a 334 came: the next client line is a base64 answer

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        for match in _LINES.finditer(text):
            body, ending = match[1], match[2]
            if not body and not ending:
                break
            out += self._line(body, match.start())
            if ending:
                out.append((match.start(2), t.NEWLINE, ending))
        return out

    def _line(self, body: str, offset: int) -> list[Token]:
        if not body:
            if self.in_data or self.bdat_left:
                return self._client(body, offset, [])
            return []
        style = self.style
        if style.client is None or style.server is None:
            is_reply = _PLAIN_REPLY.match(body) and not (self.in_data or self.bdat_left or self.auth_answer)
            return self._server(body, offset, []) if is_reply else self._client(body, offset, [])
        stamp = STAMP.match(body)
        start = stamp.end() if stamp else 0
        for pattern, handler in ((style.server, self._server), (style.client, self._client)):
            prefix = pattern.match(body, start)
            if prefix:
                head = [(offset, t.STAMP, body[:start])] if start else []
                head.append((offset + start, t.PREFIX, prefix[0]))
                return handler(body[prefix.end() :], offset + prefix.end(), head)
        return [(offset, t.COMMENT, body)]  # a note between prefixed lines (swaks' "=== Trying ...", /save's "#")

    # --- the client ------------------------------------------------------------------------------------------

    def _client(self, body: str, offset: int, out: list[Token]) -> list[Token]:
        if self.data_sent and not self.in_data:
            self._open_message()  # no 354 shown between DATA and the message: a client-only transcript
        if self.in_data:
            if body == ".":
                self.in_data = False
                self.pending.append(_DATA_END)
                return [*out, (offset, t.END_OF_DATA, body)]
            return out + self.message.line(body, offset, dot_stuffed=True)
        if self.bdat_left > 0:
            self.bdat_left -= len(body.encode("utf-8", "surrogateescape")) + 2  # each line ended by CRLF on the wire
            return out + self.message.line(body, offset, dot_stuffed=False)
        if not body:
            return out
        if self.auth_answer:
            self.auth_answer = False
            return [*out, *command_tokens_base64(body, offset)]
        self._sent(body)
        return out + command_tokens(body, offset)

    def _sent(self, line: str) -> None:
        words = line.split()
        verb = words[0].upper() if words else ""
        self.pending.append(verb)
        if verb == "MAIL":
            self.message = MessageTokens()
        elif verb == "DATA":
            self.data_sent = True
        elif verb == "BDAT" and len(words) > 1 and is_ascii_digits(words[1]):
            self.bdat_left = int(words[1])

    def _open_message(self) -> None:
        self.data_sent = False
        self.in_data = True

    # --- the server ------------------------------------------------------------------------------------------

    def _server(self, body: str, offset: int, out: list[Token]) -> list[Token]:
        self.bdat_left = 0  # a reply ends a chunk whatever its count said
        match = _REPLY.fullmatch(body)
        if match is None or (not match[2] and match[3]):
            return [*out, (offset, t.INVALID, body)] if body else out
        code, separator, text = int(match[1]), match[2], match[3]
        if self.reply_line == 0:
            self.reply_command = self.pending[0] if self.pending else (GREETING if not self.greeted else None)
        klass = t.REPLY_CLASS.get(code // 100, t.INVALID)
        out = [*out, (offset, klass, match[1])]
        if separator:
            out.append((offset + 3, t.SEPARATOR if separator == "-" else t.SPACE, separator))
        out += self._reply_text(code, text, offset + 3 + len(separator))
        if separator == "-":
            self.reply_line += 1
        else:
            self._answered(code)
        return out

    def _reply_text(self, code: int, text: str, offset: int) -> list[Token]:
        if not text:
            return []
        if code == 334:
            return command_tokens_base64(text, offset)
        if code == 250 and self.reply_line > 0 and self.reply_command in ("EHLO", None):
            return _ehlo_line(text, offset)
        enhanced = _ENHANCED.match(text) if code // 100 != 3 else None
        if enhanced is None or EnhancedStatus.parse(enhanced[0]) is None:
            return [(offset, t.REPLY_TEXT, text)]
        klass = t.ENHANCED_CLASS.get(int(text[0]), t.INVALID)
        rest = text[enhanced.end() :]
        words = rest.lstrip(" ")
        out: list[Token] = [(offset, klass, enhanced[0])]
        if len(words) < len(rest):
            out.append((offset + enhanced.end(), t.SPACE, rest[: len(rest) - len(words)]))
        if words:
            out.append((offset + len(text) - len(words), t.REPLY_TEXT, words))
        return out

    def _answered(self, code: int) -> None:
        """The reply is complete: it answered the oldest pending command (or was the greeting)."""
        self.reply_line = 0
        if self.reply_command == GREETING:
            self.greeted = True
            return
        if code == 334:
            self.auth_answer = True  # the AUTH exchange goes on: its command is still pending
            return
        command = self.pending.popleft() if self.pending else None
        if command == "DATA":
            self.data_sent = False
            if code == 354:
                self._open_message()


def command_tokens_base64(text: str, offset: int) -> list[Token]:
    """A line of the AUTH exchange: base64, or "*" to cancel it (RFC 4954 §4)."""
    if text == "*":
        return [(offset, t.VERB, text)]
    if text == HIDDEN:
        return [(offset, t.REDACTED, text)]
    return [(offset, t.BASE64, text)]


def _ehlo_line(text: str, offset: int) -> list[Token]:
    """``KEYWORD params`` (RFC 5321 §4.1.1.1): the keyword, then its parameters (numbers, mechanisms...)."""
    keyword, space, params = text.partition(" ")
    token = t.EHLO_KEYWORD if keyword.upper() in _KEYWORDS else t.EHLO_OTHER_KEYWORD
    out: list[Token] = [(offset, token, keyword)]
    position = offset + len(keyword)
    for word in re.split(r"( +)", space + params):
        if word:
            kind = t.SPACE if word.isspace() else t.NUMBER if is_ascii_digits(word) else t.CHOICE
            out.append((position, kind, word))
            position += len(word)
    return out
