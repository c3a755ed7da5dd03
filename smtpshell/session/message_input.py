"""Data mode: the lines of a message after DATA's 354, and a BDAT chunk, collected and sent for the engine.

Rule: after DATA only <CRLF>.<CRLF> ends the message, so every line that starts with "." gets another (RFC 5321
§4.5.2) and the learner is told; a BDAT chunk goes out exactly as typed, and only if its size is the one announced.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from smtpshell.net.client import ClientError
from smtpshell.proto.client_state import DATA_END
from smtpshell.session.message import data_payload, stuffed_lines
from smtpshell.session.safety import forbidden_character

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

RECONNECT_ADVICE = "Type /sandbox to start a new session with the sandbox, or /connect HOST to reach a server."


async def data_line(engine: ShellEngine, line: str) -> None:
    if engine.bdat_command is not None:
        await bdat_chunk(engine, line)
        return
    if line == ".":
        await finish_message(engine)
        return
    if engine.raw:
        engine.message_lines.append(line)
        return
    # A pasted block was split into lines before it came here (ShellEngine.run_line); this is one line.
    lines = [line]
    for part in lines:
        what = forbidden_character(part)
        if what is not None:
            engine.notice(
                "error",
                f"Message line not added: it contains {what}.",
                "Only CR LF may end a line of a message; a lone CR or NUL could be read differently "
                "by each server on the way (SMTP smuggling). /raw on sends it on purpose.",
            )
            return
    engine.message_lines.extend(lines)
    if line.strip().upper() in _BARE_COMMANDS:
        # A learner who forgot the "." often types the next command here; the server will read it as text.
        engine.notice(
            "info",
            f"{line.strip()} is a line of the message: the server reads text until a line holding only '.'.",
        )
    elif line.startswith(".."):
        shown = line if len(line) <= 30 else line[:30] + "…"
        engine.notice(
            "info",
            f"This line goes out as '.{shown}' and arrives as '{shown}': the shell adds a dot to every line "
            "that starts with one (dot-stuffing, RFC 5321 §4.5.2), and the server removes one.",
            "To send a line that arrives with one dot, type it with one dot.",
        )


# Commands that take no argument: typed alone inside a message, they are almost always meant as commands.
_BARE_COMMANDS = {"QUIT", "RSET", "DATA", "NOOP"}


async def finish_message(engine: ShellEngine) -> None:
    lines, engine.message_lines = engine.message_lines, []
    engine.mode = "command"
    connection = engine.connection
    if connection is None or connection.closed:
        engine.notice("error", "The connection is gone: the message was not sent.", engine.reconnect_advice())
        return
    payload = data_payload(lines, raw=engine.raw)
    shown, doubled = (lines, 0) if engine.raw else stuffed_lines(lines)
    detail = (
        "Raw mode: lines went out exactly as typed, with no dot-stuffing."
        if engine.raw
        else f"{doubled} line(s) starting with '.' got a second '.' (dot-stuffing, RFC 5321 §4.5.2), so no "
        "line of the message can be taken for its end; the server removes the extra dot."
        if doubled
        else "No line started with '.', so none needed dot-stuffing (RFC 5321 §4.5.2)."
    )
    engine.notice(
        "info",
        f"The shell sent the message ({len(lines)} line{'s' if len(lines) != 1 else ''}, "
        f"{message_size(lines, engine.raw)} octets) and ended it with <CRLF>.<CRLF>.",
        detail + " Octets as the server counts them: each line with its CR LF, not the final '.' (RFC 1870 §5).",
    )
    sent_at = time.time()
    try:
        await connection.send_bytes(payload)
    except ClientError as error:
        engine.connection_error(error)
        return
    await engine.receive_final(DATA_END, DATA_END, "data", sent_at, payload_lines=tuple(shown))


def message_size(lines: list[str], raw: bool) -> int:
    """The message's size as a server counts it (RFC 1870 §5): lines with CR LF, unstuffed, without "." CR LF."""
    size = sum(len(line.encode("utf-8", "surrogateescape")) + 2 for line in lines)
    # In raw mode nothing was stuffed, so the server takes the first dot of a line that has one away.
    return size - (sum(1 for line in lines if line.startswith(".")) if raw else 0)


async def bdat_chunk(engine: ShellEngine, chunk: str) -> None:
    assert engine.bdat_command is not None
    (command, size), engine.bdat_command = engine.bdat_command, None
    engine.mode = "command"
    data = chunk.encode("utf-8", "surrogateescape")
    if len(data) != size:
        engine.notice(
            "error",
            f"Not sent: BDAT announced {size} octets but the chunk has {len(data)}.",
            f"The server would read exactly {size} octets and take the rest as commands (or wait "
            f"for more). Type BDAT {len(data)}"
            + (" LAST" if command.upper().endswith("LAST") else "")
            + " to send this chunk.",
        )
        return
    connection = engine.connection
    if connection is None or connection.closed:
        engine.notice("error", "The connection is gone: nothing was sent.", engine.reconnect_advice())
        return
    sent_at = time.time()
    try:
        await connection.send_bytes(command.encode("utf-8", "surrogateescape") + b"\r\n" + data)
    except ClientError as error:
        engine.connection_error(error)
        return
    await engine.receive_final(command, command, "data", sent_at, payload_lines=(chunk,))
