"""What a front end holds while a lesson runs: the pure runner plus the saved progress and the texts to show.

The TUI and the plain shell both use this, so saving progress and resuming is written once.
"""

from __future__ import annotations

from smtpshell.lessons.model import Lesson
from smtpshell.lessons.progress import Progress
from smtpshell.lessons.render import pane_markdown
from smtpshell.lessons.runner import (
    Hint,
    LessonEvent,
    LessonFinished,
    LessonRunner,
    SandboxView,
    ShowMe,
    StepPassed,
)
from smtpshell.lessons.setup import lesson_policy
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.records import Record


class LessonGuide:
    """Runs one lesson: ``observe`` every record, ``hint``/``show_me`` on request; progress is saved as it goes.

    A finished lesson starts again from its first step; an unfinished one resumes at the saved step.
    """

    def __init__(
        self,
        lesson: Lesson,
        progress: Progress | None = None,
        *,
        view: SandboxView | None = None,
        resume: bool = True,
        number: int | None = None,
    ) -> None:
        self.lesson = lesson
        self.progress = progress
        self.number = number
        saved = progress.get(lesson.id) if progress is not None else None
        start = 0
        if resume and saved is not None and not saved.finished:
            start = min(saved.step, len(lesson.steps) - 1)
        self.resumed_at = start
        self.runner = LessonRunner(lesson, step=start, view=view)
        self._hints_before = saved.hints_used if saved is not None and resume and not saved.finished else 0

    def policy(self) -> SandboxPolicy:
        """A fresh sandbox policy for this lesson (start the sandbox with it before the lesson begins)."""
        return lesson_policy(self.lesson)

    @property
    def finished(self) -> bool:
        return self.runner.finished

    def observe(self, record: Record, view: SandboxView) -> list[LessonEvent]:
        events = self.runner.observe(record, view)
        for event in events:
            if isinstance(event, StepPassed):
                if self.progress is not None and event.next_step is not None:
                    self.progress.save_step(self.lesson.id, event.index + 1, hints_used=self.hints_used)
            elif isinstance(event, LessonFinished) and self.progress is not None:
                self.progress.finish(self.lesson.id, len(self.lesson.steps), hints_used=self.hints_used)
        return events

    def hint(self) -> Hint | None:
        return self.runner.hint()

    def show_me(self, mode: str | None = None, state: ClientState | None = None) -> ShowMe | None:
        return self.runner.show_me(mode, state)

    def pane_markdown(self) -> str:
        return pane_markdown(self.runner, None, self.number)

    @property
    def hints_used(self) -> int:
        """Hints used in this lesson so far, counting earlier sessions of an unfinished lesson."""
        return self._hints_before + self.runner.hints_used
