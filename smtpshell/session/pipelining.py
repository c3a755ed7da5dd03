"""A pasted block of commands, sent as one group when the server offers PIPELINING (RFC 2920).

Rule: a group is sent without waiting, then the replies are read in order, one per command; where a command may
stand in a group is its pipelining role in the command table (a "last" command closes the group, an "alone" one
is never in one).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smtpshell.meta_table import META_PREFIX
from smtpshell.net.client import ClientError
from smtpshell.proto.commands import lookup
from smtpshell.proto.grammar import split_command
from smtpshell.proto.redaction import redact_command
from smtpshell.session.safety import forbidden_character, refusal_text

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine


def group_length(lines: Sequence[str]) -> int:
    """How many of the first ``lines`` form one pipelined group (0 or 1: nothing to pipeline)."""
    count = 0
    for line in lines:
        if not line.strip() or line.startswith(META_PREFIX):
            break
        command = lookup(split_command(line).verb)
        role = command.pipelining if command is not None else "any"
        if role == "alone":
            break
        count += 1
        if role == "last":
            break
    return count


async def send_group(engine: ShellEngine, group: Sequence[str]) -> None:
    """Send every line of ``group`` at once, then read one reply per line, recording each exchange in order."""
    for line in group:
        what = forbidden_character(line)
        if what is not None:
            engine.notice("error", "Not sent: " + refusal_text(what)[0].removeprefix("Not sent: "), line)
            return
    connection = engine.connection
    assert connection is not None
    engine.notice(
        "info",
        f"The shell sends these {len(group)} commands in one go (PIPELINING, RFC 2920); the replies come back "
        "in the same order, one per command.",
    )
    sent_at = time.time()
    try:
        for line in group:
            await connection.send_line(line)
    except ClientError as error:
        engine.connection_error(error)
        return
    for line in group:
        if engine.connection is None:
            break
        await engine.receive(line, redact_command(line), "command", sent_at)
