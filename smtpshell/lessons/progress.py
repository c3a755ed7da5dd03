"""The learner's progress through the lessons, kept in one JSON file in the user data directory.

Rule: every change is written at once and atomically (write a temporary file, then rename it over the old
one), so a crash or a second window never leaves a half-written file; an unreadable file is set aside, not fatal.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from smtpshell.paths import data_dir

PROGRESS_FILE = "lesson-progress.json"
FORMAT = 1


@dataclass(frozen=True)
class LessonProgress:
    step: int = 0  # the step to resume at (0-based); equals the number of steps passed
    finished: bool = False
    hints_used: int = 0
    finished_at: float | None = None
    updated_at: float | None = None

    @property
    def started(self) -> bool:
        return self.step > 0 or self.finished


class Progress:
    """Progress per lesson id; ``path`` defaults to the user data directory ($SMTPSHELL_HOME overrides it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / PROGRESS_FILE
        self.problem: str | None = None  # set when the saved file could not be read
        self._lessons: dict[str, LessonProgress] = self._read()

    def get(self, lesson_id: str) -> LessonProgress:
        return self._lessons.get(lesson_id, LessonProgress())

    def all(self) -> dict[str, LessonProgress]:
        return dict(self._lessons)

    def save_step(self, lesson_id: str, step: int, *, hints_used: int | None = None) -> None:
        """Remember that the learner reached ``step`` (0-based) of an unfinished lesson."""
        old = self.get(lesson_id)
        hints = old.hints_used if hints_used is None else hints_used
        self._lessons[lesson_id] = LessonProgress(step, old.finished, hints, old.finished_at, time.time())
        self._write()

    def finish(self, lesson_id: str, steps: int, *, hints_used: int | None = None) -> None:
        old = self.get(lesson_id)
        hints = old.hints_used if hints_used is None else hints_used
        now = time.time()
        self._lessons[lesson_id] = LessonProgress(steps, True, hints, now, now)
        self._write()

    def reset(self, lesson_id: str) -> bool:
        """Forget one lesson's progress; False when there was none."""
        if self._lessons.pop(lesson_id, None) is None:
            return False
        self._write()
        return True

    def reset_all(self) -> int:
        count = len(self._lessons)
        self._lessons.clear()
        self._write()
        return count

    def _read(self) -> dict[str, LessonProgress]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            self.problem = f"cannot read {self.path}: {error.strerror}"
            return {}
        try:
            data = json.loads(raw)
            lessons = data["lessons"]
            if not isinstance(lessons, dict):
                raise TypeError("lessons is not an object")
            return {str(key): _entry(value) for key, value in lessons.items()}
        except (ValueError, KeyError, TypeError) as error:
            aside = self.path.with_name(self.path.name + ".unreadable")
            try:
                os.replace(self.path, aside)
            except OSError:
                aside = self.path
            self.problem = f"the progress file {self.path} was unreadable ({error}); it was kept as {aside}"
            return {}

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "lessons": {key: asdict(value) for key, value in sorted(self._lessons.items())}}
        fd, temporary = tempfile.mkstemp(prefix=".progress-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _entry(value: Any) -> LessonProgress:
    if not isinstance(value, dict):
        raise TypeError("a lesson entry is not an object")
    step = value.get("step", 0)
    if not isinstance(step, int) or step < 0:
        raise TypeError("a step is not a whole number")
    finished_at = value.get("finished_at")
    updated_at = value.get("updated_at")
    return LessonProgress(
        step,
        bool(value.get("finished", False)),
        int(value.get("hints_used", 0)),
        float(finished_at) if isinstance(finished_at, int | float) else None,
        float(updated_at) if isinstance(updated_at, int | float) else None,
    )
