"""The plain shell renders the lessons' and the shell's Markdown as the full-screen UI does: no raw markers, a
two-column /help that fits 80 columns, list items folded under their text."""

from __future__ import annotations

import io
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.lessons.shell_link import ShellLessons
from smtpshell.repl.app import Repl
from smtpshell.repl.markdown_lines import notice_fragment_lines, plain_text
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Notice


async def test_lesson_text_shows_no_markdown_markers(smtpshell_home: Path) -> None:
    out = io.StringIO()
    engine = ShellEngine(data_dir=smtpshell_home, lessons=ShellLessons())
    with create_pipe_input() as pipe:
        pipe.send_text("/lesson sending-a-message\r/quit\r")
        await Repl(engine, input=pipe, output=DummyOutput(), out=out).run()
    printed = "\n".join(line for line in out.getvalue().splitlines() if not line.startswith("***"))
    assert "transaction of three commands" in printed and "**" not in printed and "`" not in printed
    assert "MAIL FROM:<sender>" in printed  # the code keeps its words


def test_help_is_two_columns_within_80() -> None:
    rows = "| command | what it does |\n|---|---|\n| /raw on\\|off | send lines exactly as typed, " + "x " * 40 + "|"
    lines = [plain_text(line) for line in notice_fragment_lines(Notice("info", "Help:", rows), 80)]
    assert all(len(line) <= 80 for line in lines)
    (start,) = [n for n, line in enumerate(lines) if "/raw on|off" in line]
    column = lines[start].index("send")
    assert lines[start + 1][:column].strip() == "" and lines[start + 1][column:].startswith("x")


def test_a_numbered_item_folds_under_its_text() -> None:
    detail = "1. `MAIL FROM:<sender>` — who is sending (and where problems should be reported), " * 2
    lines = [plain_text(line) for line in notice_fragment_lines(Notice("info", "Steps", detail), 60)]
    assert lines[1].startswith("   1. MAIL FROM:<sender>") and lines[2].startswith("      ")


def test_no_line_fills_the_last_column() -> None:
    # A line exactly as wide as the terminal leaves the cursor in the last column: the newline after it showed as
    # an empty line inside a paragraph at 80 columns (lesson 12's "Why", lesson 12 step 4).
    words = " ".join(f"w{'x' * (n % 7)}" for n in range(200))
    for width in range(40, 101):
        lines = [plain_text(line) for line in notice_fragment_lines(Notice("info", words, words), width)]
        assert max(len(line) for line in lines) <= width - 1, width
