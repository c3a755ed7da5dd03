"""A server that speaks or hangs up while the learner is idle: noticed at once, not at the next command.

Rule: while no command is under way, a task waits for the connection to end or for a reply nobody asked for.
Such a reply is unsolicited: it is recorded as such (the first few; then they are only counted) and never taken
for the answer to a later command; a 421 means the server is closing, so the shell closes too, even if the
socket stays open (RFC 5321 §3.8). When the server closes the connection (a 421 after its idle timeout, a
sandbox that stops, a plain close or reset), its last reply, if it sent one, becomes an exchange with its
explanation; then the shell records the disconnection, explains it and says how to go on. A server that floods
is cut off by the connection itself (client.py), and said so. While a command is under way the engine holds its
lock and the command's own reading sees these instead.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from smtpshell.explain import explain_reply
from smtpshell.net.client import ClientConnection, ClientError, ConnectionDropped
from smtpshell.proto.replies import Reply
from smtpshell.session.records import UNPROMPTED, ConnectionChange, Exchange

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

IDLE_TIMEOUT_CODE = 421  # RFC 5321 §3.8: the reply a server sends before closing on its own
UNSOLICITED_SHOWN = 5  # unsolicited replies recorded one by one before a command; the rest are counted


def start_watching(engine: ShellEngine, connection: ClientConnection) -> asyncio.Task[None]:
    return asyncio.create_task(_watch(engine, connection), name="smtpshell-idle-watch")


async def _watch(engine: ShellEngine, connection: ClientConnection) -> None:
    while True:
        await connection.unsolicited_or_end()
        async with engine.lock:
            if engine.connection is not connection:
                return  # a command saw the end first, or the shell closed this connection itself
            if connection.ended:
                engine.watch_finished()
                await _peer_hung_up(engine, connection)
                return
            if not await record_unsolicited(engine, connection):
                return


async def record_unsolicited(engine: ShellEngine, connection: ClientConnection) -> bool:
    """Record the replies that came when no command was outstanding; False when the connection is gone now
    (a 421 among them, or garbage), True when the session goes on."""
    try:
        replies = connection.take_unsolicited()
    except ClientError as error:  # not even a reply: BadReply
        engine.connection_error(error)
        return False
    for reply in replies:
        if reply.code == IDLE_TIMEOUT_CODE:  # closing, whether or not the socket is still open: close it too
            await _peer_hung_up(engine, connection, said=reply)
            return False
        _unsolicited(engine, connection, reply)
    if connection.unsolicited_dropped:
        dropped, connection.unsolicited_dropped = connection.unsolicited_dropped, 0
        engine.notice(
            "warning",
            f"The server had sent {dropped} octets of an unfinished reply nobody asked for; the shell threw them "
            "away before sending the next command.",
            "Otherwise they would have been read as the start of that command's reply.",
        )
    return True


def _unsolicited(engine: ShellEngine, connection: ClientConnection, reply: Reply) -> None:
    """One reply nobody asked for: recorded with its explanation, or only counted once there were many."""
    engine.unsolicited_in_a_row += 1
    count = engine.unsolicited_in_a_row
    if count > UNSOLICITED_SHOWN and reply.code != IDLE_TIMEOUT_CODE:
        if count == UNSOLICITED_SHOWN + 1:
            engine.notice(
                "warning",
                "The server keeps sending replies nobody asked for; the shell records no more than "
                f"{UNSOLICITED_SHOWN} in a row.",
                "They answer no command, so none of them is taken for the answer to your next one. A server that "
                "keeps this up is cut off.",
            )
        return
    now = time.time()
    state = engine.state
    reason = engine.server_reason(reply)
    explanation = explain_reply(reply, None, state.copy(), reason)
    tls = connection.tls is not None
    engine.emit(
        Exchange(engine.next_index(), UNPROMPTED, reply, explanation, state.copy(), tls, now, now, reason, "greeting")
    )


async def _peer_hung_up(engine: ShellEngine, connection: ClientConnection, said: Reply | None = None) -> None:
    """The server hung up, or ``said`` 421 (it is closing) while the socket may still be open."""
    if connection.overflow:  # the connection cut a flooding server off: say so, and read none of it
        engine.connection_error(connection.flood_error())
        return
    typed = len(engine.message_lines) if engine.mode == "data" and engine.bdat_command is None else 0
    state = engine.state
    state.connected = False
    state.closed = True
    last: Reply | None = said
    problem: ClientError | None = None
    if said is not None:
        _unsolicited(engine, connection, said)
    while connection.ended:  # what arrived before the close: usually nothing, or one 421
        try:
            reply = await connection.read_reply()
        except ConnectionDropped as error:
            problem = error if error.partial else None
            break
        except ClientError as error:  # garbage: BadReply
            problem = error
            break
        last = reply
        _unsolicited(engine, connection, reply)
    reset = connection.reset_by_peer
    engine.forget_connection()
    how = "reset the connection" if reset else "closed the connection"
    engine.emit(
        ConnectionChange(
            "disconnected",
            engine.target.describe(),
            f"the server {how} while you were idle",
            at=time.time(),
            initiator="server",
        )
    )
    engine.notice("warning", _headline(last, how), _detail(engine, last, problem, typed))


def _headline(last: Reply | None, how: str) -> str:
    if last is not None:
        return f"The server {how} after its {last.code} reply, while you were idle."
    return f"The server {how} while you were idle, without a word."


def _detail(engine: ShellEngine, last: Reply | None, problem: ClientError | None, typed: int) -> str:
    parts: list[str] = []
    if last is not None and last.code == IDLE_TIMEOUT_CODE:
        parts.append(
            "421 means the server is closing the channel. A server waits only so long for the next command "
            "(RFC 5321 §4.5.3.2 asks for at least 5 minutes, and many wait less); it also says 421 when it "
            "shuts down."
        )
    elif last is None:
        parts.append(
            "Servers hang up on an idle client after a while, when they shut down or restart, or when they "
            "distrust the client; a reset usually means a firewall or the server dropped the connection."
        )
    if problem is not None:
        parts.append(f"{problem.headline}. {problem.detail}".strip())
    if typed:
        parts.append(f"The {typed} message line(s) you had typed were never sent: nothing was delivered.")
    parts.append(reconnect_advice(engine))
    return "\n".join(parts)


def reconnect_advice(engine: ShellEngine) -> str:
    if engine.target.kind == "remote":
        return (
            f"Type /connect {engine.target.describe()} to connect again, or /sandbox for the built-in server; "
            "then greet again with EHLO."
        )
    return "Type /sandbox to start a new session with the sandbox (then EHLO again), or /connect HOST for a server."
