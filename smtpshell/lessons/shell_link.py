"""The lessons in the shell: /lesson, /hint and /showme, and judging the records the engine emits.

Rule: this is the shell's LessonPlugin (smtpshell.session.lesson_port); the session only calls it, never imports
it. It sets the sandbox up for a lesson, forwards records to the LessonGuide (the pure runner plus saved
progress) and says what happened as notices on the engine.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from typing import TYPE_CHECKING

from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.lesson_port import LessonStatus
from smtpshell.session.records import Notice, Record
from smtpshell.session.target import Target

if TYPE_CHECKING:
    from smtpshell.lessons.catalogue import Catalogue
    from smtpshell.lessons.guide import LessonGuide
    from smtpshell.lessons.runner import LessonRunner, SandboxView
    from smtpshell.proto.faults import FaultRule
    from smtpshell.session.engine import ShellEngine

# The lesson machinery (loader, runner, renderer) is imported when a lesson is first asked for, not when the shell
# starts: every shell holds this plugin from its first prompt.

NOT_RUNNING = "No lesson is running: /lesson starts one."


class ShellLessons:
    """One shell's lessons: the catalogue, the running guide, and the sandbox policy to restore on /lesson stop."""

    def __init__(self) -> None:
        self.catalogue: Catalogue | None = None
        self.guide: LessonGuide | None = None
        self._policy_before: SandboxPolicy | None = None
        self._busy = False  # set while this plugin's own notices come back through observe

    @property
    def runner(self) -> LessonRunner | None:
        return self.guide.runner if self.guide is not None else None

    # ---- LessonPlugin ------------------------------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        catalogue = self._catalogue()
        return catalogue.ids() if catalogue is not None else []

    async def command(self, engine: ShellEngine, name: str, args: list[str]) -> None:
        if name == "lesson":
            await self._start_or_stop(engine, args)
        elif name == "hint":
            self._hint(engine)
        elif name == "showme":
            self._show_me(engine)

    def observe(self, engine: ShellEngine, record: Record) -> None:
        guide = self.guide
        if guide is None or self._busy:
            return
        from smtpshell.lessons.runner import LessonFinished, MistakeSpotted, StepMissed, StepPassed
        from smtpshell.lessons.summary import render_summary

        self._busy = True  # the notices below come back here; they must not be judged
        try:
            for event in guide.observe(record, _view(engine)):
                if isinstance(event, StepPassed):
                    _lesson_notice(engine, f"Step {event.index + 1} done: {event.step.title}", event.why.strip())
                    _announce_step(engine, guide.runner)
                    _tell_class(engine, guide)
                elif isinstance(event, MistakeSpotted):
                    engine.notice("info", "Notice what just happened:", event.note.strip())
                elif isinstance(event, StepMissed):
                    engine.notice("info", event.reason)
                elif isinstance(event, LessonFinished):
                    _lesson_notice(engine, f"Lesson finished: {guide.lesson.title}", render_summary(event.summary))
        except OSError:
            engine.notice("warning", "Your lesson progress could not be saved.")
        finally:
            self._busy = False

    def status(self) -> LessonStatus | None:
        guide = self.guide
        if guide is None:
            return None
        runner = guide.runner
        step = runner.step if not runner.finished else None
        return LessonStatus(
            guide.lesson.title,
            guide.pane_markdown(),
            runner.step_index,
            runner.finished,
            step.instruction if step is not None else None,
            runner.message_by_hand,
        )

    # ---- the commands ----------------------------------------------------------------------------------------

    def _catalogue(self) -> Catalogue | None:
        if self.catalogue is None:
            from smtpshell.lessons.catalogue import load_catalogue

            try:
                self.catalogue = load_catalogue()
            except OSError:
                return None
        return self.catalogue

    async def _start_or_stop(self, engine: ShellEngine, args: list[str]) -> None:
        if args and args[0].lower() == "stop":
            await self._stop(engine)
            return
        from smtpshell.lessons.guide import LessonGuide
        from smtpshell.lessons.progress import Progress

        catalogue = self._catalogue()
        if catalogue is None or not catalogue.lessons:
            engine.notice("error", "No lessons were found.", str(catalogue.folder if catalogue else ""))
            return
        progress = Progress()
        lesson = catalogue.find(args[0]) if args else catalogue.next_unfinished(progress)
        if lesson is None:
            known = ", ".join(lesson_id for lesson_id, _ in catalogue.ids())
            if args:
                engine.notice("error", f"No lesson {args[0]!r}.", f"Lessons: {known}")
            else:
                engine.notice("info", "You have finished every lesson.", f"/lesson ID runs one again: {known}")
            return
        guide = LessonGuide(lesson, progress, view=_view(engine), number=catalogue.number(lesson))
        if self._policy_before is None:
            self._policy_before = copy.deepcopy(engine.policy)
        _apply_policy(engine.policy, guide.policy())
        self.guide = guide
        if await _on_class_server(engine, guide.policy().faults.rules):
            await engine.connect(engine.target)  # a fresh session on the class server, its faults for us alone
        else:
            await engine.connect(Target("sandbox"))  # a fresh session on the lesson's sandbox
        # Said after the new greeting, so that the first step is the last thing on the screen.
        resumed = f" (resumed at step {guide.resumed_at + 1})" if guide.resumed_at else ""
        _lesson_notice(engine, f"Lesson {catalogue.number(lesson)}: {lesson.title}{resumed}", lesson.intro.strip())
        _announce_step(engine, guide.runner)

    async def _stop(self, engine: ShellEngine) -> None:
        if self.guide is None:
            engine.notice("info", "No lesson is running.")
            return
        finished = self.guide.finished
        self.guide = None
        await _on_class_server(engine, [])
        if self._policy_before is not None:
            _apply_policy(engine.policy, self._policy_before)
            self._policy_before = None
        engine.notice(
            "info",
            "Lesson closed. /lesson starts the next one."
            if finished
            else "Lesson stopped; your progress is kept. /lesson resumes it.",
            "The sandbox is back to its own settings from the next connection (/sandbox).",
        )

    def _hint(self, engine: ShellEngine) -> None:
        runner = self.runner
        if runner is None:
            engine.notice("info", NOT_RUNNING)
            return
        found = runner.hint()
        if found is None:
            engine.notice("info", "No more hints for this step.", "/showme shows the answer.")
        else:
            _lesson_notice(engine, f"Hint {found.number} of {found.total}:", found.text)

    def _show_me(self, engine: ShellEngine) -> None:
        """/showme: the next reference input, put on the command line exactly as the notice says."""
        runner = self.runner
        if runner is None:
            engine.notice("info", NOT_RUNNING)
            return
        shown = runner.show_me(engine.mode, engine.state)
        if shown is None:
            engine.notice("info", "This step has no answer to show.")
            return
        counted = f"Answer {shown.number} of {shown.total}:"
        pending = [c for c in shown.shell_commands if _shell_command_done(engine, c) is not True]
        if pending and engine.mode == "command" and _shell_command_done(engine, pending[0]) is False:
            # The step needs a shell setting first: that is what goes on the line; /showme again gives the next.
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


async def _on_class_server(engine: ShellEngine, rules: list[FaultRule]) -> bool:
    """On a class server (its channel found), the lesson runs there with its faults for this student alone."""
    link = engine.class_link
    if link is None or engine.target.kind != "remote" or not link.active:
        return False
    problem = await link.set_lesson_faults(rules)
    if problem is not None:
        engine.notice("warning", "The lesson runs on the class server without its faults.", problem)
    return True


def _tell_class(engine: ShellEngine, guide: LessonGuide) -> None:
    link = engine.class_link
    if link is not None and engine.target.kind == "remote":
        runner = guide.runner
        link.lesson_progress(guide.lesson.id, runner.step_index, len(guide.lesson.steps), guide.finished)


def _apply_policy(policy: SandboxPolicy, fresh: SandboxPolicy) -> None:
    """Change the running sandbox's policy in place: its thread holds this very object."""
    for field in dataclasses.fields(SandboxPolicy):
        setattr(policy, field.name, getattr(fresh, field.name))


def _view(engine: ShellEngine) -> SandboxView:
    from smtpshell.lessons.runner import SandboxView

    return SandboxView.of(engine.state, engine.mailbox())


def _announce_step(engine: ShellEngine, runner: LessonRunner) -> None:
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
