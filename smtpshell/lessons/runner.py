"""The lesson runner: pure; it advances on transcript records and a view of the sandbox, nothing else.

Rule: a step passes when, since the step began, every [[expect]] has been seen in the transcript and the
sandbox's state (new messages, TLS, authentication) satisfies the step — checked after each record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smtpshell.lessons.model import Lesson, SolutionItem, SolutionKind, Step
from smtpshell.lessons.summary import LessonSummary, build_summary
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, ClientState
from smtpshell.proto.events import Message
from smtpshell.proto.grammar import split_command
from smtpshell.session.records import Exchange, Notice, Record


@dataclass(frozen=True)
class SandboxView:
    """What the runner may know beyond the transcript: the sandbox's captured mail and the session's state."""

    messages: tuple[Message, ...] = ()
    tls: bool = False
    authenticated: bool = False

    @classmethod
    def of(cls, state: ClientState, messages: Iterable[Message]) -> SandboxView:
        """The view from the client's state and the sandbox's mailbox (``engine.state``, ``engine.mailbox()``)."""
        return cls(tuple(messages), state.tls, state.authenticated is not None)


@dataclass(frozen=True)
class StepPassed:
    index: int  # 0-based
    step: Step
    why: str
    next_step: Step | None  # None when this was the last step


@dataclass(frozen=True)
class LessonFinished:
    summary: LessonSummary


@dataclass(frozen=True)
class MistakeSpotted:
    """The learner just sent the last line of a wrong attempt the lesson foresaw; ``note`` says what to notice."""

    index: int  # the step's index
    note: str


LessonEvent = StepPassed | LessonFinished | MistakeSpotted


@dataclass(frozen=True)
class Hint:
    text: str
    number: int  # 1-based
    total: int


@dataclass(frozen=True)
class ShowMe:
    """The next reference input for where the learner is: put ``text`` on the command line, unsent.

    For a message (``kind == "message"``) ``text`` holds its lines without the final "." line: hand it to the
    engine's ``send_message`` (or the composer), which ends the message itself; ``lines`` adds the ".".
    """

    text: str
    kind: SolutionKind
    number: int  # 1-based position in the step's solution
    total: int
    lines: tuple[str, ...] = ()  # the item as typed line by line (a message ends with ".")
    shell_commands: tuple[str, ...] = ()  # shell commands (/raw on) the solution types before this input


@dataclass
class _StepProgress:
    exchanges: list[Exchange] = field(default_factory=list)
    baseline: set[str] = field(default_factory=set)  # queue ids of messages that existed when it began
    hints_shown: int = 0
    mistakes_noted: set[int] = field(default_factory=set)


class LessonRunner:
    def __init__(self, lesson: Lesson, *, step: int = 0, view: SandboxView | None = None) -> None:
        if not 0 <= step <= len(lesson.steps):
            raise ValueError(f"lesson {lesson.id!r} has no step {step + 1}")
        self.lesson = lesson
        self.step_index = step
        self._current = _StepProgress(baseline=_ids(view))
        self._exchanges: list[Exchange] = []
        self._hints_used = 0
        self._shown = 0
        self.last_why: str | None = None  # the "why" of the step passed last, for a pane to keep showing

    @property
    def finished(self) -> bool:
        return self.step_index >= len(self.lesson.steps)

    @property
    def step(self) -> Step | None:
        return None if self.finished else self.lesson.steps[self.step_index]

    @property
    def hints_shown(self) -> tuple[str, ...]:
        """The hints of the current step shown so far, in order."""
        step = self.step
        return step.hints[: self._current.hints_shown] if step else ()

    @property
    def hints_used(self) -> int:
        """Hints shown during this run of the lesson, over all steps."""
        return self._hints_used

    def observe(self, record: Record, view: SandboxView) -> list[LessonEvent]:
        """Take one transcript record; return what it achieved (usually nothing)."""
        step = self.step
        if step is None:
            return []
        if isinstance(record, Notice):
            return []
        if isinstance(record, Exchange):
            self._exchanges.append(record)
            self._current.exchanges.append(record)
        if not self._passes(step, view):
            return self._mistake(step, record)
        index = self.step_index
        self.step_index += 1
        self.last_why = step.why
        self._current = _StepProgress(baseline=_ids(view))
        events: list[LessonEvent] = [StepPassed(index, step, step.why, self.step)]
        if self.finished:
            events.append(LessonFinished(self.summary()))
        return events

    def _passes(self, step: Step, view: SandboxView) -> bool:
        exchanges = self._current.exchanges
        for check in step.expect:
            if sum(1 for e in exchanges if check.matches(e)) < check.count:
                return False
        if step.tls is not None and view.tls != step.tls:
            return False
        if step.authenticated is not None and view.authenticated != step.authenticated:
            return False
        if step.delivered is not None:
            new = [m for m in view.messages if m.queue_id not in self._current.baseline]
            matching = sum(1 for m in new if step.delivered.matches(m))
            if step.delivered.count == 0 and matching:
                return False
            if matching < step.delivered.count:
                return False
        return True

    def _mistake(self, step: Step, record: Record) -> list[LessonEvent]:
        if not isinstance(record, Exchange) or record.kind not in ("command", "auth"):
            return []
        said = _normal(record.command)
        solution = {_normal(item.text) for item in step.solution}
        for number, mistake in enumerate(step.mistakes):
            last = mistake.inputs[-1] if mistake.inputs else None
            if (
                not mistake.note
                or last is None
                or last.kind != "command"
                or number in self._current.mistakes_noted
                or _normal(last.text) != said
                or said in solution
            ):
                continue
            self._current.mistakes_noted.add(number)
            return [MistakeSpotted(self.step_index, mistake.note)]
        return []

    def hint(self) -> Hint | None:
        """The next hint of the current step, one at a time; None when all were shown."""
        step = self.step
        if step is None or self._current.hints_shown >= len(step.hints):
            return None
        self._current.hints_shown += 1
        self._hints_used += 1
        number = self._current.hints_shown
        return Hint(step.hints[number - 1], number, len(step.hints))

    def show_me(self, mode: str | None = None) -> ShowMe | None:
        """The reference input that comes next, judged by what was sent since the step began.

        ``mode`` is the engine's input mode; "data" tells that a BDAT line was typed and its chunk is awaited.
        """
        step = self.step
        if step is None:
            return None
        # Shell commands leave no exchange to follow the learner by, so they are named beside the next input.
        solution = tuple(item for item in step.solution if item.kind != "meta")
        if not solution:
            return None
        position = self._solution_position(solution)
        if position >= len(solution):
            position = 0  # all of it was typed, differently: start over from the first line
        if (
            mode == "data"
            and solution[position].verb == "BDAT"
            and position + 1 < len(solution)
            and solution[position + 1].kind == "chunk"
        ):
            position += 1
        item = solution[position]
        self._shown += 1
        text = "\n".join(item.lines[:-1]) if item.kind == "message" else item.text
        index = step.solution.index(item)
        before: list[str] = []
        for earlier in reversed(step.solution[:index]):
            if earlier.kind != "meta":
                break
            before.insert(0, earlier.text)
        return ShowMe(text, item.kind, position + 1, len(solution), tuple(item.typed_lines()), tuple(before))

    def _solution_position(self, solution: tuple[SolutionItem, ...]) -> int:
        position = 0
        for exchange in self._current.exchanges:
            if position >= len(solution):
                break
            position += _answers(solution, position, exchange)
        return position

    def summary(self) -> LessonSummary:
        return build_summary(self.lesson, self._exchanges, self._hints_used, self._shown)


def _answers(solution: tuple[SolutionItem, ...], position: int, record: Exchange) -> int:
    """How many solution inputs, from ``position``, the exchange shows done (0: none)."""
    item = solution[position]
    verb = split_command(record.command).verb
    if item.kind == "message":
        return 1 if record.command == DATA_END else 0
    if item.kind == "auth-response":
        return 1 if record.command == AUTH_RESPONSE or (record.kind == "auth" and verb != "AUTH") else 0
    if item.kind == "chunk":
        return 1 if verb == "BDAT" else 0
    if item.kind not in ("command", "pipeline") or verb != item.verb or record.kind == "greeting":
        return 0
    # A BDAT exchange carries its chunk: it answers the BDAT line and the chunk after it.
    chunk_follows = position + 1 < len(solution) and solution[position + 1].kind == "chunk"
    return 2 if verb == "BDAT" and chunk_follows else 1


def _normal(line: str) -> str:
    return " ".join(line.split()).upper()


def _ids(view: SandboxView | None) -> set[str]:
    return {m.queue_id for m in view.messages} if view else set()
