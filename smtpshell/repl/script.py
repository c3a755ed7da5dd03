"""Standard input that is not a terminal: run its lines as typed, print the transcript, report by exit status.

Rule: the exit status is 0 only when every reply was 2xx or 3xx and nothing failed on the client side (a refused
line, a lost connection, a message left unfinished); scripts can rely on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TextIO

from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange, Notice, Record
from smtpshell.session.transcript import display_lines


class ScriptOutcome:
    """Watches the records and remembers whether anything went wrong."""

    def __init__(self) -> None:
        self.failed = False

    def see(self, record: Record) -> None:
        reply_failed = isinstance(record, Exchange) and (record.reply is None or record.reply.code >= 400)
        shell_failed = isinstance(record, Notice) and record.level == "error"
        if reply_failed or shell_failed:
            self.failed = True


async def run_script(engine: ShellEngine, lines: Iterable[str], out: TextIO) -> int:
    outcome = ScriptOutcome()
    width = _columns()

    def show(record: Record) -> None:
        outcome.see(record)
        for line in display_lines(record, explanations=engine.explanations, width=width):
            out.write(line.text + "\n")
        out.flush()

    engine.on_record = show
    try:
        await engine.start()
        for raw in lines:
            # One trailing newline ends the line; a CRLF file is read the same way.
            line = raw[:-1] if raw.endswith("\n") else raw
            line = line[:-1] if line.endswith("\r") else line
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
