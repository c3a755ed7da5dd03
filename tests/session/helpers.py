"""Reading an engine's records in tests."""

from __future__ import annotations

from smtpshell.net.server_log import LogEntry
from smtpshell.proto.events import CommandReceived
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange, Exchange, Notice


def exchanges(engine: ShellEngine) -> list[Exchange]:
    return [r for r in engine.records if isinstance(r, Exchange)]


def notices(engine: ShellEngine, level: str | None = None) -> list[Notice]:
    return [r for r in engine.records if isinstance(r, Notice) and (level is None or r.level == level)]


def changes(engine: ShellEngine) -> list[ConnectionChange]:
    return [r for r in engine.records if isinstance(r, ConnectionChange)]


def last(engine: ShellEngine) -> Exchange:
    found = exchanges(engine)
    assert found, "no exchange yet"
    return found[-1]


def codes(engine: ShellEngine) -> list[int | None]:
    return [e.reply.code if e.reply else None for e in exchanges(engine)]


def commands_received(entries: list[LogEntry]) -> list[str]:
    """What the sandbox read, as it logged it."""
    return [e.item.line for e in entries if isinstance(e.item, CommandReceived)]


async def run(engine: ShellEngine, *lines: str) -> None:
    for line in lines:
        await engine.submit(line)
