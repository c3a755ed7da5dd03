"""The shell engine both front ends share: a user line in; what to send, and transcript records, out.

Rules: the session state changes only through ClientState.apply on a reply the server really sent; every exchange
becomes a record with its explanation and, from the sandbox, the server's reason; a connection problem becomes a
notice and the engine keeps running. No UI library is imported here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from smtpshell.explain import explain_reply
from smtpshell.meta_table import META_PREFIX, lookup_meta
from smtpshell.net.client import ClientConnection, ClientError, ConnectionDropped, TLSSettings
from smtpshell.net.sandbox_errors import SandboxError
from smtpshell.paths import data_dir as default_data_dir
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.errors import LocalProtocolError
from smtpshell.proto.grammar import is_ascii_digits, split_command
from smtpshell.proto.redaction import HIDDEN, redact_command
from smtpshell.proto.replies import Reply
from smtpshell.proto.visible_text import visible_data
from smtpshell.session import idle_watch, lmtp
from smtpshell.session.history import HISTORY_FILE, HistoryFile
from smtpshell.session.message_input import RECONNECT_ADVICE, data_line, finish_message
from smtpshell.session.pipelining import group_length, send_group
from smtpshell.session.records import ConnectionChange, Exchange, Notice, Record
from smtpshell.session.redact import history_line
from smtpshell.session.safety import (
    forbidden_character,
    is_loopback_peer,
    long_line_warning,
    plaintext_credentials_warning,
    pointless_warning,
    refusal_text,
)
from smtpshell.session.target import Target, target_preamble
from smtpshell.session.vendor_commands import explain_reply_to
from smtpshell.session.visible_records import visible_record

# A script talking to a real server needs none of the sandbox (server, mail store, certificates, fault tables),
# the meta commands, lessons or the message template: those modules are imported where they are first used.
if TYPE_CHECKING:
    from smtpshell.net.sandbox import SandboxThread
    from smtpshell.net.server_log import LogEntry
    from smtpshell.proto.events import Message
    from smtpshell.proto.policy import SandboxPolicy
    from smtpshell.session.class_port import ClassChannel
    from smtpshell.session.completion import Completion
    from smtpshell.session.lesson_port import LessonPlugin
    from smtpshell.session.mx_choice import MXChoice

__all__ = ["ShellEngine", "Target"]

Mode = Literal["command", "data", "secret"]
PROMPTS: dict[Mode, str] = {"command": "smtp> ", "data": "data> ", "secret": "password: "}
AUTH_PROMPT = "auth> "
CLIENT_NAME = "client.example"  # the name the shell gives in the EHLO it sends by itself (--starttls)
SANDBOX_TLS_NAME = "sandbox.test"  # a name on the sandbox's certificate, checked like any server's
ExchangeKind = Literal["greeting", "command", "data", "auth"]


class ShellEngine:
    def __init__(
        self,
        target: Target | None = None,
        *,
        policy: SandboxPolicy | None = None,
        on_record: Callable[[Record], None] | None = None,
        data_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] | None = None,
        lessons: LessonPlugin | None = None,
    ) -> None:
        self.target = target or Target("sandbox")
        # What messages are stamped with (the template's Date and Message-ID, the sandbox's Received date and
        # queue ids): the real clock and fresh ids, unless a test pins them.
        self.clock = clock
        self.new_id = new_id
        self._policy = policy
        self.on_record = on_record
        self.data_dir = data_dir
        self.records: list[Record] = []
        self.state = ClientState()
        self.mode: Mode = "command"
        self.raw = False  # send lines exactly as typed: no safety checks, no dot-stuffing
        self.deliberate = False  # a script: warnings are said but no line is held back (repl/script.py)
        self.explanations = True  # a flag front ends read: show the explanation under each reply
        self.quit_requested = False  # /quit was typed: the front end should end the session
        self.suggestion: str | None = None  # text a front end should put on the command line, unsent
        self.sandbox: SandboxThread | None = None
        self.connection: ClientConnection | None = None
        self.history = HistoryFile(self._history_path())
        self.lessons = lessons  # /lesson, /hint, /showme and the judging of records; None: not available
        self.lock = asyncio.Lock()  # held while a line runs; the idle watch takes it too
        self._watcher: asyncio.Task[None] | None = None  # waits for the server to hang up (idle_watch.py)
        self._exchanges = 0
        self._held_line: str | None = None  # a line held back by a warning; sent if submitted again at once
        self.message_lines: list[str] = []
        self.bdat_command: tuple[str, int] | None = None  # a typed BDAT waiting for its chunk
        self.auth_pending: tuple[str, str] | None = None  # /auth's mechanism and user, waiting for a password
        self._log_session: int | None = None  # the sandbox log's session number of this connection
        self._replies_read = 0
        self.unsolicited_in_a_row = 0  # replies nobody asked for since the last one that answered a command
        self.mx_choice: MXChoice | None = None  # the last /connect --mx list, for /connect N
        self.nameserver: str | None = None  # IP[:PORT] of the DNS server --mx asks (None: the system's)
        self.startup_lines: list[str] = []  # run as if typed once the first connection is made (--replay)
        self.replay_depth = 0  # how many /replay scripts are running inside each other
        # A front end that paces /replay itself, one step per key (session/demo_run.py); None: it runs at once.
        self.demo_presenter: Callable[[Any], None] | None = None
        # In a browser tab (smtpshell web): /save and /replay use only this folder, and saved files are handed to
        # file_delivery (a download in the browser), so no tab reads or writes the server's other files.
        self.file_root: Path | None = None
        self.file_delivery: Callable[[Path], None] | None = None
        # A channel beside SMTP that knows a class server's reasons and mailboxes (classroom/student_link.py);
        # it is told of each reply read from a remote server, and is inert unless the greeting names a channel.
        self.class_link: ClassChannel | None = None

    # ---- what front ends read ------------------------------------------------------------------------

    @property
    def policy(self) -> SandboxPolicy:
        """The sandbox's rules; made on first use, since a session with a real server never needs them."""
        if self._policy is None:
            from smtpshell.proto.policy import SandboxPolicy

            self._policy = SandboxPolicy()
        return self._policy

    @policy.setter
    def policy(self, policy: SandboxPolicy) -> None:
        self._policy = policy

    @property
    def prompt(self) -> str:
        if self.mode == "command" and self.state.auth_mechanism:
            return AUTH_PROMPT  # a 334 waits for one base64 line, typed by hand
        return PROMPTS[self.mode]

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.closed

    def last_exchange(self) -> Exchange | None:
        for record in reversed(self.records):
            if isinstance(record, Exchange) and record.reply is not None:
                return record
        return None

    def mailbox(self) -> list[Message]:
        if self.class_link is not None and self.class_link.active and self.target.kind == "remote":
            return list(self.class_link.mailbox())
        return self.sandbox.store.messages() if self.sandbox is not None else []

    def server_log(self, *, this_connection: bool = False) -> list[LogEntry]:
        """The sandbox's log: every session, or only this connection's when ``this_connection``."""
        if self.class_link is not None and self.class_link.active and self.target.kind == "remote":
            return list(self.class_link.server_log())
        if self.sandbox is None:
            return []
        entries = self.sandbox.log.entries()
        if this_connection:
            return [e for e in entries if e.session == self._log_session]
        return entries

    def message_template(self) -> str:
        from smtpshell.session.message import message_template

        return message_template(self.state, now=self.clock(), new_id=self.new_id)

    def sandbox_addresses(self) -> list[tuple[str, str]]:
        """Every mailbox and list of the sandbox's directory, at each of its domains, with what it is."""
        from smtpshell.session.completion import directory_addresses

        return directory_addresses(self.policy)

    def completions(self, text_before_cursor: str) -> list[Completion]:
        if self.mode != "command":
            return []
        # Imported on the first Tab, not at start-up: the first prompt comes sooner (benchmarks/).
        from smtpshell.session.completion import complete

        addresses = self.sandbox_addresses() if self.target.kind == "sandbox" else []
        found = complete(
            text_before_cursor,
            self.state,
            addresses=addresses,
            history=self.history.lines(),
            lessons=self.lessons.choices()
            if self.lessons is not None and text_before_cursor.lstrip().startswith(META_PREFIX)
            else (),
        )
        # A server's EHLO keywords and AUTH mechanisms end up in the menu: shown like any server text.
        return [c if (c.text + c.display + c.meaning).isprintable() else visible_data(c) for c in found]

    def take_suggestion(self) -> str | None:
        suggestion, self.suggestion = self.suggestion, None
        return suggestion

    # ---- life cycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to the target (starting the sandbox first when it is the target) and read the greeting."""
        async with self.lock:
            await self.connect(self.target)
            lines, self.startup_lines = self.startup_lines, []
            for line in lines:
                await self.run_line(line)

    async def close(self) -> None:
        """Close the connection and stop the sandbox; the engine can start again afterwards."""
        async with self.lock:
            await self.disconnect("the shell closed the connection", quietly=True)
            if self.class_link is not None:
                await self.class_link.close()
            if self.sandbox is not None:
                sandbox, self.sandbox = self.sandbox, None
                await asyncio.to_thread(sandbox.stop)

    async def connect(self, target: Target) -> bool:
        """Open a new session with ``target`` (closing the current one); False when it failed (see the notices)."""
        await self.disconnect("the shell opened a new connection", quietly=self.connection is None)
        self.target = target
        self.state = ClientState(lmtp=target.options.lmtp)
        self._reset_input()
        try:
            host, port, implicit = await self._endpoint(target)
            self.connection = await ClientConnection.open(
                host, port, implicit_tls=implicit, preamble=target_preamble(target)
            )
        except (ClientError, SandboxError, OSError) as error:  # OSError: the sandbox's certificate files
            self.connection_error(error, connecting=True)
            return False
        connection = self.connection
        self._watcher = idle_watch.start_watching(self, connection)
        tls_info = connection.tls.to_dict() if connection.tls is not None else {}
        self.emit(ConnectionChange("connected", target.describe(), connection.peer_address, tls_info, time.time()))
        self._log_session = None
        self._replies_read = 0
        greeting = await self.receive(GREETING, GREETING, "greeting", time.time())
        if greeting is not None and target.tls == "starttls" and self.connected:
            await self._auto_starttls()
        return self.connected

    async def disconnect(
        self, reason: str, *, quietly: bool = False, initiator: Literal["client", "server"] = "client"
    ) -> None:
        self._stop_watching()
        connection, self.connection = self.connection, None
        if connection is None:
            return
        await connection.close()
        self.state.connected = False
        self.state.closed = True
        self._reset_input()
        if not quietly:
            self.emit(
                ConnectionChange("disconnected", self.target.describe(), reason, at=time.time(), initiator=initiator)
            )

    async def _endpoint(self, target: Target) -> tuple[str, int, TLSSettings | None]:
        if target.kind == "remote":
            settings = target.options.tls_settings(target.host)
            return target.host, target.port, settings if target.tls == "implicit" else None
        sandbox = await self._sandbox_thread()
        if target.tls == "implicit":
            if sandbox.tls_port is None:
                raise SandboxError("the sandbox has no implicit-TLS port: " + (sandbox.sandbox.tls_problem or "?"))
            return sandbox.host, sandbox.tls_port, self.tls_settings()
        return sandbox.host, sandbox.port, None

    def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()

    def watch_finished(self) -> None:
        """The idle watch handles a hang-up itself (idle_watch.py): there is no watch left to cancel."""
        self._watcher = None

    def forget_connection(self) -> None:
        """The connection has ended: drop it, mark the session closed, and drop half-typed input."""
        self._stop_watching()
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.abort()
        self.state.connected = False
        self.state.closed = True
        self._reset_input()

    async def _sandbox_thread(self) -> SandboxThread:
        if self.sandbox is not None and (self.sandbox.loop is None or self.sandbox.loop.is_closed()):
            self.sandbox = None  # stopped behind the engine's back: /sandbox starts a fresh one
        if self.sandbox is None:
            from smtpshell.net.sandbox import SandboxThread

            thread = SandboxThread(
                self.policy, tls_port=0, data_dir=self.data_dir, clock=self.clock, new_id=self.new_id
            )
            await asyncio.to_thread(thread.start)
            self.sandbox = thread
        return self.sandbox

    def tls_settings(self) -> TLSSettings:
        """How to check the certificate of the current target: the sandbox's own certificate is trusted."""
        if self.target.kind == "sandbox":
            from smtpshell.net.certs import sandbox_certificate

            cafile = str(sandbox_certificate(self.data_dir).certificate)
            return TLSSettings(verify=True, cafile=cafile, server_hostname=SANDBOX_TLS_NAME)
        return self.target.options.tls_settings(self.target.host)

    def reconnect_advice(self, error: ClientError | None = None) -> str:
        """How to go on after the connection is lost: a real server is connected to again before the sandbox."""
        if self.target.kind == "remote":
            from smtpshell.net.tls_info import reconnect_words  # after a failed certificate, what to add

            words = reconnect_words(error.kind) if error is not None else ""
            again = f"/connect {self.target.describe()}{words}"
            return f"Type {again} to connect again, or /sandbox for the built-in server."
        return RECONNECT_ADVICE

    def helo_name(self) -> str:
        """The name for the EHLO the shell sends by itself: --helo; else the sandbox's lesson name, or our address
        for a real server (a made-up name there may be refused, or scored as spam)."""
        if self.target.options.helo:
            return self.target.options.helo
        if self.target.kind == "remote" and self.connection is not None:
            from smtpshell.net.addresses import address_literal

            return address_literal(self.connection.local_address)
        return CLIENT_NAME

    async def _auto_starttls(self) -> None:
        """--starttls: greet and upgrade at once, as a mail client does; the learner greets again over TLS."""
        await self.send_command(f"{'LHLO' if self.state.lmtp else 'EHLO'} {self.helo_name()}")
        if not self.connected:
            return
        if not self.state.advertised("STARTTLS"):
            self.notice(
                "warning",
                "The server does not offer STARTTLS; this connection stays unencrypted.",
                "Its EHLO reply has no STARTTLS line. Without TLS, anything you send (a password too) "
                "crosses the network readable by anyone on the path.",
            )
            return
        await self.send_command("STARTTLS")

    # ---- records -------------------------------------------------------------------------------------

    def emit(self, record: Record) -> None:
        record = visible_record(record)  # server text reaches no one with its control characters
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(record)
        if self.lessons is not None:  # after: what the lesson says about a record comes after it
            self.lessons.observe(self, record)

    def notice(self, level: Literal["info", "warning", "error"], text: str, detail: str = "") -> Notice:
        record = Notice(level, text, detail, time.time())
        self.emit(record)
        return record

    # ---- input -----------------------------------------------------------------------------------------

    async def submit(self, line: str) -> None:
        """One line from the user: an SMTP line, a /meta command, a message line in data mode, or a secret."""
        async with self.lock:
            await self.run_line(line)

    async def run_line(self, line: str) -> None:
        """submit() without taking the lock: for /replay, which runs inside a submit."""
        if "\n" in line and not self.raw and self.mode != "secret":
            from smtpshell.session.message import split_message_text

            await self._run_block(split_message_text(line))
            return
        if self.mode == "secret":
            from smtpshell.session.auth_flow import answer_password

            await answer_password(self, line)
        elif self.mode == "data" and not self._is_meta(line, in_data=True):
            await data_line(self, line)
        else:
            await self._command_line(line)

    async def _run_block(self, lines: list[str]) -> None:
        """A pasted block: each line as if typed, except that commands go out as one group when the server
        offers PIPELINING; after a 354 the rest of the block is the message, up to its "." line."""
        while lines:
            count = group_length(lines) if self._may_pipeline() else 0
            if count >= 2:
                group, lines = lines[:count], lines[count:]
                for line in group:
                    self._remember(line)
                self._held_line = None
                await send_group(self, group)
            else:
                await self.run_line(lines.pop(0))
            if self.quit_requested:
                return

    def _may_pipeline(self) -> bool:
        state = self.state
        return (
            self.connected
            and self.mode == "command"
            and state.advertised("PIPELINING")
            and state.auth_mechanism is None
            and not state.in_data
        )

    async def send_message(self, text: str) -> None:
        """A whole message after 354 (added to any lines already typed): dot-stuffed, sent, ended with CRLF.CRLF."""
        async with self.lock:
            if self.mode != "data" or self.bdat_command is not None:
                self.notice(
                    "error",
                    "No message is expected now.",
                    "Send DATA first; once the server answers 354, it reads the message.",
                )
                return
            from smtpshell.session.message import split_message_text

            lines = split_message_text(text)
            if not self.raw:
                for line in lines:
                    what = forbidden_character(line)
                    if what is not None:
                        self.notice("error", *refusal_text(what))
                        return
            self.message_lines.extend(lines)
            await finish_message(self)

    def _is_meta(self, line: str, *, in_data: bool = False) -> bool:
        if not line.startswith(META_PREFIX):
            return False
        if not in_data:
            return True
        # Inside a message, only a known command is one; any other line starting with "/" is message text.
        word = line.split(maxsplit=1)[0] if line.strip() else ""
        return lookup_meta(word) is not None

    def interrupted(self) -> None:
        """The user broke off a wait (Ctrl-C while the server was slow): the connection cannot be trusted now."""
        self._reset_input()
        if self.connection is None:
            return
        self.forget_connection()
        self.notice(
            "warning",
            "Interrupted: the shell closed the connection.",
            "A reply arriving late would be taken for the answer to your next command. " + self.reconnect_advice(),
        )
        self.emit(
            ConnectionChange("disconnected", self.target.describe(), "interrupted", at=time.time(), initiator="client")
        )

    def cancel_input(self) -> str | None:
        """Ctrl-C at a prompt: drop a pending password or BDAT chunk; a started message cannot be taken back."""
        if self.mode == "secret":
            self._reset_input()
            return "AUTH cancelled; nothing was sent."
        if self.bdat_command is not None:
            self._reset_input()
            return "BDAT cancelled; nothing was sent."
        if self.mode == "data":
            return "The server is reading the message: end it with a line holding only '.' (RSET afterwards)."
        return None

    def add_message_lines(self, lines: list[str]) -> None:
        """Lines for the message being typed after 354 (the /message template), as if typed one by one."""
        if self.mode == "data" and self.bdat_command is None:
            self.message_lines.extend(lines)

    def _reset_input(self) -> None:
        self.mode = "command"
        self.message_lines = []
        self.bdat_command = None
        self.auth_pending = None

    async def _command_line(self, line: str) -> None:
        held, self._held_line = self._held_line, None
        if not line.strip():
            return
        if self._is_meta(line):
            self._remember(line)
            await _meta().dispatch(self, line)
            return
        auth_response = self.state.auth_mechanism is not None and self.connected
        self._remember(line, auth_response=auth_response)
        if not self.connected:
            self.notice("error", "Not connected: nothing was sent.", self.reconnect_advice())
            return
        if not self.raw:
            what = forbidden_character(line)
            if what is not None:
                self.notice("error", *refusal_text(what))
                return
            warning = None
            if held != line:
                loopback = self.connection is not None and is_loopback_peer(self.connection.peer_address)
                warning = plaintext_credentials_warning(
                    line, self.state, auth_response=auth_response, loopback=loopback, held=not self.deliberate
                )
            if warning is None and not (auth_response or held == line):
                warning = long_line_warning(line, held=not self.deliberate)
            if warning is None and not (auth_response or held == line):
                warning = pointless_warning(line, self.state, held=not self.deliberate)
            if warning is not None:
                self.notice("warning", warning)
                if not self.deliberate:
                    self._held_line = self.suggestion = line  # back on the command line: Enter sends it anyway
                    return
        if auth_response:
            await self.send_command(line, shown=HIDDEN, state_command=AUTH_RESPONSE, kind="auth")
            return
        bdat = split_command(line)
        if bdat.verb == "BDAT" and bdat.argument.split()[:1] and is_ascii_digits(bdat.argument.split()[0]):
            self.bdat_command = (line, int(bdat.argument.split()[0]))
            self.mode = "data"
            self.notice(
                "info",
                f"Type the chunk: exactly {self.bdat_command[1]} octets on one line.",
                "BDAT sends its chunk right after the command, with no dot-stuffing and no end marker: "
                "the server counts octets. The shell sends the command and the chunk together.",
            )
            return
        kind: ExchangeKind = "auth" if bdat.verb == "AUTH" else "command"
        await self.send_command(line, shown=redact_command(line), kind=kind)

    def _remember(self, line: str, *, auth_response: bool = False) -> None:
        kept = history_line(line, auth_response=auth_response)
        if kept is not None:
            self.history.append(kept)

    def _history_path(self) -> Path | None:
        try:
            base = self.data_dir if self.data_dir is not None else default_data_dir()
        except OSError:
            return None
        return base / HISTORY_FILE

    # ---- AUTH ----------------------------------------------------------------------------------------

    def begin_auth(self, mechanism: str, username: str) -> None:
        """/auth: the next line submitted is the password (not echoed, never kept)."""
        self.auth_pending = (mechanism.upper(), username)
        self.mode = "secret"

    # ---- sending and receiving -----------------------------------------------------------------------

    async def send_command(
        self, line: str, *, shown: str | None = None, state_command: str | None = None, kind: ExchangeKind = "command"
    ) -> Exchange | None:
        connection = self.connection
        if connection is None or connection.closed:
            self.notice("error", "Not connected: nothing was sent.", self.reconnect_advice())
            return None
        if not await idle_watch.record_unsolicited(self, connection):
            return None  # the server said 421 (or sent garbage) before this line: it was not sent
        sent_at = time.time()
        try:
            await connection.send_line(line, raw=self.raw)
        except LocalProtocolError as error:
            self.notice("error", "Not sent.", str(error))
            return None
        except ClientError as error:
            self.connection_error(error)
            return None
        return await self.receive(state_command or line, shown or line, kind, sent_at)

    async def receive_final(
        self, state_command: str, shown: str, kind: ExchangeKind, sent_at: float, payload_lines: tuple[str, ...] = ()
    ) -> Exchange | None:
        """The reply to the end of a message: in LMTP one per accepted recipient, in RCPT order (RFC 2033 §4.2)."""
        recipients = lmtp.recipients_answering(self.state, state_command)
        if not recipients:
            return await self.receive(state_command, shown, kind, sent_at, payload_lines)
        if self.connection is not None:
            self.connection.expect_more_replies(len(recipients) - 1)  # so they are not set aside as unasked
        exchange: Exchange | None = None
        for index, address in enumerate(recipients):
            note = lmtp.recipient_note(address, index, len(recipients))
            first = index == 0
            exchange = await self.receive(
                state_command if first else lmtp.MORE_REPLIES,
                shown if first else lmtp.shown_for(address),
                kind,
                sent_at,
                payload_lines if first else (),
                note=note,
            )
            if exchange is None or not self.connected:
                break
        return exchange

    async def receive(
        self,
        state_command: str,
        shown: str,
        kind: ExchangeKind,
        sent_at: float,
        payload_lines: tuple[str, ...] = (),
        *,
        note: str | None = None,
    ) -> Exchange | None:
        """Read the reply to what was just sent, advance the state, record the exchange, act on the reply.

        ``note`` is added to the explanation (which LMTP recipient a reply is for)."""
        connection = self.connection
        assert connection is not None
        tls = connection.tls is not None
        # What came before the reply answers nothing (recorded as unsolicited); a 421 there ends the session.
        still_open = await idle_watch.record_unsolicited(self, connection)
        try:
            if not still_open:
                raise ConnectionDropped("The server closed the connection before it answered")
            reply = await connection.read_reply()
        except ClientError as error:
            self._record(
                Exchange(
                    self.next_index(),
                    shown,
                    None,
                    None,
                    self.state.copy(),
                    tls,
                    sent_at,
                    None,
                    kind=kind,
                    payload_lines=payload_lines,
                )
            )
            if still_open:  # otherwise the disconnection is told already
                self.connection_error(error)
            return None
        replied_at = time.time()
        self.unsolicited_in_a_row = 0
        self.state.apply(state_command, reply)
        if self.class_link is not None and self.target.kind == "remote":
            await self.class_link.reply_read(connection.local_address, self._replies_read, reply)
        reason = self.server_reason(reply)
        real = self.target.kind == "remote"
        explanation = explain_reply(reply, state_command, self.state.copy(), reason, real_server=real)
        if note is not None:
            explanation = lmtp.with_note(explanation, note)
        vendor = explain_reply_to(state_command, reply.code, self.state)
        if vendor is not None:
            headline, meaning, step = vendor
            explanation = replace(explanation, headline=headline, meaning=meaning, next_steps=[step])
        exchange = Exchange(
            self.next_index(),
            shown,
            reply,
            explanation,
            self.state.copy(),
            tls,
            sent_at,
            replied_at,
            reason,
            kind,
            payload_lines,
        )
        self._record(exchange)
        await self._after_reply(state_command, reply)
        return exchange

    def next_index(self) -> int:
        self._exchanges += 1
        return self._exchanges

    def _record(self, exchange: Exchange) -> None:
        self.emit(exchange)

    async def _after_reply(self, command: str, reply: Reply) -> None:
        verb = split_command(command).verb if command not in (GREETING, DATA_END, AUTH_RESPONSE) else command
        if self.state.closed or reply.code == 421:
            why = "after QUIT" if reply.code == 221 else f"with {reply.code}"
            # After QUIT the client asked for the end; otherwise the server chose it.
            await self.disconnect(
                f"the server closed the connection {why}", initiator="client" if reply.code == 221 else "server"
            )
            if reply.code != 221:
                self.notice("warning", "The server closed the connection.", self.reconnect_advice())
            return
        if verb == "DATA" and reply.code == 354:
            self.mode = "data"
            self.message_lines = []
        elif verb == "STARTTLS" and reply.code == 220:
            await self._upgrade()

    async def _upgrade(self) -> None:
        connection = self.connection
        assert connection is not None
        try:
            details = await connection.starttls(self.tls_settings())
        except (ClientError, OSError) as error:
            self.state.tls = False  # the 220 said "go ahead", but the handshake failed: TLS never came on
            self.connection_error(error)
            return
        self.emit(
            ConnectionChange(
                "tls", self.target.describe(), f"{details.version}, {details.cipher}", details.to_dict(), time.time()
            )
        )
        if details.discarded:
            self.notice(
                "warning",
                f"The server sent {details.discarded} octets after its 220; the shell threw them away unread.",
                "RFC 3207 §6: anything sent before the TLS handshake could have been "
                "injected by an attacker, so a client must not read it as part of the encrypted session.",
            )
        self.notice(
            "info",
            "TLS is on. Send EHLO again: the server forgets the earlier greeting (RFC 3207 §4.2), "
            "and may now offer more, such as AUTH.",
        )

    def server_reason(self, reply: Reply) -> str | None:
        """The sandbox's reason for ``reply``: its log's SendReply entries for this connection, in order."""
        if self.class_link is not None and self.target.kind == "remote":
            index, self._replies_read = self._replies_read, self._replies_read + 1
            return self.class_link.reason(index, reply) if self.class_link.active else None
        if self.sandbox is None or self.target.kind != "sandbox" or self.connection is None:
            return None
        from smtpshell.net.server_log import SessionOpened
        from smtpshell.proto.events import SendReply

        index, self._replies_read = self._replies_read, self._replies_read + 1
        entries = self.sandbox.log.entries(peer=self.connection.local_address)
        if self._log_session is None:
            # A port may be reused: this connection is the newest session the log has for our address.
            opened = [e.session for e in entries if isinstance(e.item, SessionOpened)]
            self._log_session = max(opened) if opened else None
        replies = [e.item for e in entries if e.session == self._log_session and isinstance(e.item, SendReply)]
        if index < len(replies) and replies[index].reply.code == reply.code:
            return replies[index].reason
        return None

    def connection_error(self, error: ClientError | SandboxError | OSError, *, connecting: bool = False) -> None:
        connection = self.connection
        was_connected = self.state.connected
        self.forget_connection()
        if isinstance(error, ClientError):
            advice = error.advice + (f"\n{error.detail}" if error.detail else "")
            self.notice(
                "error", error.headline, advice if connecting else f"{advice}\n{self.reconnect_advice(error)}".strip()
            )
        elif isinstance(error, SandboxError):
            self.notice("error", f"The sandbox could not start: {error}", "Try again, or /connect HOST.")
        else:
            self.notice(
                "error",
                f"The sandbox's TLS certificate could not be read: {error}",
                f"Its files live under {self.data_dir or default_data_dir()}; delete the tls folder there "
                "and the sandbox makes a new one.",
            )
        if was_connected or connection is not None:
            failed = "the connection failed"
            self.emit(
                ConnectionChange("disconnected", self.target.describe(), failed, at=time.time(), initiator="error")
            )


def _meta() -> Any:
    """smtpshell.session.meta, imported on first use: a script to a real server may never type a /command."""
    from smtpshell.session import meta

    return meta
