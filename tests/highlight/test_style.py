"""The smtpshell pygments style: reply classes told apart, and only the terminal's own colours."""

from __future__ import annotations

import re
from pathlib import Path

from pygments import highlight
from pygments.formatters import Terminal256Formatter, TerminalFormatter
from pygments.styles import get_style_by_name

from smtpshell.highlight import SMTPShellStyle, SMTPTranscriptLexer
from smtpshell.highlight import tokens as t

TRANSCRIPT = Path(__file__).parent / "transcripts" / "relay_denied.smtp"


def test_each_reply_class_has_its_own_colour() -> None:
    colours = {digit: SMTPShellStyle.style_for_token(token)["ansicolor"] for digit, token in t.REPLY_CLASS.items()}
    assert len(set(colours.values())) == 4 and None not in colours.values()
    for digit, token in t.ENHANCED_CLASS.items():
        enhanced = SMTPShellStyle.style_for_token(token)
        assert enhanced["ansicolor"] == colours[digit] and not enhanced["bold"]


def test_only_ansi_colours_so_the_terminal_theme_decides() -> None:
    for token, definition in SMTPShellStyle.styles.items():
        assert not re.search(r"#[0-9a-fA-F]{3}", definition), (token, definition)


def test_foreign_styles_still_tell_success_from_failure() -> None:
    """Each class token is a Generic subtype, so a style that knows nothing of SMTP colours them sensibly."""
    default = get_style_by_name("default")

    def colour(token: object) -> str | None:
        while not default.styles_token(token):  # as pygments' formatters do: the nearest parent styled
            token = token.parent  # type: ignore[attr-defined]
        return default.style_for_token(token)["color"]  # type: ignore[no-any-return]

    success, failure = colour(t.REPLY_CLASS[2]), colour(t.REPLY_CLASS[5])
    assert success and failure and success != failure


def test_a_transcript_renders_in_both_terminal_formatters() -> None:
    text = TRANSCRIPT.read_text()
    for formatter in (Terminal256Formatter(style=SMTPShellStyle), TerminalFormatter()):
        out = highlight(text, SMTPTranscriptLexer(), formatter)
        assert re.sub(r"\x1b\[[0-9;]*m", "", out) == text
        assert "\x1b[" in out
