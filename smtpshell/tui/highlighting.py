"""Pygments tokens to the TUI's colours, written with the theme's variables so every theme (and the projector
theme) colours SMTP the same way.

Rule: a token takes the style of its nearest styled ancestor (``Keyword.Reserved`` -> ``Keyword``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from pygments.token import Token, _TokenType
from rich.highlighter import Highlighter
from rich.style import Style as RichStyle
from rich.text import Text
from textual import log
from textual.content import Content
from textual.style import Style

if TYPE_CHECKING:
    from pygments.lexer import Lexer

TOKEN_STYLES: dict[_TokenType, str] = {
    Token.Keyword: "bold $text-accent",  # SMTP verbs
    Token.Keyword.Obsolete: "strike $text-warning",  # TURN, SEND, SOML, SAML
    Token.Keyword.Pseudo: "$text-accent",  # FROM: and TO:
    Token.Name.Label: "$text-success",  # mailboxes
    Token.Name.Attribute: "$text-secondary",  # MAIL/RCPT parameters
    Token.Name.Constant: "$text-primary",  # a value from a closed set: 8BITMIME, LAST, PLAIN
    Token.Name.Builtin: "bold $text-secondary",  # the shell's /commands; EHLO keywords
    Token.Name.Other: "$text-warning",  # a vendor EHLO keyword the command table does not know
    Token.Name.Tag: "bold $text-secondary",  # header names in a message
    Token.Literal.String: "$text-success",  # domains and free values
    Token.Literal.String.Other: "italic $text-secondary",  # base64 (AUTH)
    Token.Literal.String.Escape: "bold reverse $text-warning",  # the extra dot of dot-stuffing
    Token.Literal.Number: "$text-primary",
    Token.Operator: "$text-muted",
    Token.Punctuation: "$text-muted",
    Token.Punctuation.Marker: "bold $text-accent",  # the lone "." that ends a message
    Token.Comment: "italic $text-muted",
    Token.Generic.Prompt: "$text-muted",
    Token.Generic.Inserted: "bold $text-success",  # 2xx
    Token.Generic.Subheading: "bold $text-warning",  # 3xx: go on
    Token.Generic.Deleted: "bold $text-warning",  # 4xx: try again later
    Token.Generic.Error: "bold $text-error",  # 5xx: failed
    Token.Error: "bold underline $text-error",  # what cannot be right: an unknown verb, a missing bracket
}


# A reply's colour comes from its first digit (RFC 5321 §4.2.1): done, go on, try later, failed.
REPLY_CLASS_STYLES = {2: "$text-success", 3: "$text-warning", 4: "$text-warning", 5: "$text-error"}


def reply_style(code: int | None) -> str:
    return REPLY_CLASS_STYLES.get((code or 0) // 100, "$foreground")


def token_style(token: _TokenType) -> str | None:
    while token is not Token:
        style = TOKEN_STYLES.get(token)
        if style is not None:
            return style
        token = token.parent
    return None


def spans(text: str, lexer: Lexer) -> Iterable[tuple[int, int, str]]:
    """(start, end, style) for each styled token of ``text``; offsets index ``text`` itself."""
    offset = 0
    for token, value in lexer.get_tokens(text):
        end = offset + len(value)
        style = token_style(token)
        if style and end <= len(text):
            yield offset, end, style
        offset = end


def highlight(text: str, lexer: Lexer | None, base_style: str = "") -> Content:
    """``text`` as theme-aware Textual content."""
    content = Content(text)
    if base_style:
        content = content.stylize(base_style)
    if lexer is None:
        return content
    for start, end, style in spans(text, lexer):
        content = content.stylize(style, start, end)
    return content


class ThemeHighlighter(Highlighter):
    """A Rich highlighter for Textual's Input, whose styles follow the app's theme (call ``set_theme``). The lexer
    is loaded by name when there is first something to highlight (pygments is not needed for the first frame);
    ``enabled`` turns it off (a message line, a password)."""

    def __init__(self, lexer_name: str) -> None:
        self.lexer_name = lexer_name
        self.enabled = True
        self._resolved: dict[str, RichStyle] = {}
        self._variables: dict[str, str] = {}

    def set_theme(self, variables: dict[str, str]) -> None:
        self._variables = dict(variables)
        self._resolved.clear()

    def _rich(self, style: str) -> RichStyle:
        resolved = self._resolved.get(style)
        if resolved is None:
            try:
                resolved = Style.parse(style, self._variables).rich_style
            except Exception as error:  # a variable the theme lacks: plain text beats a crash while typing
                log.error(f"the highlighting style {style!r} does not resolve in this theme: {error!r}")
                resolved = RichStyle()
            self._resolved[style] = resolved
        return resolved

    @property
    def lexer(self) -> Lexer | None:
        return make_lexer(self.lexer_name) if self.enabled else None

    def highlight(self, text: Text) -> None:
        if not self.enabled or not text.plain:
            return
        lexer = make_lexer(self.lexer_name)
        if lexer is None:
            return
        for start, end, style in spans(text.plain, lexer):
            text.stylize(self._rich(style), start, end)


@cache
def make_lexer(name: str) -> Lexer | None:
    """The project's lexer by class name (from smtpshell.highlight), or None when it is not available."""
    try:
        from smtpshell.highlight import lexers
    except ImportError:
        return None
    lexer_class = getattr(lexers, name, None)
    if lexer_class is None:
        return None
    lexer: Lexer = lexer_class(stripnl=False, ensurenl=False)
    return lexer


# A lone CR, LF or NUL sent on purpose (raw mode) would move the terminal's cursor or vanish: each C0 control
# character is shown as its Unicode control picture (CR -> ␍), one cell wide like the character it stands for.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20) if code != 0x09} | {0x7F: 0x2421}


def visible_controls(text: str) -> str:
    """``text`` with each control character (but tab) replaced by its picture: same length, same positions."""
    return text.translate(_CONTROL_PICTURES)
