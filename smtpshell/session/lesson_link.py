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
            await _on_class_server(engine, [])
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
    if await _on_class_server(engine, guide.policy().faults.rules):
        await engine.connect(engine.target)  # a fresh session on the class server, its faults for us alone
    else:
        await engine.connect(Target("sandbox"))  # a fresh session on the lesson's sandbox
    # Said after the new greeting, so that the first step is the last thing on the screen.
    resumed = f" (resumed at step {guide.resumed_at + 1})" if guide.resumed_at else ""
    _lesson_notice(engine, f"Lesson {catalogue.number(lesson)}: {lesson.title}{resumed}", lesson.intro.strip())
    _announce_step(engine, guide.runner)


async def _on_class_server(engine: ShellEngine, rules: list[Any]) -> bool:
    """On a class server (its channel found), the lesson runs there with its faults for this student alone."""
    link = engine.class_link
    if link is None or engine.target.kind != "remote" or not link.active:
        return False
    problem = await link.set_lesson_faults(rules)
    if problem is not None:
        engine.notice("warning", "The lesson runs on the class server without its faults.", problem)
    return True


def _tell_class(engine: ShellEngine, guide: Any, done: bool) -> None:
    link = engine.class_link
    if link is not None and engine.target.kind == "remote":
        runner = guide.runner
        link.lesson_progress(guide.lesson.id, runner.step_index, len(guide.lesson.steps), done)  # steps done


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
                _tell_class(engine, guide, done=guide.finished)
            elif isinstance(event, lessons.MistakeSpotted):
                engine.notice("info", "Notice what just happened:", event.note.strip())
            elif isinstance(event, lessons.StepMissed):
                engine.notice("info", event.reason)
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


def _shell_command_done(engine: ShellEngine, command: str) -> bool | None:
    """Whether a shell command a solution types (/raw on) is already in effect; None when the shell cannot tell."""
    words = command.lower().split()
    if words == ["/sandbox", "--tls"]:  # implicit TLS: connected to the sandbox's TLS port
        return engine.connected and engine.target.kind == "sandbox" and engine.target.tls == "implicit"
    if len(words) == 2 and words[0] in ("/raw", "/explanations") and words[1] in ("on", "off"):
        value = engine.raw if words[0] == "/raw" else engine.explanations
        return value == (words[1] == "on")
    return None


def show_me(engine: ShellEngine) -> None:
    """/showme: the next reference input, put on the command line exactly as the notice says."""
    runner = engine.lessons
    if runner is None:
        engine.notice("info", UNAVAILABLE if _package() is None else "No lesson is running: /lesson starts one.")
        return
    shown = runner.show_me(engine.mode, engine.state)
    if shown is None:
        engine.notice("info", "This step has no answer to show.")
        return
    counted = f"Answer {shown.number} of {shown.total}:"
    pending = [c for c in shown.shell_commands if _shell_command_done(engine, c) is not True]
    if pending and engine.mode == "command" and _shell_command_done(engine, pending[0]) is False:
        # The step needs a shell setting first: that is what goes on the line; /showme again gives the next input.
        engine.suggestion = pending[0]
        engine.notice(
            "info",
            f"{counted} first {pending[0]} — it is on the command line, unsent. Then /showme again.",
            pending[0],
        )
        return
    first = f"First type {', '.join(pending)}. " if pending else ""
    if engine.mode == "data" and engine.bdat_command is None and shown.kind not in ("message", "chunk"):
        # Inside a message every line is message text: a command put here would be sent as part of it.
        engine.suggestion = "."
        engine.notice(
            "info",
            f"{counted} you are inside a message: '.' is on the command line, unsent. It ends the message "
            "(the server delivers it if it accepts it); then /showme again.",
            f"Next, outside the message: {shown.text}",
        )
        return
    if shown.reason:
        engine.suggestion = shown.text
        engine.notice("info", f"{counted} {shown.reason} It is on the command line, unsent.", shown.text)
        return
    if shown.kind == "message" and engine.mode == "data" and shown.text and "\n" not in shown.text:
        # A one-line message fits on the command line, where it is typed as a line of the message; that is the
        # only way to type one holding a lone CR (lesson 14), which no key produces.
        engine.suggestion = shown.text
        engine.notice(
            "info",
            f"{counted} {first}the message's line is on the command line, unsent. "
            "Press Enter, then type . to end the message.",
            visible_controls(shown.text),
        )
        return
    if shown.kind == "message":
        # A message does not fit on the command line: it is shown, to be typed (or pasted) after DATA's 354.
        lines = "\n".join(shown.lines or (*shown.text.split("\n"), "."))
        engine.notice("info", f"{counted} {first}type this message after the 354.", lines)
        return
    engine.suggestion = shown.text
    what = "the group is" if shown.kind == "pipeline" else "it is"
    engine.notice("info", f"{counted} {first}{what} on the command line, unsent.", shown.text)
