"""The engine's side of the lessons: /lesson, /hint and /showme, and feeding records to the lesson.

Rule: smtpshell.lessons judges (its LessonGuide wraps the pure runner and saves progress); this module only sets
the sandbox up for a lesson, forwards records and says what happened. Without the lessons package the commands
say so and nothing else changes.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from types import ModuleType
from typing import TYPE_CHECKING, Any

from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.records import Notice, Record
from smtpshell.session.target import Target

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

UNAVAILABLE = "Lessons are not available in this installation."


def _package() -> ModuleType | None:
    try:
        import smtpshell.lessons as lessons
    except ImportError:
        return None
    return lessons


def choices(engine: ShellEngine) -> list[tuple[str, str]]:
    """(id, title) of every lesson, for completing /lesson."""
    if engine.lesson_catalogue is None:
        lessons = _package()
        if lessons is None:
            return []
        try:
            engine.lesson_catalogue = lessons.load_catalogue()
        except OSError:
            return []
    ids: list[tuple[str, str]] = engine.lesson_catalogue.ids()
    return ids


async def start_or_stop(engine: ShellEngine, args: list[str]) -> None:
    lessons = _package()
    if lessons is None:
        engine.notice("info", UNAVAILABLE)
        return
    if args and args[0].lower() == "stop":
        if engine.lessons is None:
            engine.notice("info", "No lesson is running.")
        else:
            finished = engine.lessons.finished
            engine.lessons = engine.lesson_guide = None
            if engine.policy_before_lesson is not None:
                _apply_policy(engine.policy, engine.policy_before_lesson)
                engine.policy_before_lesson = None
            engine.notice(
                "info",
                "Lesson closed. /lesson starts the next one."
                if finished
                else "Lesson stopped; your progress is kept. /lesson resumes it.",
                "The sandbox is back to its own settings from the next connection (/sandbox).",
            )
        return
    choices(engine)
    catalogue = engine.lesson_catalogue
    if catalogue is None or not catalogue.lessons:
        engine.notice("error", "No lessons were found.", str(getattr(catalogue, "folder", "")))
        return
    progress = lessons.Progress()
    lesson = catalogue.find(args[0]) if args else catalogue.next_unfinished(progress)
    if lesson is None:
        known = ", ".join(lesson_id for lesson_id, _ in catalogue.ids())
        if args:
            engine.notice("error", f"No lesson {args[0]!r}.", f"Lessons: {known}")
        else:
            engine.notice("info", "You have finished every lesson.", f"/lesson ID runs one again: {known}")
        return
    guide = lessons.LessonGuide(lesson, progress, view=_view(engine), number=catalogue.number(lesson))
    if engine.policy_before_lesson is None:
        engine.policy_before_lesson = copy.deepcopy(engine.policy)
    _apply_policy(engine.policy, guide.policy())
    engine.lesson_guide, engine.lessons = guide, guide.runner
    await engine.connect(Target("sandbox"))  # a fresh session on the lesson's sandbox
    # Said after the new greeting, so that the first step is the last thing on the screen.
    resumed = f" (resumed at step {guide.resumed_at + 1})" if guide.resumed_at else ""
    _lesson_notice(engine, f"Lesson {catalogue.number(lesson)}: {lesson.title}{resumed}", lesson.intro.strip())
    _announce_step(engine, guide.runner)


def _apply_policy(policy: SandboxPolicy, fresh: SandboxPolicy) -> None:
    """Change the running sandbox's policy in place: its thread holds this very object."""
    for field in dataclasses.fields(SandboxPolicy):
        setattr(policy, field.name, getattr(fresh, field.name))


def _view(engine: ShellEngine) -> Any:
    lessons = _package()
    assert lessons is not None
    return lessons.SandboxView.of(engine.state, engine.mailbox())


def _announce_step(engine: ShellEngine, runner: Any) -> None:
    step = runner.step
    if step is not None:
        _lesson_notice(
            engine,
            f"Step {runner.step_index + 1} of {len(runner.lesson.steps)}: {step.title}",
            step.instruction.strip() + "\n\n/hint for a hint, /showme for the answer.",
        )


def _lesson_notice(engine: ShellEngine, text: str, detail: str) -> None:
    """A notice whose words the lesson pane shows too (see Notice.lesson_text)."""
    engine.emit(Notice("info", text, detail, time.time(), lesson_text=True))


def observe(engine: ShellEngine, record: Record) -> None:
    guide = engine.lesson_guide
    if guide is None or engine.lesson_busy:
        return
    lessons = _package()
    assert lessons is not None
    engine.lesson_busy = True  # the notices below come back here; they must not be judged
    try:
        for event in guide.observe(record, _view(engine)):
            if isinstance(event, lessons.StepPassed):
                _lesson_notice(engine, f"Step {event.index + 1} done: {event.step.title}", event.why.strip())
                _announce_step(engine, guide.runner)
            elif isinstance(event, lessons.MistakeSpotted):
                engine.notice("info", "Notice what just happened:", event.note.strip())
            elif isinstance(event, lessons.LessonFinished):
                _lesson_notice(engine, f"Lesson finished: {guide.lesson.title}", lessons.render_summary(event.summary))
    except OSError:
        engine.notice("warning", "Your lesson progress could not be saved.")
    finally:
        engine.lesson_busy = False


def hint(engine: ShellEngine) -> None:
    runner = engine.lessons
    if runner is None:
        engine.notice("info", UNAVAILABLE if _package() is None else "No lesson is running: /lesson starts one.")
        return
    found = runner.hint()
    if found is None:
        engine.notice("info", "No more hints for this step.", "/showme shows the answer.")
    else:
        _lesson_notice(engine, f"Hint {found.number} of {found.total}:", found.text)


def visible_controls(text: str) -> str:
    """``text`` with its CR, LF and NUL written out as <CR>, <LF>, <NUL>, as the lessons write them."""
    return text.replace("\r", "<CR>").replace("\n", "<LF>").replace("\x00", "<NUL>")


def show_me(engine: ShellEngine) -> None:
    runner = engine.lessons
    if runner is None:
        engine.notice("info", UNAVAILABLE if _package() is None else "No lesson is running: /lesson starts one.")
        return
    shown = runner.show_me(engine.mode)
    if shown is None:
        engine.notice("info", "This step has no answer to show.")
        return
    first = f"First type {', '.join(shown.shell_commands)}. " if shown.shell_commands else ""
    if shown.kind == "message" and engine.mode == "data" and shown.text and "\n" not in shown.text:
        # A one-line message fits on the command line, where it is typed as a line of the message; that is the
        # only way to type one holding a lone CR (lesson 14), which no key produces.
        engine.suggestion = shown.text
        engine.notice(
            "info",
            f"Answer {shown.number} of {shown.total}: {first}the message's line is on the command line, unsent. "
            "Press Enter, then type . to end the message.",
            visible_controls(shown.text),
        )
        return
    if shown.kind == "message":
        # A message does not fit on the command line: it is shown, to be typed (or pasted) after DATA's 354.
        lines = "\n".join(shown.lines or (*shown.text.split("\n"), "."))
        engine.notice("info", f"Answer {shown.number} of {shown.total}: {first}type this message after the 354.", lines)
        return
    engine.suggestion = shown.text
    engine.notice(
        "info", f"Answer {shown.number} of {shown.total}: {first}it is on the command line, unsent.", shown.text
    )
