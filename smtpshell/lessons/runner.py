"""The lesson runner: pure; it advances on transcript records and a view of the sandbox, nothing else.

Rule: a step passes when, since the step began, every [[expect]] has been seen in the transcript and the
sandbox's state (new messages, TLS, authentication) satisfies the step — checked after each record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smtpshell.lessons.mistakes import recognises, transaction_verdict
from smtpshell.lessons.model import Lesson, SolutionItem, SolutionKind, Step, pipelined_indexes
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


@dataclass(frozen=True)
class StepMissed:
    """A transaction just ended and the step still does not pass; ``reason`` says why, in one line."""

    index: int
    reason: str


LessonEvent = StepPassed | LessonFinished | MistakeSpotted | StepMissed


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
    reason: str = ""  # why this input, when it is not the step's next one: the session needs it first


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
    def message_by_hand(self) -> bool:
        """The current step wants its message typed line by line, with the final "." (no composer)."""
        step = self.step
        return step is not None and step.by_hand

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
            return self._mistake(step, record, view)
        if isinstance(record, Exchange):
            self._exchanges.append(record)
            self._current.exchanges.append(record)
        if not self._passes(step, view):
            return self._mistake(step, record, view) or self._missed(step, record, view)
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
        grouped = pipelined_indexes(exchanges)
        for check in step.expect:
            if sum(1 for i, e in enumerate(exchanges) if check.matches(e, i in grouped)) < check.count:
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

    def _mistake(self, step: Step, record: Record, view: SandboxView) -> list[LessonEvent]:
        new = self._new_messages(view)
        for number, mistake in enumerate(step.mistakes):
            if number in self._current.mistakes_noted:
                continue
            if recognises(mistake, record, self._current.exchanges, new):
                self._current.mistakes_noted.add(number)
                return [MistakeSpotted(self.step_index, mistake.note)]
        return []

    def _missed(self, step: Step, record: Record, view: SandboxView) -> list[LessonEvent]:
        reason = transaction_verdict(step, record, self._new_messages(view))
        return [StepMissed(self.step_index, reason)] if reason else []

    def _new_messages(self, view: SandboxView) -> list[Message]:
        return [m for m in view.messages if m.queue_id not in self._current.baseline]

    def hint(self) -> Hint | None:
        """The next hint of the current step, one at a time; None when all were shown."""
        step = self.step
        if step is None or self._current.hints_shown >= len(step.hints):
            return None
        self._current.hints_shown += 1
        self._hints_used += 1
        number = self._current.hints_shown
        return Hint(step.hints[number - 1], number, len(step.hints))

    def show_me(self, mode: str | None = None, state: ClientState | None = None) -> ShowMe | None:
        """The reference input that comes next, judged by what was sent since the step began.

        ``mode`` is the engine's input mode; "data" tells that a BDAT line was typed and its chunk is awaited.
        ``state``, the session as it stands: a command the server would refuse now (DATA with no transaction
        open) gives way to the reference line that makes it possible (MAIL FROM), with the reason.
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
        if state is not None and mode != "data":
            placeholder = ShowMe("", item.kind, position + 1, len(solution))
            needed = self._needed_first(item, state, placeholder)
            if needed is not None:
                return needed
        text = "\n".join(item.lines[:-1]) if item.kind == "message" else item.text
        index = step.solution.index(item)
        before: list[str] = []
        for earlier in reversed(step.solution[:index]):
            if earlier.kind != "meta":
                break
            before.insert(0, earlier.text)
        return ShowMe(text, item.kind, position + 1, len(solution), tuple(item.typed_lines()), tuple(before))

    def _needed_first(self, item: SolutionItem, state: ClientState, shown: ShowMe) -> ShowMe | None:
        """A reference line the session needs before ``item`` can work, or None when ``item`` can go now."""
        verb = item.verbs[0] if item.verbs else None
        if item.kind == "message":
            verb = "DATA"  # a message needs DATA's 354 first, and DATA a transaction
        if not state.connected or verb not in ("RCPT", "DATA", "BDAT"):
            return None
        if state.sender is None:
            wanted, reason = "MAIL", "No transaction is open now (the last one ended): start one with MAIL FROM."
        elif verb in ("DATA", "BDAT") and not state.recipients:
            wanted, reason = "RCPT", "No recipient has been accepted in this transaction: add one with RCPT TO."
        elif item.kind == "message":
            wanted, reason = "DATA", "The message comes after DATA's 354: send DATA first."
        else:
            return None
        earlier = self.lesson.solution_until(self.step_index) + list(self.lesson.steps[self.step_index].solution)
        for candidate in reversed(earlier):
            if candidate.kind == "command" and candidate.verb == wanted:
                return ShowMe(candidate.text, "command", shown.number, shown.total, (candidate.text,), (), reason)
        return None

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


def _ids(view: SandboxView | None) -> set[str]:
    return {m.queue_id for m in view.messages} if view else set()
