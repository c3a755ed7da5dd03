"""Colours for the plain prompt: the project's pygments lexers and style for SMTP, classes for the shell's own text.

Rule: the lines of one exchange are lexed together (the transcript lexer needs the command to read its reply:
EHLO keywords, a 334's base64), even when the command itself is not printed again.
"""

from __future__ import annotations

from prompt_toolkit.formatted_text import PygmentsTokens, StyleAndTextTuples, split_lines, to_formatted_text
from prompt_toolkit.lexers import Lexer, PygmentsLexer
from prompt_toolkit.styles import BaseStyle, Style, merge_styles, style_from_pygments_cls
from pygments.lexer import Lexer as PygmentsLexerBase

from smtpshell.session.transcript import Line

_CLASSES = Style.from_dict(
    {
        "info": "ansiblue",
        "warning": "ansiyellow",
        "error": "ansired bold",
        "connection": "ansimagenta",
        "explanation": "ansibrightblack",
        "md.bold": "bold",
        "md.code": "ansicyan",
        "md.em": "italic",
        "md.link": "underline",
        "bottom-toolbar": "noreverse bg:ansiblack ansiwhite",
        "bottom-toolbar.label": "ansibrightblack",
        "bottom-toolbar.value": "ansiwhite bold",
        "bottom-toolbar.separator": "ansibrightblack",
    }
)
CONVERSATION = ("client", "server", "data")


def _load() -> tuple[type[PygmentsLexerBase] | None, PygmentsLexerBase | None, BaseStyle]:
    try:
        from smtpshell.highlight.lexers import SMTPCommandLexer, SMTPTranscriptLexer
        from smtpshell.highlight.style import SMTPShellStyle
    except ImportError:  # highlighting is a nicety: the shell works without it
        return None, None, _CLASSES
    return SMTPCommandLexer, SMTPTranscriptLexer(), merge_styles([style_from_pygments_cls(SMTPShellStyle), _CLASSES])


_COMMAND_LEXER, _TRANSCRIPT_LEXER, STYLE = _load()


def command_lexer() -> Lexer | None:
    """The lexer for the line being typed."""
    return PygmentsLexer(_COMMAND_LEXER) if _COMMAND_LEXER is not None else None


def styled_lines(lines: list[Line]) -> list[StyleAndTextTuples]:
    """Fragments for each line: the conversation lexed as one transcript, the shell's own lines by their class."""
    talk = [line.text for line in lines if line.style in CONVERSATION]
    lexed: list[StyleAndTextTuples] = []
    if talk and _TRANSCRIPT_LEXER is not None:
        tokens = list(_TRANSCRIPT_LEXER.get_tokens("\n".join(talk) + "\n"))
        lexed = list(split_lines(to_formatted_text(PygmentsTokens(tokens))))
    out: list[StyleAndTextTuples] = []
    position = 0
    for line in lines:
        if line.style in CONVERSATION and position < len(lexed):
            out.append(lexed[position])
            position += 1
        else:
            position += line.style in CONVERSATION
            out.append([(f"class:{line.style}", line.text)])
    return out
