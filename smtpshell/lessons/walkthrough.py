"""The automated walkthrough: each lesson solved by its reference solution against the real sandbox, through the
same shell engine a learner uses, and each foreseen mistake shown not to pass its step and to show its note.

Rule: every run starts a fresh engine and sandbox with the lesson's policy, so no greylisting memory, fault
counter or captured message leaks from one run into the next; a mistake is tried after replaying the solutions of
the steps before it, exactly where a learner would make it. The right path must show no mistake's note, and each
mistake must show its own: a note that never appears, or appears to a learner who did right, is a defect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smtpshell.lessons.loader import LessonError
from smtpshell.lessons.model import Lesson, Mistake, SolutionItem
from smtpshell.lessons.runner import LessonEvent, LessonRunner, MistakeSpotted, SandboxView, StepPassed
from smtpshell.lessons.setup import lesson_policy
from smtpshell.session.records import Exchange, Notice, Record

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine


@dataclass
class _Run:
    """One engine with a runner watching its records."""

    engine: ShellEngine
    runner: LessonRunner
    events: list[LessonEvent] = field(default_factory=list)

    @property
    def passed(self) -> set[int]:
        return {e.index for e in self.events if isinstance(e, StepPassed)}


async def _open(lesson: Lesson, data_dir: Path) -> _Run:
    from smtpshell.session.engine import ShellEngine

    runner = LessonRunner(lesson)
    holder: list[_Run] = []

    def observe(record: Record) -> None:
        run = holder[0]
        view = SandboxView.of(run.engine.state, run.engine.mailbox())
        run.events.extend(run.runner.observe(record, view))

    engine = ShellEngine(policy=lesson_policy(lesson), on_record=observe, data_dir=data_dir)
    holder.append(_Run(engine, runner))
    await engine.start()
    return holder[0]


async def type_item(engine: ShellEngine, item: SolutionItem) -> None:
    """Type one solution input as a learner would, line by line.

    The shell holds back a command it thinks pointless, with a warning, and sends it when the same line comes
    again at once; a learner who means it presses Enter twice, and so does this.
    """
    for line in item.typed_lines():
        before = len(engine.records)
        await engine.submit(line)
        if item.kind == "command" and _held_back(engine.records[before:]):
            await engine.submit(line)


def _held_back(records: list[Record]) -> bool:
    return not any(isinstance(r, Exchange) for r in records) and any(
        isinstance(r, Notice) and r.level == "warning" for r in records
    )


def _last_replies(run: _Run, count: int = 4) -> str:
    exchanges = [r for r in run.engine.records if isinstance(r, Exchange)][-count:]
    said = [f"{e.command} -> {e.reply.code if e.reply else 'no reply'}" for e in exchanges]
    return "; ".join(said) or "no exchange"


async def walk_lesson(
    lesson: Lesson, data_dir: Path, progress: Callable[[str], None] | None = None
) -> list[LessonError]:
    """Every problem found; an empty list when the lesson works as written."""
    path = str(lesson.path or lesson.id)
    problems: list[LessonError] = []
    run = await _open(lesson, data_dir)
    try:
        for index, step in enumerate(lesson.steps):
            where = step.line
            items = list(step.solution)
            last_needed = max((i for i, item in enumerate(items) if item.kind != "meta"), default=-1)
            passed_after: int | None = None
            seen = len(run.events)
            for number, item in enumerate(items):
                await type_item(run.engine, item)
                if passed_after is None and index in run.passed:
                    passed_after = number
            if passed_after is None:
                problems.append(
                    LessonError(
                        path,
                        where,
                        f"step {index + 1}: the reference solution does not pass "
                        f"it (last exchanges: {_last_replies(run)})",
                    )
                )
                break
            for event in run.events[seen:]:
                if isinstance(event, MistakeSpotted):
                    problems.append(
                        LessonError(
                            path,
                            where,
                            f"step {index + 1}: the reference solution shows a mistake's note: {event.note[:60]!r}",
                        )
                    )
            if passed_after < last_needed:
                problems.append(
                    LessonError(
                        path,
                        where,
                        f"step {index + 1}: it passes after solution item "
                        f"{passed_after + 1}, before the solution is complete",
                    )
                )
            if progress is not None:
                progress(f"{lesson.id}: step {index + 1} passes")
    finally:
        await run.engine.close()
    if problems:
        return problems
    for index, step in enumerate(lesson.steps):
        for mistake in step.mistakes:
            problem = await _try_mistake(lesson, index, mistake, data_dir)
            if problem is not None:
                problems.append(LessonError(path, mistake.line, f"step {index + 1}: {problem}"))
    return problems


async def _try_mistake(lesson: Lesson, index: int, mistake: Mistake, data_dir: Path) -> str | None:
    run = await _open(lesson, data_dir)
    try:
        for item in lesson.solution_until(index):
            await type_item(run.engine, item)
        if not all(earlier in run.passed for earlier in range(index)):
            return "replaying the steps before it did not pass them"
        seen = len(run.events)
        for item in mistake.inputs:
            await type_item(run.engine, item)
        if index in run.passed:
            return f"the wrong attempt passes the step (last exchanges: {_last_replies(run)})"
        notes = [e.note for e in run.events[seen:] if isinstance(e, MistakeSpotted)]
        if mistake.note and mistake.note not in notes:
            shown = f"; it showed {notes[0][:50]!r}" if notes else ""
            return (
                f"the mistake's note never appears (last exchanges: {_last_replies(run)}){shown}: "
                "give it a 'when', 'delivered' or 'notice' that matches what happens"
            )
        return None
    finally:
        await run.engine.close()
