"""Every lesson shipped in lessons/ loads and validates, in the order the course needs, and is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.lessons.catalogue import lessons_dir, load_catalogue
from smtpshell.lessons.loader import lesson_files, load_lesson_file
from smtpshell.lessons.setup import lesson_policy

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

# The course, in its order: each id names the topic of its lesson. More lessons may follow these.
COURSE = [
    "first-conversation",
    "ehlo-and-extensions",
    "sending-a-message",
    "many-recipients",
    "reading-replies",
    "envelope-versus-headers",
    "size",
    "helper-commands",
    "turn-and-etrn",
    "pipelining",
    "starttls",
    "auth",
    "temporary-failures",
    "dot-stuffing-and-smuggling",
    "8bitmime-and-smtputf8",
    "dsn-and-chunking",
    "routing-and-ports",
    "mime-and-bounces",
    "spf",
    "dkim",
    "dmarc-alignment",
    "forwarding-and-arc",
]


def test_the_checkout_finds_the_repository_lessons() -> None:
    assert lessons_dir().resolve() == LESSONS


def test_every_shipped_lesson_file_loads_without_a_problem() -> None:
    catalogue = load_catalogue(LESSONS)
    assert [str(e) for e in catalogue.errors] == []
    assert len(catalogue.lessons) == len(lesson_files(LESSONS))


def test_the_lessons_come_in_the_order_of_the_course() -> None:
    ids = [lesson.id for lesson in load_catalogue(LESSONS).lessons]
    assert ids[: len(COURSE)] == COURSE  # lessons added later come after, in the order of their file names


@pytest.mark.parametrize("path", lesson_files(LESSONS), ids=lambda p: p.stem)
def test_each_step_has_hints_a_solution_a_why_and_a_foreseen_mistake(path: Path) -> None:
    lesson = load_lesson_file(path)
    assert lesson.goals and lesson.intro
    for step in lesson.steps:
        assert step.instruction and step.hints and step.solution and step.why, step.title
        assert step.mistakes, f"{path.name}: step {step.title!r} has no [[mistake]] to test its check against"


@pytest.mark.parametrize("path", lesson_files(LESSONS), ids=lambda p: p.stem)
def test_each_lesson_sets_up_a_sandbox_policy(path: Path) -> None:
    lesson = load_lesson_file(path)
    first, second = lesson_policy(lesson), lesson_policy(lesson)
    assert first.faults is not second.faults  # fresh rules and greylisting memory for every session
    assert "postmaster" in first.mailboxes


def test_lesson_setups_change_the_sandbox_as_their_lessons_need() -> None:
    catalogue = load_catalogue(LESSONS)
    by_id = {lesson.id: lesson_policy(lesson) for lesson in catalogue.lessons}
    assert by_id["many-recipients"].max_recipients == 3
    assert by_id["size"].size_limit == 200
    assert [rule.name for rule in by_id["temporary-failures"].faults.rules] == ["greylist"]
    assert by_id["8bitmime-and-smtputf8"].mailboxes["josé"] == "José Núñez"
    assert by_id["first-conversation"].max_recipients == 100
