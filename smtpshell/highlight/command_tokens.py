"""Tokens of one command line as a client types it: an SMTP command or one of the shell's /commands.

Rule: what is a verb, a path keyword, a parameter and its values is read from the command table
(proto/commands.py) and the meta-command table; only what the table does not know is marked INVALID. A word still
being typed at the very end of the prompt is PENDING while it can still become something valid.
"""

from __future__ import annotations

import re

from smtpshell.highlight import tokens as t
from smtpshell.proto.commands import COMMANDS, Command, lookup
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.session.meta_table import META_COMMANDS, META_PREFIX, lookup_meta
from smtpshell.session.redact import HIDDEN

Token = tuple[int, t.TokenType, str]

_WORD = re.compile(r"[^ \t]+")
_SPACE = re.compile(r"[ \t]+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?|=")
_MECHANISM = re.compile(r"[A-Za-z0-9_-]{1,20}")
_PARAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_DIGITS = re.compile(r"[0-9]+")


class _Line:
    """A cursor over one line that hands out tokens and always covers every character."""

    def __init__(self, text: str, offset: int, at_end: bool) -> None:
        self.text = text
        self.offset = offset
        self.at_end = at_end  # the line is the end of the input: its last word may still be being typed
        self.pos = 0
        self.out: list[Token] = []

    def emit(self, length: int, token: t.TokenType) -> str:
        value = self.text[self.pos : self.pos + length]
        if value:
            self.out.append((self.offset + self.pos, token, value))
        self.pos += len(value)
        return value

    def space(self) -> str:
        match = _SPACE.match(self.text, self.pos)
        return self.emit(match.end() - self.pos, t.SPACE) if match else ""

    def peek_word(self) -> str:
        match = _WORD.match(self.text, self.pos)
        return match[0] if match else ""

    def done(self) -> bool:
        return self.pos >= len(self.text)

    def last_word(self, word: str) -> bool:
        """``word`` (at the cursor) runs to the end of the input: the user may still be typing it."""
        return self.at_end and self.pos + len(word) == len(self.text)

    def rest(self, token: t.TokenType) -> None:
        """The remaining words as ``token``, blanks between them as SPACE."""
        while not self.done():
            self.space()
            self.emit(len(self.peek_word()), token)


def command_tokens(text: str, offset: int = 0, *, at_end: bool = False) -> list[Token]:
    """Tokens for ``text``, one line without its line ending; indexes start at ``offset``."""
    line = _Line(text, offset, at_end)
    line.space()
    word = line.peek_word()
    if word.startswith(META_PREFIX):
        _meta(line, word)
    elif word:
        _command(line, word)
    line.rest(t.INVALID)
    return line.out


def _pending_or(line: _Line, word: str, candidates: list[str], token: t.TokenType) -> t.TokenType:
    """``token`` unless ``word`` is still being typed and could become one of ``candidates``."""
    if line.last_word(word) and any(c.upper().startswith(word.upper()) for c in candidates):
        return t.PENDING
    return token


def _meta(line: _Line, word: str) -> None:
    meta = lookup_meta(word)
    names = [META_PREFIX + name for name in META_COMMANDS]
    line.emit(len(word), t.META if meta else _pending_or(line, word, names, t.INVALID))
    if meta is None:
        return
    while not line.done():
        line.space()
        arg = line.peek_word()
        token = t.FLAG if arg.startswith("--") else t.NUMBER if is_ascii_digits(arg) else t.VALUE
        line.emit(len(arg), token)


def _command(line: _Line, word: str) -> None:
    command = lookup(word)
    if command is None:
        line.emit(len(word), _pending_or(line, word, list(COMMANDS), t.INVALID))
        line.rest(t.OTHER)
        return
    line.emit(len(word), t.OBSOLETE_VERB if command.obsolete else t.VERB)
    if not line.space() or line.done():
        return
    if not command.takes_argument:
        return  # what follows is INVALID: DATA, RSET, QUIT, STARTTLS take no argument
    if command.prefix:
        _path(line, command, command.prefix)
    elif command.verb == "AUTH":
        _auth(line)
    elif command.verb == "BDAT":
        _bdat(line)
    elif command.verb == "HELP":
        topic = line.peek_word()
        line.emit(len(topic), t.VERB if lookup(topic) else t.VALUE)
    elif command.needs_argument:
        line.emit(len(line.peek_word()), t.VALUE)
    else:
        line.rest(t.VALUE)  # NOOP's free text, the obsolete verbs' arguments


