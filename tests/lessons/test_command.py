"""`smtpshell lessons`, `smtpshell lessons check [DIR]`, `smtpshell lessons reset`, and `smtpshell learn` fed from
standard input, each run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smtpshell.lessons.loader import lesson_files
from smtpshell.lessons.progress import Progress
from tests.lessons.engine_helpers import LESSONS
from tests.lessons.test_broken_files import GOOD


def smtpshell(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMTPSHELL_HOME": str(home)}
    env.pop("SMTPSHELL_LESSONS", None)
    return subprocess.run(
        [sys.executable, "-m", "smtpshell", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_lessons_check_on_a_good_and_a_broken_folder(tmp_path: Path, smtpshell_home: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "01-tiny.md").write_text(GOOD, encoding="utf-8")
    result = smtpshell(smtpshell_home, "lessons", "check", str(good))
    assert result.returncode == 0 and "All 1 lesson(s)" in result.stdout

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "01-tiny.md").write_text(GOOD.replace('sent = "HELO"', 'sent = "HELOO"'), encoding="utf-8")
    result = smtpshell(smtpshell_home, "lessons", "check", str(broken))
    assert result.returncode == 1
    line = GOOD.splitlines().index('sent = "HELO"') + 1
    assert result.stderr.splitlines()[0].startswith(f"{broken / '01-tiny.md'}:{line}: unknown command 'HELOO'")


def test_lessons_check_run_walks_a_folder_through_the_sandbox(tmp_path: Path, smtpshell_home: Path) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("01-first-conversation.md", "09-turn-and-etrn.md"):
        (folder / name).write_text((LESSONS / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = smtpshell(smtpshell_home, "lessons", "check", str(folder), "--run")
    assert result.returncode == 0, result.stderr
    assert "pass their walkthrough" in result.stdout


def test_the_built_in_lessons_check_clean(smtpshell_home: Path) -> None:
    result = smtpshell(smtpshell_home, "lessons", "check")
    assert result.returncode == 0, result.stderr
    shipped = len(lesson_files(LESSONS))  # no fixed count: more lessons may be added
    assert shipped >= 18 and f"All {shipped} lesson(s)" in result.stdout


def test_lessons_lists_progress_and_reset_clears_it(smtpshell_home: Path) -> None:
    Progress().finish("first-conversation", 2)
    Progress().save_step("ehlo-and-extensions", 1)
    listing = smtpshell(smtpshell_home, "lessons")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert any("first-conversation" in line and "[done]" in line for line in lines)
    assert any("ehlo-and-extensions" in line and "[at step 2 of 3]" in line for line in lines)
    assert "Next: smtpshell learn ehlo-and-extensions" in listing.stdout

    assert (
        smtpshell(smtpshell_home, "lessons", "reset", "2").stdout.strip() == "Progress reset for ehlo-and-extensions."
    )
    assert smtpshell(smtpshell_home, "lessons", "reset", "--all").stdout.strip() == "Progress reset for 1 lesson(s)."
    assert Progress().all() == {}
    assert smtpshell(smtpshell_home, "lessons", "reset").returncode == 2


def test_learn_runs_a_lesson_from_standard_input_and_saves_progress(smtpshell_home: Path) -> None:
    typed = "HELLO client.example\n/hint\nHELO client.example\nQUIT\n"
    result = smtpshell(smtpshell_home, "learn", "first-conversation", stdin=typed)
    assert "Step 1 of 2: Say hello" in result.stdout
    assert "Lesson finished: The first conversation" in result.stdout
    saved = Progress().get("first-conversation")
    assert saved.finished and saved.hints_used == 1


def test_learn_refuses_an_unknown_lesson(smtpshell_home: Path) -> None:
    result = smtpshell(smtpshell_home, "learn", "quantum-mail", stdin="")
    assert result.returncode == 1 and "no lesson 'quantum-mail'" in result.stderr


def test_lessons_check_takes_a_single_file_too(tmp_path: Path, smtpshell_home: Path) -> None:
    lesson = tmp_path / "tiny.md"
    lesson.write_text(GOOD, encoding="utf-8")
    result = smtpshell(smtpshell_home, "lessons", "check", str(lesson), "--run")
    assert result.returncode == 0, result.stderr
    assert "lesson 'tiny' (1 steps) passes its walkthrough" in result.stdout


def test_learn_opens_the_next_unfinished_lesson_by_default(smtpshell_home: Path) -> None:
    Progress().finish("first-conversation", 2)
    result = smtpshell(smtpshell_home, "learn", stdin="EHLO client.example\n")
    assert "Lesson 2: EHLO and extensions" in result.stdout
