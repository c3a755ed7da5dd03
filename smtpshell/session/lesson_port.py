"""How lessons plug into the shell: the session defines this interface, smtpshell.lessons implements it.

Rule: the session never imports smtpshell.lessons. Whoever builds the engine (the shell command, `smtpshell learn`,
a test) hands it a LessonPlugin; without one, /lesson, /hint and /showme say that lessons are not available and
nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from smtpshell.session.records import Record

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

UNAVAILABLE = "Lessons are not available in this installation."


@dataclass(frozen=True)
class LessonStatus:
    """What a front end shows of the running lesson (the lesson pane), as text the lesson already wrote."""

    title: str
    markdown: str  # the introduction, the steps passed and the current one (or the summary at the end)
    step_index: int  # 0-based: the step the learner is on
    finished: bool
    instruction: str | None = None  # the current step's instruction (None once the lesson is finished)
    message_by_hand: bool = False  # the step's point is a message typed by hand, final "." included: no composer


class LessonPlugin(Protocol):
    """The lessons, as the shell sees them: commands to run, records to watch, a status to show."""

    def choices(self) -> list[tuple[str, str]]:
        """(id, title) of every lesson, for completing /lesson."""
        ...

    async def command(self, engine: ShellEngine, name: str, args: list[str]) -> None:
        """Run /lesson, /hint or /showme (``name`` without the slash); the answer is notices on ``engine``."""
        ...

    def observe(self, engine: ShellEngine, record: Record) -> None:
        """Judge a record the engine just emitted (its own notices included)."""
        ...

    def status(self) -> LessonStatus | None:
        """The running lesson, or None when none runs."""
        ...


class LazyLessons:
    """A LessonPlugin made on first use: a shell that never asks for a lesson never imports the lessons (a script
    to a real server starts faster). Until then no lesson runs, so there is nothing to observe or show."""

    def __init__(self, make: Callable[[], LessonPlugin]) -> None:
        self._make = make
        self._plugin: LessonPlugin | None = None

    def _made(self) -> LessonPlugin:
        if self._plugin is None:
            self._plugin = self._make()
        return self._plugin

    def choices(self) -> list[tuple[str, str]]:
        return self._made().choices()

    async def command(self, engine: ShellEngine, name: str, args: list[str]) -> None:
        await self._made().command(engine, name, args)

    def observe(self, engine: ShellEngine, record: Record) -> None:
        if self._plugin is not None:
            self._plugin.observe(engine, record)

    def status(self) -> LessonStatus | None:
        return self._plugin.status() if self._plugin is not None else None
