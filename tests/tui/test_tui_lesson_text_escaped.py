"""The lesson pane renders a lesson's text with control characters escaped: a lesson folder handed round a class
is anyone's text, and "\\u001b]0;title\\u0007" in a step once set the terminal's title from the full-screen UI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Markdown

from smtpshell.lessons.catalogue import LESSONS_VARIABLE
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.lesson_pane import LessonPane
from tests.lessons.test_broken_files import GOOD
from tests.tui.shell_driver import settle, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]


async def test_a_hostile_step_text_reaches_the_pane_escaped(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "lessons"
    folder.mkdir()
    text = GOOD.replace("Say hello.", "Say hello. \x1b]0;title\x07 \x9b2J").replace(
        'title = "A tiny lesson"', 'title = "Tiny \\u001b[2J"'
    )
    (folder / "01-tiny.md").write_text(text, encoding="utf-8")
    monkeypatch.setenv(LESSONS_VARIABLE, str(folder))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "/lesson tiny")
        pane = app.query_one(LessonPane)
        markdown = pane.query_one(Markdown)
        await wait_for(pilot, lambda: "Say hello." in markdown.source, "the step in the pane")
        assert "\\x1b]0;title\\x07 \\x9b2J" in markdown.source
        assert not [char for char in "\x1b\x07\x9b" if char in markdown.source + str(pane.border_title)]
