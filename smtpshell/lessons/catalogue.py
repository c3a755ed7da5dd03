"""Where the lessons are and which one comes next.

Installed, the wheel carries the repository's lessons/ folder as the package's ``_lessons``; in a checkout the
folder is found at the repository root. $SMTPSHELL_LESSONS points at another folder (a teacher's own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import smtpshell
from smtpshell.lessons.loader import LessonError, load_folder
from smtpshell.lessons.model import Lesson
from smtpshell.lessons.progress import Progress
from smtpshell.proto.grammar import is_ascii_digits

LESSONS_VARIABLE = "SMTPSHELL_LESSONS"


def lessons_dir() -> Path:
    override = os.environ.get(LESSONS_VARIABLE)
    if override:
        return Path(override).expanduser()
    package = Path(smtpshell.__file__).resolve().parent
    shipped = package / "_lessons"
    if shipped.is_dir():
        return shipped
    return package.parent / "lessons"


@dataclass
class Catalogue:
    folder: Path
    lessons: list[Lesson]
    errors: list[LessonError]

    def find(self, key: str) -> Lesson | None:
        """A lesson by id, by its number in the list (1-based), or by the start of its id when that is unique."""
        key = key.strip().lower()
        for lesson in self.lessons:
            if lesson.id == key:
                return lesson
        if is_ascii_digits(key) and 1 <= int(key) <= len(self.lessons):
            return self.lessons[int(key) - 1]
        starting = [lesson for lesson in self.lessons if lesson.id.startswith(key)]
        return starting[0] if len(starting) == 1 else None

    def number(self, lesson: Lesson) -> int:
        return next(i for i, known in enumerate(self.lessons, 1) if known.id == lesson.id)

    def next_unfinished(self, progress: Progress) -> Lesson | None:
        """The first lesson not finished: where a learner who just types `smtpshell learn` continues."""
        for lesson in self.lessons:
            if not progress.get(lesson.id).finished:
                return lesson
        return None

    def ids(self) -> list[tuple[str, str]]:
        """(id, title) pairs, for completing ``/lesson``."""
        return [(lesson.id, lesson.title) for lesson in self.lessons]


def load_catalogue(folder: Path | None = None) -> Catalogue:
    where = folder if folder is not None else lessons_dir()
    result = load_folder(where)
    return Catalogue(where, result.lessons, result.errors)
