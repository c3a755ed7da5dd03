"""The sandbox server: asyncio around the sans-IO ServerConnection, one protocol object per client.

Rules: the machine's outputs are carried out strictly in order (a Delay holds back everything after it); a
reply's log entry is appended before the reply is written; once the machine asks for TLS, no byte read before
the handshake is ever fed to it again (CVE-2011-0411). Binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import secrets
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from smtpshell.net.addresses import format_address
from smtpshell.net.allocator import return_large_blocks
from smtpshell.net.certs import sandbox_server_context
from smtpshell.net.connection_limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PER_ADDRESS,
    ConnectionLimits,
    ConnectionRefusal,
)
from smtpshell.net.disk_work import DiskWorker
from smtpshell.net.dsn import report_failures
from smtpshell.net.event_loop import new_server_loop, serve_in_this_thread
from smtpshell.net.mailstore import DEFAULT_MEMORY_BYTES, MailStore
from smtpshell.net.sandbox_errors import SandboxError
from smtpshell.net.server_log import LogEntry, LogItem, ServerLog, SessionClosed, SessionOpened, TLSEstablished
from smtpshell.proto import server_replies as R
from smtpshell.proto.events import (
    Authenticated,
    Close,
    CommandReceived,
    Delay,
    Deliver,
    Message,
    MessageAccepted,
    Output,
    SendReply,
    StartTLS,
)
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server import DeliveryError, ServerConnection

DEFAULT_HOST = "127.0.0.1"
__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_CONNECTIONS", "DEFAULT_MAX_PER_ADDRESS", "Sandbox", "SandboxThread"]
TLS_HANDSHAKE_TIMEOUT = 30.0
STOP_GRACE = 5.0  # seconds stop() waits for clients to hang up after the 421 before cutting them off
# Seconds a closing connection may take to hand its last replies to a client; one that never reads them would
# otherwise keep the connection, and its place under the limits, for ever.
CLOSE_GRACE = 30.0
LISTEN_BACKLOG = 1024

__all__ = ["DEFAULT_HOST", "Sandbox", "SandboxError", "SandboxThread"]


class Sandbox:
    """The sandbox on the running event loop: ``await start()``, talk to ``port``, ``await stop()``."""

    def __init__(
        self,
        policy: SandboxPolicy | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        tls_port: int | None = None,
        maildir: Path | None = None,
        certificate: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_per_address: int = DEFAULT_MAX_PER_ADDRESS,
        data_dir: Path | None = None,
        mailbox_memory: int = DEFAULT_MEMORY_BYTES,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.policy = policy if policy is not None else SandboxPolicy()
        # What every session's machine stamps on a message (its Received date, queue id): tests pin them.
        self.clock = clock
        self.new_id = new_id
        self.host = host
        self.store = MailStore(maildir, max_bytes=mailbox_memory)
        self.log = ServerLog()
        self.max_connections = max_connections
        self.close_grace = CLOSE_GRACE
        self.limits = ConnectionLimits(max_connections, max_per_address)
        self.disk = DiskWorker() if maildir is not None else None  # the Maildir's writes and fsyncs, off the loop
        self.tls_problem: str | None = None  # why STARTTLS is not offered, when it is not
        self._requested_port = port
        self._requested_tls_port = tls_port
        self._tls_context = certificate
        self._data_dir = data_dir
        self._servers: list[asyncio.Server] = []
        self._sessions: set[_Session] = set()
        self._all_closed: asyncio.Event | None = None
        self._session_ids = itertools.count(1)
        self.port = 0
        self.tls_port: int | None = None

    @property
    def tls_context(self) -> ssl.SSLContext | None:
        return self._tls_context

    def deliver(self, message: Message) -> None:
        """Every session's deliver callback: store the message, then report the recipients it cannot reach."""
        self.store.add(message)
        self.report_undeliverable(message)

    def report_undeliverable(self, message: Message) -> None:
        """Store the delivery status report for the recipients ``message`` cannot reach, if any are."""
        new_id = self.new_id or (lambda: secrets.token_hex(5).upper())
        try:
            report_failures(message, self.policy, self.store.add, now=self.clock(), new_id=new_id)
        except DeliveryError:
            pass  # the message itself is stored: a report that cannot be written must not turn its 250 into 451

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        """Listen on ``port`` (and ``tls_port``); SandboxError, saying why, when that is impossible."""
        self._all_closed = asyncio.Event()
        self._all_closed.set()
        return_large_blocks()  # message buffers are freed back to the system, not kept by the allocator
        self._prepare_tls()
        try:
            self.port = await self._listen(self._requested_port, implicit_tls=False)
            if self._requested_tls_port is not None:
                self.tls_port = await self._listen(self._requested_tls_port, implicit_tls=True)
        except SandboxError:
            for started in self._servers:
                started.close()
            self._servers.clear()
            raise

    async def _listen(self, port: int, *, implicit_tls: bool) -> int:
        loop = asyncio.get_running_loop()
        try:
            server = await loop.create_server(
                lambda: _Session(self, implicit_tls=implicit_tls),
                self.host,
                port,
                ssl=self._tls_context if implicit_tls else None,
                ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT if implicit_tls else None,
                backlog=LISTEN_BACKLOG,
            )
        except OSError as error:
            raise SandboxError(_listen_problem(self.host, port, error)) from None
        self._servers.append(server)
        return _bound_port(server)

    def _prepare_tls(self) -> None:
        if self._tls_context is not None:
            return
        if not self.policy.tls_available and self._requested_tls_port is None:
            return
        try:
            self._tls_context = sandbox_server_context(self._data_dir)
        except (OSError, ValueError, ssl.SSLError) as error:
            self.tls_problem = f"could not make or read the sandbox's TLS certificate: {error}"
            if self._requested_tls_port is not None:
                raise SandboxError(f"no implicit-TLS port: {self.tls_problem}") from None
            self.policy.tls_available = False  # the machine answers STARTTLS with 454 and says why

    async def stop(self) -> None:
        """Stop listening, tell every connected client 421 and wait a little for them to go."""
        for server in self._servers:
            server.close()
        for session in list(self._sessions):
            session.shut_down()
        if self._all_closed is not None and self._sessions:
            try:
                await asyncio.wait_for(self._all_closed.wait(), STOP_GRACE)
            except TimeoutError:
                for session in list(self._sessions):
                    session.abort()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self.disk is not None:
            await self.disk.drain()  # a message being synced is on disk before stop() returns

    # ---- called by the sessions -----------------------------------------------------------------------

    def new_connection(self, session_id: int, peer: str, *, tls: bool, local_host: str = "") -> ServerConnection:
        """The machine for a new client (``peer`` is its IP address, ``local_host`` the address it reached);
        a class server gives each connection its own view."""
        return ServerConnection(
            self.policy,
            self.deliver,
            deliver_later=self.disk is not None,  # with a Maildir: a Deliver output, stored off the loop
            peer=peer,
            tls=tls,
            clock=self.clock,
            new_id=self.new_id,
        )

    def _new_session_id(self) -> int:
        return next(self._session_ids)

    def _admit(self, session: _Session, address: str) -> ConnectionRefusal | None:
        refusal = self.limits.admit(address, self.policy.hostname)
        if refusal is not None:
            return refusal
        self._sessions.add(session)
        if self._all_closed is not None:
            self._all_closed.clear()
        return None

    def _release(self, session: _Session, address: str) -> None:
        self.limits.release(address)
        self._sessions.discard(session)
        if not self._sessions and self._all_closed is not None:
            self._all_closed.set()


