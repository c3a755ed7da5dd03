"""The automated walkthrough: every lesson solved step by step by its reference solution against the real
sandbox (through the shell engine a learner uses), and every foreseen mistake shown not to pass its step."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.lessons.loader import lesson_files, load_lesson_file
from smtpshell.lessons.walkthrough import walk_lesson

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


WALKS = [pytest.param(path, id=path.stem) for path in lesson_files(LESSONS)]


@pytest.mark.parametrize("path", WALKS)
async def test_the_reference_solution_passes_every_step_and_no_mistake_does(path: Path, smtpshell_home: Path) -> None:
    lesson = load_lesson_file(path)
    passed: list[str] = []
    problems = await walk_lesson(lesson, smtpshell_home, progress=passed.append)
    assert [str(p) for p in problems] == []
    assert len(passed) == len(lesson.steps)


async def test_the_walkthrough_reports_a_mistake_that_passes(tmp_path: Path, smtpshell_home: Path) -> None:
    text = (LESSONS / "01-first-conversation.md").read_text(encoding="utf-8")
    broken = tmp_path / "01-broken.md"
    broken.write_text(text.replace('lines = ["HELLO client.example"]', 'lines = ["HELO client.example"]'), "utf-8")
    problems = await walk_lesson(load_lesson_file(broken), smtpshell_home)
    assert len(problems) == 1
    line = text.splitlines().index('lines = ["HELLO client.example"]') + 1
    assert problems[0].line == line - 1  # the [[mistake]] table's own line
    assert "the wrong attempt passes the step" in problems[0].message


async def test_the_walkthrough_reports_a_solution_that_does_not_pass(tmp_path: Path, smtpshell_home: Path) -> None:
    text = (LESSONS / "03-sending-a-message.md").read_text(encoding="utf-8")
    broken = tmp_path / "03-broken.md"
    # Without the empty line the body is empty, so the final step's [delivered] check cannot pass.
    broken.write_text(
        text.replace("Subject: My first message\n\nHello Bob", "Subject: My first message\nHello Bob"), "utf-8"
    )
    problems = await walk_lesson(load_lesson_file(broken), smtpshell_home)
    assert len(problems) == 1
    assert problems[0].message.startswith("step 5: the reference solution does not pass it")
