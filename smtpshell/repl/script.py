"""Standard input that is not a terminal: run its lines as typed, print the transcript, report by exit status.

Rules: a script is deliberate, so every line goes out as written (a line the shell would hold back by hand is
sent with its warning, and the server's reply tells the truth). The exit status is 0 only when every reply was
2xx or 3xx and nothing failed on the client side (a refused line, a lost connection, a message left unfinished);
scripts can rely on it. Once the connection is gone, the first line that needs it stops the run with one message
(a /connect or /sandbox line before it connects again). The last line is a summary: replies by class and the
lines that failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from smtpshell.proto.visible_text import visible
from smtpshell.session.engine import ShellEngine
from smtpshell.session.meta_table import META_PREFIX
from smtpshell.session.records import UNPROMPTED, Exchange, Notice, Record
from smtpshell.session.transcript import display_lines

GREETING_LINE = 0  # what the connection and greeting (anything before the first line) are counted against


@dataclass
class ScriptOutcome:
    """Watches the records: counts replies by class and remembers which input lines failed, and why."""

    line: int = GREETING_LINE  # the input line running now
    positive: int = 0  # 2xx and 3xx
    transient: int = 0  # 4xx
    permanent: int = 0  # 5xx
    unsolicited: int = 0  # replies no command asked for
    failures: list[tuple[int, str]] = field(default_factory=list)  # (input line, what failed)

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def see(self, record: Record) -> None:
        if isinstance(record, Exchange):
            self._exchange(record)
        elif isinstance(record, Notice) and record.level == "error":
            self.fail(record.text.rstrip("."))

    def _exchange(self, exchange: Exchange) -> None:
        what = "the greeting" if exchange.kind == "greeting" else _short(exchange.command)  # AUTH secrets redacted
        if exchange.command == UNPROMPTED:
            self.unsolicited += 1
            what = "a reply nobody asked for"
        reply = exchange.reply
        if reply is None:
            self.fail(f"{what}: no reply")
            return
        if reply.code < 400:
            self.positive += 1
            return
        if reply.code < 500:
            self.transient += 1
        else:
            self.permanent += 1
        self.fail(f"{what}: {reply.code}" + (f" {reply.enhanced}" if reply.enhanced else ""))

    def fail(self, what: str) -> None:
        if self.failures and self.failures[-1][0] == self.line and self.failures[-1][1].endswith(": no reply"):
            self.failures[-1] = (self.line, f"{self.failures[-1][1]}: {what}")  # the why of that missing reply
            return
        self.failures.append((self.line, what))

    def summary(self) -> str:
        replies = self.positive + self.transient + self.permanent
        text = (
            f"== {replies} repl{'y' if replies == 1 else 'ies'}: {self.positive} 2xx/3xx, {self.transient} 4xx, "
            f"{self.permanent} 5xx"
        )
        if self.unsolicited:
            text += f" ({self.unsolicited} unsolicited)"
        if not self.failures:
            return text + "; nothing failed"
        failed = [
            f"{'the start' if number == GREETING_LINE else f'line {number}'} ({_short(what, 240)})"
            for number, what in self.failures
        ]
        return visible(text + "; failed: " + ", ".join(failed))


def _short(command: str, room: int = 60) -> str:
    """A command as the one-line summary names it: a line of 100,000 octets must not make the summary as long."""
    return command if len(command) <= room else command[: room - 1] + "…"


def _lines(source: Iterable[str]) -> Iterator[str]:
    for raw in source:
        # One trailing newline ends the line; a CRLF file is read the same way.
        line = raw[:-1] if raw.endswith("\n") else raw
        yield line[:-1] if line.endswith("\r") else line


async def run_script(engine: ShellEngine, lines: Iterable[str], out: TextIO) -> int:
    outcome = ScriptOutcome()
    width = _columns()

    def show(record: Record) -> None:
        outcome.see(record)
        for line in display_lines(record, explanations=engine.explanations, width=width):
            out.write(line.text + "\n")
        out.flush()

    engine.on_record = show
    engine.deliberate = True
    source = _lines(lines)
    try:
        await engine.start()
        for number, line in enumerate(source, start=1):
            outcome.line = number
            if _needs_connection(engine, line) and not engine.connected:
                after = sum(1 for rest in source if rest.strip())
                engine.notice(
                    "error",
                    f"Stopped at line {number}: there is no connection to send it on.",
                    f"The connection ended above; this line and the {after} after it were not run."
                    if after
                    else "The connection ended above; this last line was not run.",
                )
                outcome.failures[-1] = (
                    number,
                    "not run: no connection" + (f"; nor the {after} after it" if after else ""),
                )
                break
            await engine.submit(line)
            if engine.quit_requested:
                break
        if engine.mode == "data":
            engine.notice(
                "error",
                "The input ended inside a message; it was not sent.",
                "End a message with a line holding only '.'.",
            )
    finally:
        await engine.close()
        out.write(outcome.summary() + "\n")
        out.flush()
    return 1 if outcome.failed else 0


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size gives it, without importing shutil (it pulls in the
    compression modules, milliseconds a script to a real server should not pay)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(1).columns or 100
    except OSError:
        return 100


def _needs_connection(engine: ShellEngine, line: str) -> bool:
    """An SMTP command or a message line: anything but a blank line or one of the shell's own /commands."""
    if engine.mode == "secret" or not line.strip():
        return False
    return not line.startswith(META_PREFIX)