class _Session(asyncio.Protocol):
    """One client connection: feeds the machine, carries out its outputs, keeps the idle timer."""

    # A thousand idle clients are a thousand of these: slots keep each one small.
    __slots__ = (
        "_admitted",
        "_busy",
        "_close_reason",
        "_closing",
        "_commands",
        "_conn",
        "_eof",
        "_held",
        "_host",
        "_id",
        "_implicit_tls",
        "_last_activity",
        "_line_since",
        "_loop",
        "_message_since",
        "_messages",
        "_peer",
        "_pending",
        "_sandbox",
        "_timer",
        "_timer_when",
        "_tls_task",
        "_transport",
        "_write_paused",
    )

    def __init__(self, sandbox: Sandbox, *, implicit_tls: bool) -> None:
        self._sandbox = sandbox
        self._implicit_tls = implicit_tls
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._conn: ServerConnection | None = None
        self._id = 0
        self._peer = "?"
        self._pending: deque[Output] = deque()  # outputs held back behind a Delay or a TLS handshake
        self._held = bytearray()  # bytes that arrived while outputs were held back, not yet fed
        self._busy = False  # a Delay or a TLS handshake is under way
        self._write_paused = False
        self._eof = False
        self._closing = False
        self._admitted = False
        self._close_reason = "the client closed the connection"
        self._commands = 0
        self._messages = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0
        self._last_activity = 0.0
        self._line_since: float | None = None  # when the command line in progress began arriving
        self._message_since: float | None = None  # when the message in progress began
        self._host = "?"
        self._tls_task: asyncio.Task[None] | None = None

    # ---- asyncio.Protocol -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: other event loops' transports (uvloop's) do not subclass asyncio's.
        self._transport = cast(asyncio.Transport, transport)
        sandbox = self._sandbox
        address = transport.get_extra_info("peername")
        host = str(address[0]) if isinstance(address, tuple) else "?"
        self._host = host
        self._peer = format_address(address)
        self._id = sandbox._new_session_id()
        refusal = sandbox._admit(self, host)
        if refusal is not None:
            self._refuse(refusal)
            return
        self._admitted = True
        self._log(SessionOpened(self._implicit_tls))
        if self._implicit_tls:
            self._log_tls(transport)
        local = transport.get_extra_info("sockname")
        local_host = str(local[0]) if isinstance(local, tuple) else ""
        self._conn = sandbox.new_connection(self._id, host, tls=self._implicit_tls, local_host=local_host)
        self._carry_out(self._conn.start())

    def data_received(self, data: bytes) -> None:
        if self._closing or self._conn is None:
            return
        if self._busy:
            self._held += data
            return
        self._carry_out(self._conn.receive_data(data))

    def eof_received(self) -> bool:
        self._eof = True
        plain = self._transport is not None and self._transport.get_extra_info("ssl_object") is None
        if self._busy and plain:
            return True  # finish what is held back (a delayed reply) before closing; TLS cannot half-close
        self._close_reason = "the client closed the connection"
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if exc is not None and not self._closing:
            self._close_reason = f"connection lost: {exc}"
        self._closing = True
        self._busy = False
        self._pending.clear()
        self._held.clear()
        if self._admitted:
            self._admitted = False
            self._log(SessionClosed(self._commands, self._messages, self._close_reason))
            self._sandbox._release(self, self._host)

    def pause_writing(self) -> None:
        # The client does not read its replies: stop reading its commands until it does.
        self._write_paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._transport is not None and not self._busy and not self._closing:
            self._transport.resume_reading()

    # ---- carrying out the machine's outputs -----------------------------------------------------------

    def _carry_out(self, outputs: Iterable[Output]) -> None:
        """Do each output in order; stop at a Delay, a StartTLS or a Close and keep the rest for later."""
        transport = self._transport
        assert transport is not None
        chunks: list[bytes] = []
        answered = False  # a command line was read and answered: the next one starts afresh
        items = iter(outputs)
        for item in items:
            if isinstance(item, SendReply):
                answered = True
                self._log(item)  # before the write: whoever reads the reply can find its reason
                chunks.append(item.reply.to_bytes())
            elif isinstance(item, CommandReceived):
                self._commands += 1
                self._log(item)
            elif isinstance(item, MessageAccepted):
                self._messages += 1
            elif isinstance(item, Authenticated):
                self._log(item)
            else:
                if chunks:
                    transport.write(b"".join(chunks))
                    chunks = []
                if isinstance(item, Delay):
                    self._pending.extend(items)
                    self._hold()
                    self._loop.call_later(item.seconds, self._resume)
                    return
                if isinstance(item, StartTLS):
                    self._pending.extend(items)
                    self._start_tls()
                    return
                if isinstance(item, Deliver):
                    self._pending.extend(items)  # nothing: the machine waits for delivery_done
                    self._deliver(item)
                    return
                if isinstance(item, Close):
                    self._close(item.reason)
                    return
        if chunks:
            transport.write(b"".join(chunks))
        self._touch(answered)

    def _hold(self) -> None:
        self._busy = True
        assert self._transport is not None
        self._transport.pause_reading()

    def _resume(self) -> None:
        """A Delay is over, or TLS is up: carry out what was held back, then feed what arrived meanwhile."""
        if self._closing:
            return
        self._busy = False
        if self._pending:
            pending = list(self._pending)
            self._pending.clear()
            self._carry_out(pending)
        while not self._busy and not self._closing and self._held:
            assert self._conn is not None
            data = bytes(self._held)
            self._held.clear()
            self._carry_out(self._conn.receive_data(data))
        if self._busy or self._closing:
            return
        if self._eof:
            self._close("the client closed the connection")
            return
        if not self._write_paused and self._transport is not None:
            self._transport.resume_reading()

    def _deliver(self, item: Deliver) -> None:
        # The write and both fsyncs run on a worker thread; the 250 is only made once they are done.
        self._hold()
        disk = self._sandbox.disk
        assert disk is not None
        disk.run(item.store or self._sandbox.deliver, item.message, self._delivered)

    def _delivered(self, error: str | None) -> None:
        if self._closing or self._conn is None:
            return
        self._pending.extend(self._conn.delivery_done(error))
        self._resume()

    def _start_tls(self) -> None:
        # Everything read so far was plaintext sent before the handshake: it must never reach the machine.
        self._hold()
        self._held.clear()
        self._tls_task = self._loop.create_task(self._upgrade())

    async def _upgrade(self) -> None:
        transport = self._transport
        context = self._sandbox.tls_context
        assert transport is not None and self._conn is not None
        if context is None:
            self._close("STARTTLS accepted but the sandbox has no certificate")
            return
        try:
            upgraded = await self._loop.start_tls(
                transport, self, context, server_side=True, ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT
            )
        except Exception as error:  # a handshake fails in many ways (SSLError, reset, timeout): all end it
            self._close_reason = f"TLS handshake failed: {_short_error(error)}"
            self._closing = True
            transport.abort()
            return
        if upgraded is None or self._closing:
            return
        self._transport = upgraded
        # Whatever is held now was decrypted by the TLS layer during the handshake (reading the plaintext
        # socket stopped when StartTLS came): it is the client's first TLS data and is fed after this.
        self._log_tls(upgraded)
        self._pending.extend(self._conn.tls_established())
        self._resume()

    def _close(self, reason: str) -> None:
        self._close_reason = reason
        self._closing = True
        self._pending.clear()
        self._held.clear()
        if self._transport is not None:
            self._transport.close()  # sends what is already written, then closes
            self._cut_off_later()

    def _cut_off_later(self) -> None:
        # The idle timer is done with once closing; the same slot holds the cut-off, cancelled when the
        # connection is lost.
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(self._sandbox.close_grace, self._cut_off)

    def _cut_off(self) -> None:
        self._timer = None
        self._close_reason += f"; cut off {self._sandbox.close_grace:g} s later, the client did not read its replies"
        if self._transport is not None:
            self._transport.abort()

    # ---- idle timer -----------------------------------------------------------------------------------

    def _touch(self, line_done: bool = False) -> None:
        """Note activity; arm the timer for the machine's current timeout or a deadline (sooner when it shrank)."""
        if self._closing or self._conn is None:
            return
        now = self._loop.time()
        self._last_activity = now
        conn = self._conn
        # A deadline runs from the first octet of a command line (or of a message) to its end, whatever the pace.
        if not conn.line_started or line_done:
            self._line_since = None
        if conn.line_started and self._line_since is None:
            self._line_since = now
        if not conn.message_started:
            self._message_since = None
        elif self._message_since is None:
            self._message_since = now
        deadline = self._next_check(now)[0]
        if self._timer is None or deadline < self._timer_when:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_at(deadline, self._idle_check)
            self._timer_when = deadline

    def _next_check(self, now: float) -> tuple[float, bool]:
        """When the timer must fire next, and whether that is a deadline (rather than the idle timeout)."""
        assert self._conn is not None
        if self._busy:  # the server itself is slow (a Delay, a handshake, a delivery): the client waits on it
            return now + self._conn.timeout, False
        when, deadline = self._last_activity + self._conn.timeout, False
        policy = self._sandbox.policy
        if self._line_since is not None and self._line_since + policy.command_deadline < when:
            when, deadline = self._line_since + policy.command_deadline, True
        if self._message_since is not None and self._message_since + policy.message_deadline < when:
            when, deadline = self._message_since + policy.message_deadline, True
        return when, deadline

    def _idle_check(self) -> None:
        self._timer = None
        if self._closing or self._conn is None:
            return
        now = self._loop.time()
        when, deadline = self._next_check(now)
        if now < when:
            self._timer = self._loop.call_at(when, self._idle_check)
            self._timer_when = when
            return
        self._carry_out(self._conn.deadline_passed() if deadline else self._conn.timed_out())

    # ---- shutting down --------------------------------------------------------------------------------

    def shut_down(self) -> None:
        """The sandbox is stopping: RFC 5321 §3.8 lets a server say 421 at any time, then close."""
        if self._closing or self._transport is None:
            return
        if self._busy and self._tls_task is not None and not self._tls_task.done():
            self.abort()
            return
        shutting = R.SHUTTING_DOWN.format(host=self._sandbox.policy.hostname)
        reply = Reply.make(shutting.code, shutting.text, shutting.enhanced)
        self._log(SendReply(reply, "the sandbox is stopping"))
        self._transport.write(reply.to_bytes())
        self._close("the sandbox is stopping")

    def abort(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.abort()

    def _refuse(self, refusal: ConnectionRefusal) -> None:
        assert self._transport is not None
        reply = Reply.make(refusal.reply.code, refusal.reply.text, refusal.reply.enhanced)
        self._log(SendReply(reply, refusal.reason))
        self._log(SessionClosed(0, 0, refusal.reason))
        self._closing = True
        self._transport.write(reply.to_bytes())
        self._transport.close()
        self._cut_off_later()

    # ---- logging --------------------------------------------------------------------------------------

    def _log(self, item: LogItem) -> None:
        self._sandbox.log.append(LogEntry(self._id, self._peer, time.time(), item))

    def _log_tls(self, transport: asyncio.BaseTransport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        if isinstance(ssl_object, ssl.SSLObject):
            cipher = ssl_object.cipher()
            self._log(TLSEstablished(ssl_object.version() or "?", cipher[0] if cipher else "?"))


class SandboxThread:
    """The sandbox on its own thread and event loop, so a front end's loop never waits on it."""

    def __init__(self, policy: SandboxPolicy | None = None, *, sandbox: Sandbox | None = None, **options: Any) -> None:
        # ``sandbox``: one made already (a class server), run here instead of a new one from policy and options
        self.sandbox = sandbox if sandbox is not None else Sandbox(policy, **options)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> SandboxThread:
        """Start the thread and return once the sandbox listens; SandboxError when it cannot."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="smtpshell-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SandboxError(f"the sandbox did not start within {timeout:.0f} s")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def _run(self) -> None:
        self._loop = new_server_loop()
        serve_in_this_thread(self._loop, self.sandbox.start(), self._ready, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._error = error

    def stop(self) -> None:
        """Stop the sandbox (clients hear 421) and end its thread. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None or not thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.sandbox.stop(), loop).result(STOP_GRACE + 10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = None

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The sandbox's event loop (to run something on its thread with call_soon_threadsafe)."""
        return self._loop

    @property
    def port(self) -> int:
        return self.sandbox.port

    @property
    def tls_port(self) -> int | None:
        return self.sandbox.tls_port

    @property
    def host(self) -> str:
        return self.sandbox.host

    @property
    def store(self) -> MailStore:
        return self.sandbox.store

    @property
    def log(self) -> ServerLog:
        return self.sandbox.log

    @property
    def policy(self) -> SandboxPolicy:
        return self.sandbox.policy


def _bound_port(server: asyncio.Server) -> int:
    for sock in server.sockets:
        return int(sock.getsockname()[1])
    raise SandboxError("the server has no listening socket")


def _listen_problem(host: str, port: int, error: OSError) -> str:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return f"cannot listen on {where}: the port is already in use (another server runs there); choose another port"
    if error.errno == errno.EACCES:
        return f"cannot listen on {where}: permission denied (ports below 1024 need administrator rights)"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: this machine has no such address"
    return f"cannot listen on {where}: {error.strerror or error}"


def _short_error(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason)
    return str(error) or type(error).__name__
