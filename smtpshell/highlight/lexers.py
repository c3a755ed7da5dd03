"""The pygments lexers for SMTP, registered as plugins in pyproject.toml (``pygmentize -l smtp session.txt``).

Rule: the lexers only walk lines; what each piece of a line is comes from command_tokens.py (command lines),
transcript_tokens.py (who speaks, which command a reply answers) and message_tokens.py (the message after DATA).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pygments.lexer import Lexer

from smtpshell.highlight import tokens as t
from smtpshell.highlight.command_tokens import command_tokens
from smtpshell.highlight.transcript_tokens import TranscriptTokens, detect_style

__all__ = ["SMTPCommandLexer", "SMTPTranscriptLexer"]

_LINES = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
_GREETING = re.compile(r"^(?:S: ?|<-  |< )?220[ -]", re.MULTILINE)
_HELLO = re.compile(r"^(?:C: ?| -> |> )?(?:EHLO|HELO) \S", re.MULTILINE | re.IGNORECASE)


class SMTPCommandLexer(Lexer):  # type: ignore[misc]  # pygments ships no type hints
    """SMTP command lines as a client types them: verbs, FROM:/TO:, <addresses>, ESMTP parameters, AUTH's base64,
    and smtpshell's own /commands. Unknown verbs are errors; the last word of unfinished input is left neutral."""

    name = "SMTP command"
    aliases = ["smtpcommand", "smtp-command"]
    filenames: list[str] = []
    mimetypes = ["text/x-smtp-command"]
    url = "https://www.rfc-editor.org/rfc/rfc5321#section-4.1"
    version_added = ""

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, t.TokenType, str]]:
        for match in _LINES.finditer(text):
            body, ending = match[1], match[2]
            if not body and not ending:
                break
            yield from command_tokens(body, match.start(), at_end=not ending)
            if ending:
                yield match.start(2), t.NEWLINE, ending


class SMTPTranscriptLexer(Lexer):  # type: ignore[misc]  # pygments ships no type hints
    """Whole SMTP sessions, with or without "C: "/"S: ", "> "/"< " or swaks' " -> "/"<-  " prefixes: client
    commands, replies coloured by their class (2xx/3xx/4xx/5xx), enhanced status codes, EHLO keywords, AUTH
    exchanges, and the message after DATA's 354 as headers and body."""

    name = "SMTP"
    aliases = ["smtp", "smtp-transcript", "smtp-session"]
    filenames = ["*.smtp"]
    mimetypes = ["text/x-smtp"]
    url = "https://www.rfc-editor.org/rfc/rfc5321"
    version_added = ""

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, t.TokenType, str]]:
        yield from TranscriptTokens(detect_style(text)).tokens(text)

    @staticmethod
    def analyse_text(text: str) -> float:
        """A greeting and a HELO or EHLO: very likely an SMTP session."""
        greeting = _GREETING.search(text) is not None
        hello = _HELLO.search(text) is not None
        return 0.8 if greeting and hello else 0.3 if greeting or hello else 0.0