def _path(line: _Line, command: Command, prefix: str) -> None:
    """``FROM:<address> PARAM=value ...`` (RFC 5321 §4.1.1.2-3)."""
    rest = line.text[line.pos :]
    if not rest.upper().startswith(prefix):
        word = line.peek_word()
        line.emit(len(word), _pending_or(line, word, [prefix], t.INVALID))
        return
    line.emit(len(prefix), t.PATH_KEYWORD)
    line.space()  # RFC 5321 allows none; most servers accept it, so it is not marked
    if line.text.startswith("<", line.pos):
        close = line.text.find(">", line.pos)
        end = close if close >= 0 else len(line.text)
        line.emit(1, t.ANGLE)
        address = line.text[line.pos : end]
        unfinished = close < 0 and not (line.at_end and " " not in address)
        line.emit(len(address), t.INVALID if unfinished else t.ADDRESS)
        if close < 0:
            return
        line.emit(1, t.ANGLE)
    else:
        line.emit(len(line.peek_word()), t.INVALID)  # RFC 5321 §4.1.2: the angle brackets are required
        return
    while not line.done():
        if not line.space():
            return  # the address must be followed by a space: the rest is INVALID
        _parameter(line, command)


def _parameter(line: _Line, command: Command) -> None:
    """``NAME`` or ``NAME=value`` (RFC 5321 §4.1.2 esmtp-param); values from a closed set are checked."""
    word = line.peek_word()
    name_match = _PARAM_NAME.match(word)
    if not name_match:
        line.emit(len(word), t.INVALID)
        return
    name = line.emit(name_match.end(), t.PARAMETER)
    if len(name) == len(word):
        return
    if not line.text.startswith("=", line.pos):
        line.emit(len(word) - len(name), t.INVALID)
        return
    line.emit(1, t.EQUALS)
    value = line.peek_word()
    param = next((p for p in command.params if p.name == name.upper()), None)
    if param is None or not param.choices:
        kind, semicolon, address = value.partition(";")
        if param is not None and param.name == "ORCPT" and semicolon:
            line.emit(len(kind), t.CHOICE)  # the address type: rfc822, utf-8 (RFC 3461 §4.2, RFC 6533)
            line.emit(1, t.PUNCTUATION)
            line.emit(len(address), t.ADDRESS)
        else:
            line.emit(len(value), t.NUMBER if _DIGITS.fullmatch(value) else t.VALUE)
        return
    for index, item in enumerate(value.split(",")):
        if index:
            line.emit(1, t.PUNCTUATION)
        valid = item.upper() in param.choices
        line.emit(len(item), t.CHOICE if valid else _pending_or(line, item, list(param.choices), t.INVALID))


def _auth(line: _Line) -> None:
    """``AUTH <mechanism> [initial-response]`` (RFC 4954 §4): the response is base64, or "=" for empty."""
    mechanism = line.peek_word()
    valid = _MECHANISM.fullmatch(mechanism) is not None
    line.emit(len(mechanism), t.CHOICE if valid else t.INVALID)
    if line.space() and not line.done():
        if line.text[line.pos :] == HIDDEN:  # a transcript the shell saved: the credential was left out
            line.emit(len(HIDDEN), t.REDACTED)
            return
        response = line.peek_word()
        ok = _BASE64.fullmatch(response) is not None or line.last_word(response)
        line.emit(len(response), t.BASE64 if ok else t.INVALID)


def _bdat(line: _Line) -> None:
    """``BDAT <size> [LAST]`` (RFC 3030 §2)."""
    size = line.peek_word()
    line.emit(len(size), t.NUMBER if _DIGITS.fullmatch(size) else t.INVALID)
    if line.space() and not line.done():
        last = line.peek_word()
        token = t.CHOICE if last.upper() == "LAST" else _pending_or(line, last, ["LAST"], t.INVALID)
        line.emit(len(last), token)
