"""Progress is saved in the user data directory as it happens, survives a restart, resumes, and resets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from smtpshell.lessons.guide import LessonGuide
from smtpshell.lessons.loader import load_lesson_file
from smtpshell.lessons.progress import PROGRESS_FILE, Progress
from smtpshell.lessons.runner import LessonFinished, StepPassed
from tests.lessons.engine_helpers import LESSONS, open_learner


def test_progress_lives_in_the_user_data_directory(smtpshell_home: Path) -> None:
    progress = Progress()
    progress.save_step("size", 2)
    assert progress.path == smtpshell_home / PROGRESS_FILE
    assert json.loads(progress.path.read_text())["lessons"]["size"]["step"] == 2


def test_progress_survives_a_restart_in_a_new_process(smtpshell_home: Path) -> None:
    Progress().save_step("auth", 3, hints_used=2)
    Progress().finish("first-conversation", 2)
    code = (
        "from smtpshell.lessons.progress import Progress\n"
        "p = Progress()\n"
        "print(p.get('auth').step, p.get('auth').hints_used, p.get('first-conversation').finished, p.problem)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3", "2", "True", "None"]


def test_reset_forgets_one_lesson_or_all(smtpshell_home: Path) -> None:
    progress = Progress()
    progress.save_step("auth", 3)
    progress.save_step("size", 1)
    assert progress.reset("auth") and not progress.reset("auth")
    assert Progress().all().keys() == {"size"}
    assert progress.reset_all() == 1
    assert Progress().all() == {}


def test_an_unreadable_progress_file_is_set_aside_not_fatal(smtpshell_home: Path) -> None:
    smtpshell_home.mkdir(parents=True)
    (smtpshell_home / PROGRESS_FILE).write_text("{not json", encoding="utf-8")
    progress = Progress()
    assert progress.all() == {} and progress.problem and "unreadable" in progress.problem
    assert (smtpshell_home / (PROGRESS_FILE + ".unreadable")).read_text() == "{not json"
    progress.save_step("size", 1)
    assert Progress().get("size").step == 1


async def test_a_learner_resumes_where_they_stopped_after_a_restart(smtpshell_home: Path) -> None:
    recipients = load_lesson_file(LESSONS / "04-many-recipients.md")
    learner = await open_learner(recipients, smtpshell_home)
    guide = LessonGuide(recipients, Progress())
    learner.runner = guide.runner
    learner.engine.on_record = lambda record: learner.events.extend(guide.observe(record, learner.view()))
    try:
        for step in recipients.steps[:2]:
            await learner.type(*step.solution)
    finally:
        await learner.engine.close()
    assert [e.index for e in learner.events if isinstance(e, StepPassed)] == [0, 1]

    # A new session, a new Progress object: the guide starts at the third step.
    resumed = LessonGuide(recipients, Progress())
    assert (resumed.resumed_at, resumed.runner.step) == (2, recipients.steps[2])
    learner = await open_learner(recipients, smtpshell_home)
    learner.engine.on_record = lambda record: learner.events.extend(resumed.observe(record, learner.view()))
    try:
        await learner.type(*[item for step in recipients.steps[:1] for item in step.solution[:2]])  # greet, MAIL
        await learner.say("RCPT TO:<bob@sandbox.test>")
        for step in recipients.steps[2:]:
            await learner.type(*step.solution)
    finally:
        await learner.engine.close()
    assert any(isinstance(e, LessonFinished) for e in learner.events)
    saved = Progress().get(recipients.id)
    assert saved.finished and saved.step == len(recipients.steps)
    # A finished lesson starts again from the beginning.
    assert LessonGuide(recipients, Progress()).resumed_at == 0


def test_the_guide_counts_hints_across_sessions(smtpshell_home: Path) -> None:
    size = load_lesson_file(LESSONS / "07-size.md")
    progress = Progress()
    progress.save_step(size.id, 1, hints_used=2)
    guide = LessonGuide(size, Progress())
    assert guide.hint() is not None
    assert guide.hints_used == 3
