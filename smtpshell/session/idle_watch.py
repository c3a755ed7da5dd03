"""A server that hangs up while the learner is idle: noticed at once, not at the next command.

Rule: while no command is under way, a task waits for the connection to end. When the server closes it (a 421
after its idle timeout, a sandbox that stops, a plain close or reset), its last reply, if it sent one, becomes
an exchange with its explanation; then the shell records the disconnection, explains it and says how to go on.
While a command is under way the engine holds its lock and the command's own reading sees the end instead.
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


def start_watching(engine: ShellEngine, connection: ClientConnection) -> asyncio.Task[None]:
    return asyncio.create_task(_watch(engine, connection), name="smtpshell-idle-watch")


async def _watch(engine: ShellEngine, connection: ClientConnection) -> None:
    await connection.hung_up()
    async with engine.lock:
        if engine.connection is not connection:
            return  # a command saw the end first, or the shell closed this connection itself
        engine.watch_finished()
        await _peer_hung_up(engine, connection)


async def _peer_hung_up(engine: ShellEngine, connection: ClientConnection) -> None:
    typed = len(engine.message_lines) if engine.mode == "data" and engine.bdat_command is None else 0
    tls = connection.tls is not None
    state = engine.state
    state.connected = False
    state.closed = True
    last: Reply | None = None
    problem: ClientError | None = None
    while True:  # what arrived before the close: usually nothing, or one 421
        try:
            reply = await connection.read_reply()
        except ConnectionDropped as error:
            problem = error if error.partial else None
            break
        except ClientError as error:  # garbage: BadReply
            problem = error
            break
        last = reply
        now = time.time()
        reason = engine.server_reason(reply)
        explanation = explain_reply(reply, None, state.copy(), reason)
        engine.emit(
            Exchange(
                engine.next_index(), UNPROMPTED, reply, explanation, state.copy(), tls, now, now, reason, "greeting"
            )
        )
    reset = connection.reset_by_peer
    engine.forget_connection()
    how = "reset the connection" if reset else "closed the connection"
    engine.emit(
        ConnectionChange(
            "disconnected", engine.target.describe(), f"the server {how} while you were idle", at=time.time()
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
