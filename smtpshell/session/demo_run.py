"""A demo as the presenter paces it: each advance() sends the next line and handles the directives around it.

Rule: pure stepping over the engine, no UI. A front end that can wait for a key (the full-screen UI) calls
advance() once per key; one that cannot (a script on standard input) calls run_all(). Either way the demo stops
with one message when the connection ends under it (a disconnect, a failed TLS handshake) instead of sending the
rest of the lines into nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from smtpshell.session.meta_table import META_PREFIX
from smtpshell.session.records import ConnectionChange, Notice
from smtpshell.session.replay import DemoStep

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

Outcome = Literal["sent", "paused", "finished", "stopped"]


@dataclass(frozen=True)
class DemoSettings:
    auto: float | None = None  # seconds between steps when the demo advances by itself
    typing: bool = False  # show each line being typed on the command line before it is sent


@dataclass
class DemoRun:
    steps: list[DemoStep]
    source: str  # the file, for messages
    settings: DemoSettings = field(default_factory=DemoSettings)
    position: int = 0  # the next step to take
    stopped: str | None = None  # why the demo stopped early
    explain_requested: bool = False  # the last advance met "# explain": a front end opens the explanation
    paused: bool = False  # the last advance met "# pause": --auto waits for a key

    @property
    def finished(self) -> bool:
        return self.stopped is not None or self.position >= len(self.steps)

    @property
    def sends(self) -> int:
        return sum(1 for step in self.steps if step.kind == "send")

    @property
    def sent(self) -> int:
        return sum(1 for step in self.steps[: self.position] if step.kind == "send")

    def upcoming(self) -> tuple[list[str], DemoStep | None]:
        """The notes before the next line to send, and that line (None at the end): what the presenter sees."""
        notes: list[str] = []
        for step in self.steps[self.position :]:
            if step.kind == "note":
                notes.append(step.text)
            elif step.kind == "send":
                return notes, step
        return notes, None

    def stop(self, reason: str) -> None:
        self.stopped = reason

    async def advance(self, engine: ShellEngine, *, notes_as_notices: bool = False) -> Outcome:
        """Take the steps up to and including the next line to send, then any directives right after it.

        The caller holds the engine's lock (this runs inside a submitted line, like /replay, or as a UI job)."""
        self.explain_requested = self.paused = False
        if self.finished:
            return "stopped" if self.stopped else "finished"
        sent = False
        while self.position < len(self.steps):
            step = self.steps[self.position]
            if sent and step.kind in ("send", "note"):
                break
            self.position += 1
            if step.kind == "note":
                if notes_as_notices:
                    engine.notice("info", step.text)
            elif step.kind == "pause":
                self.paused = True
                if not sent:
                    return "paused"
            elif step.kind == "explain":
                self.explain_requested = True
                await engine.run_line(f"{META_PREFIX}explain")
            else:
                if not await self._send(engine, step):
                    return "stopped"
                sent = True
                if engine.quit_requested:
                    self.stop("you left the shell")
                    return "stopped"
        if self.position >= len(self.steps):
            return "finished"
        return "paused" if self.paused else "sent"

    async def _send(self, engine: ShellEngine, step: DemoStep) -> bool:
        """Send one line; False (and one message) when the demo cannot go on."""
        is_meta = step.text.startswith(META_PREFIX) and engine.mode == "command"
        if not is_meta and not engine.connected:
            self._stop_with(engine, step, "the shell is not connected", "Connect first (/sandbox or /connect HOST).")
            return False
        before = len(engine.records)
        engine.replay_depth += 1  # a /replay inside the demo runs whole, and not forever
        # A script is deliberate: a line the shell would hold back with a warning (DATA before any recipient)
        # goes out after the warning, as the demo means it to.
        deliberate, engine.deliberate = engine.deliberate, True
        try:
            await engine.run_line(step.text)
        finally:
            engine.deliberate = deliberate
            engine.replay_depth -= 1
        if is_meta:
            return True
        for record in engine.records[before:]:
            if isinstance(record, ConnectionChange) and record.event == "disconnected":
                reason = record.detail or "the connection ended"
                if reason.endswith("after QUIT"):
                    continue  # the script said goodbye itself: the lines after it may reconnect
                problem = _headline(engine.records[before:]) or reason
                self._stop_with(engine, step, problem, "")
                return False
        return True

    def _stop_with(self, engine: ShellEngine, step: DemoStep, problem: str, advice: str) -> None:
        left = self.sends - self.sent
        self.stop(problem)
        rest = f"The {left} line(s) left were not sent." if left else ""
        engine.notice(
            "error",
            f"Demo stopped at {self.source}:{step.line}: {problem}.",
            " ".join(part for part in (rest, advice, f"/replay {self.source} starts it again.") if part),
        )


def _headline(records: Sequence[object]) -> str | None:
    """What went wrong, in the engine's own words (the error notice of a failed TLS handshake, say)."""
    for record in records:
        if isinstance(record, Notice) and record.level == "error":
            return record.text.rstrip(".")
    return None


async def run_all(engine: ShellEngine, run: DemoRun) -> Outcome:
    """The whole demo at once (no one is there to press a key): notes become notices, pauses are skipped."""
    outcome: Outcome = "sent"
    while not run.finished:
        outcome = await run.advance(engine, notes_as_notices=True)
    return outcome
