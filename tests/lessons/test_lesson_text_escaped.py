"""`smtpshell lessons` writes a lesson's title, id and folder with control characters escaped: a lesson folder
handed round a class (SMTPSHELL_LESSONS) is anyone's text, and TOML's "\\u001b" puts a real ESC in a title."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.lessons.catalogue import LESSONS_VARIABLE
from smtpshell.lessons.command import main
from tests.lessons.test_broken_files import GOOD


def test_lessons_lists_a_hostile_title_escaped(
    tmp_path: Path, smtpshell_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lessons"
    folder.mkdir()
    hostile = GOOD.replace('title = "A tiny lesson"', 'title = "A tiny \\u001b]0;pwned\\u0007 lesson"')
    (folder / "01-tiny.md").write_text(hostile, encoding="utf-8")
    monkeypatch.setenv(LESSONS_VARIABLE, str(folder))
    main(["lessons"])
    out = capsys.readouterr().out
    assert "A tiny \\x1b]0;pwned\\x07 lesson" in out
    assert "\x1b" not in out and "\x07" not in out
