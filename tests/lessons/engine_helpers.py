"""A lesson runner watching a real shell engine on a real sandbox, for tests that follow a learner step by step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from smtpshell.lessons.model import Lesson, SolutionItem
from smtpshell.lessons.runner import LessonEvent, LessonRunner, SandboxView
from smtpshell.lessons.setup import lesson_policy
from smtpshell.lessons.walkthrough import type_item
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Record

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


@dataclass
class Learner:
    engine: ShellEngine
    runner: LessonRunner | None = None
    events: list[LessonEvent] = field(default_factory=list)

    def watch(self, record: Record) -> None:
        if self.runner is not None:
            self.events.extend(self.runner.observe(record, self.view()))

    def view(self) -> SandboxView:
        return SandboxView.of(self.engine.state, self.engine.mailbox())

    def follow(self, lesson: Lesson, step: int = 0) -> LessonRunner:
        """Start the runner now, on the session as it stands (messages already captured do not count)."""
        self.runner = LessonRunner(lesson, step=step, view=self.view())
        return self.runner

    async def type(self, *items: SolutionItem) -> None:
        for item in items:
            await type_item(self.engine, item)

    async def say(self, *lines: str) -> None:
        for line in lines:
            await self.engine.submit(line)


async def open_learner(lesson: Lesson, home: Path) -> Learner:
    learner = Learner(ShellEngine(policy=lesson_policy(lesson), data_dir=home))
    learner.engine.on_record = learner.watch
    await learner.engine.start()
    return learner
