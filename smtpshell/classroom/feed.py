"""The class's live feed: every command and reply of every session, as it happens, with who and why.

Rule: the feed is built only from the sandbox's log (commands with AUTH already redacted, replies with their
reasons, session events), so credentials never reach it; each event names the session, the student (login,
claimed or HELO name), the client address and, for a reply, the server's reason. Text that came from the network
is made printable before anyone prints it. Listeners run on the server's thread and must not block.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from smtpshell.net.server_log import LogEntry, ServerLog, SessionClosed, SessionOpened, TLSEstablished
from smtpshell.proto.events import Authenticated, CommandReceived, SendReply

EventKind = Literal["open", "command", "reply", "tls", "auth", "close", "progress"]
KEEP_EVENTS_PER_SESSION = 400
KEEP_SESSIONS = 2000  # ended sessions kept for the dashboard; the oldest go first


def printable(text: str, limit: int = 400) -> str:
    """``text`` with every control or unprintable character written as an escape, cut at ``limit``."""
    if text.isprintable() and len(text) <= limit:
        return text
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode() for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    seq: int
    at: float  # seconds since the epoch, when the server logged it
    session: int
    peer: str
    student: str | None
    helo: str | None
    kind: EventKind
    line: str  # the command, the reply's text (lines joined by newlines), or what happened
    code: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        # By hand: dataclasses.asdict deep-copies, and this runs for every event of every session.
        return {
            "seq": self.seq,
            "at": self.at,
            "session": self.session,
            "peer": self.peer,
            "student": self.student,
            "helo": self.helo,
            "kind": self.kind,
            "line": self.line,
            "code": self.code,
            "reason": self.reason,
        }


@dataclass(slots=True)
class SessionSummary:
    """A row of the teacher's dashboard."""

    session: int
    peer: str
    started: float
    student: str | None = None
    helo: str | None = None
    state: str = "open"  # open, closed
    last_command: str = ""
    last_code: int | None = None
    commands: int = 0
    messages: int = 0
    errors: int = 0  # 4xx and 5xx replies
    ended: float | None = None
    end_reason: str = ""
    events: deque[FeedEvent] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS_PER_SESSION))

    def to_json(self) -> dict[str, object]:
        return {
            "session": self.session,
            "peer": self.peer,
            "student": self.student,
            "helo": self.helo,
            "state": self.state,
            "last_command": self.last_command,
            "last_code": self.last_code,
            "commands": self.commands,
            "messages": self.messages,
            "errors": self.errors,
            "started": self.started,
            "ended": self.ended,
            "end_reason": self.end_reason,
        }


Listener = Callable[[FeedEvent], None]


class ClassFeed:
    """Sessions and their events from a sandbox's log; ``who(session)`` names the student, if any."""

    def __init__(
        self,
        log: ServerLog,
        who: Callable[[int], tuple[str | None, str | None]] | None = None,
        on_closed: Callable[[int], None] | None = None,
    ) -> None:
        self._who = who
        self._on_closed = on_closed
        self.sessions: OrderedDict[int, SessionSummary] = OrderedDict()
        self.progress: dict[str, dict[str, object]] = {}  # student -> lesson progress they reported
        self._listeners: tuple[Listener, ...] = ()
        self._seq = 0
        self.unsubscribe = log.subscribe(self._on_entry)

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners = (*self._listeners, listener)

        def stop() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

        return stop

    def _on_entry(self, entry: LogEntry) -> None:
        item = entry.item
        summary = self.sessions.get(entry.session)
        if summary is None:
            summary = SessionSummary(entry.session, entry.peer, entry.at)
            self.sessions[entry.session] = summary
            self._trim()
        if self._who is not None and summary.state == "open":
            student, helo = self._who(entry.session)
            summary.student = student or summary.student
            summary.helo = helo or summary.helo
        code: int | None = None
        reason: str | None = None
        kind: EventKind
        if isinstance(item, CommandReceived):
            kind, line = "command", printable(item.line)
            summary.commands += 1
            summary.last_command = line
            if self._who is None:
                verb, _, argument = item.line.partition(" ")
                if verb.upper() in ("EHLO", "HELO") and argument.strip():
                    summary.helo = printable(argument.strip(), 80)
        elif isinstance(item, SendReply):
            kind, code, reason = "reply", item.reply.code, printable(item.reason, 1000)
            line = "\n".join(printable(text) for text in item.reply.wire_lines())
            summary.last_code = code
            if code >= 400:
                summary.errors += 1
            if code == 250 and item.command in ("DATA", "BDAT") and "queued as" in item.reply.text:
                summary.messages += 1
        elif isinstance(item, Authenticated):
            kind, line = "auth", f"authenticated as {printable(item.username, 80)} ({item.mechanism})"
        elif isinstance(item, TLSEstablished):
            kind, line = "tls", f"TLS established: {item.version} {item.cipher}"
        elif isinstance(item, SessionOpened):
            kind, line = "open", "connected" + (" with implicit TLS" if item.tls else "")
        else:
            assert isinstance(item, SessionClosed)
            kind, line = "close", f"closed: {printable(item.reason)}"
            summary.state, summary.ended, summary.end_reason = "closed", entry.at, printable(item.reason)
        self._seq += 1
        event = FeedEvent(
            self._seq, entry.at, entry.session, entry.peer, summary.student, summary.helo, kind, line, code, reason
        )
        summary.events.append(event)
        self._tell(event)
        if kind == "close" and self._on_closed is not None:
            self._on_closed(entry.session)

    def report_progress(self, student: str, progress: dict[str, object]) -> None:
        """A student's shell said how far it got in a lesson; the teacher's view shows it."""
        self.progress[student] = progress
        self._seq += 1
        lesson = printable(str(progress.get("lesson", "?")), 60)
        step, steps = progress.get("step", "?"), progress.get("steps", "?")
        line = f"{lesson} {'done' if progress.get('done') else f'{printable(str(step), 6)}/{printable(str(steps), 6)}'}"
        event = FeedEvent(self._seq, time.time(), 0, "", student, None, "progress", line)
        self._tell(event)

    def _tell(self, event: FeedEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def _trim(self) -> None:
        while len(self.sessions) > KEEP_SESSIONS:
            oldest = next(iter(self.sessions))
            if self.sessions[oldest].state == "open":
                break
            del self.sessions[oldest]

    def sessions_of(self, student: str | None) -> list[SessionSummary]:
        """Every kept session, or only one student's."""
        rows = list(self.sessions.values())
        return rows if student is None else [row for row in rows if row.student == student]


def format_event(event: FeedEvent) -> str:
    """One event for ``serve --watch``: time, session, student or HELO name, client, the line, the reason."""
    clock = time.strftime("%H:%M:%S", time.localtime(event.at)) + f".{int(event.at * 1000) % 1000:03d}"
    who = event.student or event.helo or "-"
    head = f"{clock} #{event.session} {who} {event.peer}"
    if event.kind == "command":
        return f"{head} C: {event.line}"
    if event.kind == "reply":
        # One line per reply, however long (an EHLO lists a dozen): a class's watch must stay readable.
        first, *more = event.line.split("\n")
        text = f"{head} S: {first}" + (f"  (+{len(more)} more lines)" if more else "")
        return f"{text}\n{head}    ({event.reason})" if event.reason else text
    if event.kind == "progress":
        return f"{clock} {who} {event.line}"
    return f"{head} -- {event.line}"
