"""The sandbox's SMTP server as a sans-IO state machine: bytes in, replies (each with its reason) and events out.

Rules: the machine judges only complete lines (or exact BDAT chunks), so any split of the input gives the same
replies; every reply carries the reason that produced it; after EHLO every non-3xx reply carries an enhanced
status code (RFC 2034; RFC 3463 defines none for 3xx).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate

from smtpshell.proto import server_rules as rules
from smtpshell.proto.auth import AuthDecodeError, AuthExchange, AuthOutcome
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS
from smtpshell.proto.events import (
    Authenticated,
    Close,
    CommandReceived,
    Delay,
    Envelope,
    Message,
    MessageAccepted,
    Output,
    SendReply,
    StartTLS,
)
from smtpshell.proto.faults import FaultRule
from smtpshell.proto.framing import DataReader
from smtpshell.proto.grammar import GrammarError, check_mailbox, is_domain, parse_path_argument, split_command
from smtpshell.proto.policy import AUTH_LINE_LIMIT, TEXT_LINE_LIMIT, SandboxPolicy
from smtpshell.proto.replies import Reply


class DeliveryError(Exception):
    """Raised by a deliver callback that could not store the message; the client gets 451 4.3.0."""


@dataclass
class _Transaction:
    sender: str
    params: dict[str, str | None]
    recipients: list[str] = field(default_factory=list)
    rcpt_params: dict[str, dict[str, str | None]] = field(default_factory=dict)
    chunks: bytearray = field(default_factory=bytearray)  # BDAT data received so far
    bdat_used: bool = False
    bdat_too_big: bool = False


class ServerConnection:
    def __init__(
        self,
        policy: SandboxPolicy,
        deliver: Callable[[Message], None],
        *,
        peer: str = "127.0.0.1",  # the client's IP address, without port
        tls: bool = False,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.policy = policy
        self._deliver = deliver
        self.peer = peer
        self.tls = tls
        self._clock = clock
        self._new_id = new_id or (lambda: secrets.token_hex(5).upper())
        self._buffer = bytearray()
        self._out: list[Output] = []
        self.helo: str | None = None
        self.esmtp = False
        self.authenticated: str | None = None
        self._txn: _Transaction | None = None
        self._data: DataReader | None = None
        self._bdat_remaining = 0
        self._bdat_last = False
        self._bdat_discard = False  # the chunk is read only to keep in step; its reply is already decided
        self._bdat_reply: tuple[int, str, str, str] | None = None
        self._auth: AuthExchange | None = None
        self._long_line = False  # discarding an over-long command line until its end
        self._unknown_commands = 0
        self._awaiting_tls = False
        self.closed = False

    # ---- the transport's side -------------------------------------------------------------------------

    def start(self) -> list[Output]:
        self._send(220, None, f"{self.policy.hostname} ESMTP smtpshell sandbox; try HELP", "the greeting")
        return self._flush()

    def receive_data(self, data: bytes) -> list[Output]:
        if self.closed or self._awaiting_tls:
            return []
        self._buffer += data
        while self._buffer and not self.closed and not self._awaiting_tls:
            if not self._step():
                break
        return self._flush()

    def tls_established(self) -> list[Output]:
        """RFC 3207 §4.2: after the handshake the session starts over, as if just connected (no new banner)."""
        self._awaiting_tls = False
        self.tls = True
        self.helo = None
        self.esmtp = False
        self._txn = None
        self._buffer.clear()
        return self._flush()

    def timed_out(self) -> list[Output]:
        self._send(
            421,
            "4.4.2",
            f"{self.policy.hostname} Timeout: closing connection",
            f"no command for {self.timeout:.0f} s (RFC 5321 §4.5.3.2)",
        )
        self._close("timeout")
        return self._flush()

    @property
    def timeout(self) -> float:
        if self._data is not None or self._bdat_remaining:
            return self.policy.data_timeout
        return self.policy.command_timeout

    # ---- framing --------------------------------------------------------------------------------------

    def _step(self) -> bool:
        """Consume one unit (a line, a chunk, a data section); False when more bytes are needed."""
        if self._bdat_remaining:
            return self._read_chunk()
        if self._data is not None:
            self._data.feed(self._buffer)
            if not self._data.done:
                return False
            self._end_data()
            return True
        end = self._buffer.find(b"\n")
        limit = self._line_limit()
        if end < 0:
            if len(self._buffer) > limit:
                self._long_line = True
                self._buffer.clear()
            return False
        raw = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        if self._long_line or len(raw.rstrip(b"\n")) + 2 > limit:
            self._long_line = False
            self._send(
                500,
                "5.5.2",
                "Line too long",
                f"a command line may be at most {limit} octets with CRLF (RFC 5321 §4.5.3.1.4)",
            )
            return True
        line = raw[:-1].removesuffix(b"\r")
        if b"\r" in line or b"\0" in line:
            self._send(
                501,
                "5.5.2",
                "Bare CR or NUL in command line",
                "a command line may not contain a bare CR or a NUL (RFC 5321 §2.3.8)",
            )
            return True
        text = line.decode("utf-8", "surrogateescape")
        if self._auth is not None:
            self._auth_line(text)
        else:
            self._command(text)
        return True

    def _line_limit(self) -> int:
        if self._auth is not None or self._buffer[:5].upper() == b"AUTH ":
            return AUTH_LINE_LIMIT
        return self.policy.line_limit()

    def _read_chunk(self) -> bool:
        take = min(self._bdat_remaining, len(self._buffer))
        if take == 0:
            return False
        chunk = bytes(self._buffer[:take])
        del self._buffer[:take]
        self._bdat_remaining -= take
        if not self._bdat_discard and self._txn is not None:
            if len(self._txn.chunks) + take > self.policy.size_limit:
                self._txn.bdat_too_big = True
            else:
                self._txn.chunks += chunk
        if self._bdat_remaining:
            return True
        self._end_chunk()
        return True

    # ---- dispatch -------------------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        line = split_command(text)
        self._out.append(CommandReceived(rules.redact(line)))
        command = COMMANDS.get(line.verb)
        if command is None:
            self._unknown(line.verb or text)
            return
        # MAIL and RCPT faults match on the address, so their handlers apply them after parsing it.
        if line.verb not in ("MAIL", "RCPT", "AUTH") and self._fault(line.verb, None):
            return
        handler = _HANDLERS[line.verb]
        handler(self, line.argument)

    def _unknown(self, verb: str) -> None:
        self._unknown_commands += 1
        if self._unknown_commands >= self.policy.max_errors:
            self._send(
                421,
                "4.7.0",
                "Too many unrecognized commands, goodbye",
                f"{self._unknown_commands} unrecognized commands; the limit is {self.policy.max_errors}",
            )
            self._close("too many unrecognized commands")
            return
        shown = verb[:40].encode("ascii", "replace").decode()
        self._send(
            500,
            "5.5.2",
            f"Command unrecognized: {shown}",
            f"{shown!r} is not an SMTP command; HELP lists the ones this server knows",
        )

    def _fault(self, verb: str, address: str | None, *, sender: str = "") -> bool:
        """Apply a matching fault rule; True when it decided the reply (or hung up)."""
        rule: FaultRule | None = self.policy.faults.find(verb, address)
        if rule is None:
            return False
        rule.used += 1
        if rule.delay:
            self._out.append(Delay(rule.delay))
        if rule.greylist:
            if self.policy.faults.greylist_passes(self.peer, sender, address or ""):
                return False
        elif rule.reply is None and not rule.disconnect:
            return False  # a pure delay: answer as usual, later
        if rule.reply is None:
            self._close(f"fault '{rule.name}': disconnect after {verb}")
            return True
        spec = rule.reply
        self._send(
            spec.code,
            spec.enhanced,
            spec.text,
            f"fault '{rule.name}' set on the sandbox for {verb} {rule.address}".rstrip(" *"),
            force_enhanced=True,
        )
        if rule.disconnect or spec.code == 421:
            self._close(f"fault '{rule.name}'")
        return True

    # ---- replies --------------------------------------------------------------------------------------

    def _send(
        self,
        code: int,
        enhanced: str | None,
        text: str | list[str],
        reason: str,
        *,
        verb: str | None = None,
        force_enhanced: bool = False,
    ) -> None:
        use_enhanced = enhanced is not None and code // 100 != 3 and (self._enhanced_on or force_enhanced)
        reply = Reply.make(code, text, enhanced if use_enhanced else None)
        self._out.append(SendReply(reply, reason, verb or self._current_verb))

    @property
    def _enhanced_on(self) -> bool:
        return self.esmtp and self.policy.offers("ENHANCEDSTATUSCODES")

    @property
    def _current_verb(self) -> str | None:
        for item in reversed(self._out):
            if isinstance(item, CommandReceived):
                return item.line.split(" ", 1)[0].upper() or None
        return None

    def _close(self, reason: str) -> None:
        self._out.append(Close(reason))
        self.closed = True
        self._buffer.clear()

    def _flush(self) -> list[Output]:
        out, self._out = self._out, []
        return out

    # ---- what the server offers -----------------------------------------------------------------------

    def offers(self, keyword: str) -> bool:
        """Whether the extension is advertised in this session now."""
        if not self.esmtp or not self.policy.offers(keyword):
            return False
        if keyword == "STARTTLS":
            return not self.tls and self.policy.tls_available
        if keyword == "AUTH":
            return self.tls or self.policy.auth_over_plaintext
        return True

    def ehlo_lines(self) -> list[str]:
        lines: list[str] = []
        for keyword in self.policy.extensions:
            if not self.offers(keyword):
                continue
            if keyword == "SIZE":
                lines.append(f"SIZE {self.policy.size_limit}")
            elif keyword == "AUTH":
                lines.append("AUTH " + " ".join(AUTH_MECHANISMS))
            else:
                lines.append(keyword)
        return lines

    # ---- commands -------------------------------------------------------------------------------------

    def _hello(self, argument: str, esmtp: bool) -> None:
        verb = "EHLO" if esmtp else "HELO"
        if not argument:
            self._send(501, "5.5.4", f"Syntax: {verb} hostname", f"{verb} needs the client's domain name")
            return
        if not is_domain(argument, utf8=True):
            self._send(
                501,
                "5.5.4",
                f"Invalid domain name: {argument[:64]}",
                f"{verb} takes one domain name or address literal such as [127.0.0.1] (RFC 5321 §4.1.1.1)",
            )
            return
        self.helo = argument
        self.esmtp = esmtp
        self._txn = None
        greeting = f"{self.policy.hostname} Hello {argument} [{self.peer}]"
        if not esmtp:
            self._send(
                250,
                None,
                greeting,
                "HELO accepted; a HELO session has no extensions and no enhanced status codes",
            )
            return
        self._send(
            250,
            None,
            [greeting, *self.ehlo_lines()],
            "EHLO accepted; the lines after the first list the extensions this server offers now"
            + ("" if self.tls or not self.policy.tls_available else " (AUTH only after STARTTLS)"),
        )

    def _helo(self, argument: str) -> None:
        self._hello(argument, esmtp=False)

    def _ehlo(self, argument: str) -> None:
        self._hello(argument, esmtp=True)

    def _need_helo(self, verb: str) -> bool:
        if self.helo is None:
            why = "after STARTTLS the session starts over: " if self.tls else ""
            self._send(
                503,
                "5.5.1",
                "Error: send HELO/EHLO first",
                f"{verb} refused: {why}the client has not introduced itself with EHLO or HELO",
            )
            return True
        return False

    def _mail(self, argument: str) -> None:
        if self._need_helo("MAIL"):
            return
        if self._txn is not None:
            self._send(
                503,
                "5.5.1",
                "Error: nested MAIL command",
                "MAIL refused: a transaction is already open (RSET to start over)",
            )
            return
        try:
            path = parse_path_argument(argument, "FROM:")
        except GrammarError as error:
            self._send(501, "5.5.4", "Syntax: MAIL FROM:<address>", f"MAIL refused: {error}")
            return
        params = rules.check_params(self, "MAIL", path.params)
        if isinstance(params, rules.Refusal):
            self._send(*params.reply, params.reason)
            return
        utf8 = "SMTPUTF8" in params
        if path.address:
            problem = check_mailbox(path.address, utf8=True)
            if problem:
                self._send(
                    501,
                    "5.1.7",
                    f"Bad sender address syntax: <{path.address[:100]}>",
                    f"MAIL refused: {problem}",
                )
                return
            if not path.address.isascii() and not utf8:
                self._send(
                    553,
                    "5.6.7",
                    "Non-ASCII sender address requires SMTPUTF8",
                    "MAIL refused: a UTF-8 address needs the SMTPUTF8 parameter (RFC 6531 §3.4)",
                )
                return
        size = params.get("SIZE")
        if size is not None and int(size) > self.policy.size_limit:
            self._send(
                552,
                "5.3.4",
                "Message size exceeds fixed limit",
                f"MAIL refused: SIZE={size} is over this server's limit of {self.policy.size_limit}",
            )
            return
        if self._fault("MAIL", path.address, sender=path.address):
            return
        self._txn = _Transaction(path.address, params)
        reason = "MAIL accepted: a transaction is open; add recipients with RCPT TO"
        if path.space_after_colon:
            reason += " (a space after 'FROM:' is tolerated here; RFC 5321 does not allow it)"
        self._send(250, "2.1.0", "Ok", reason)

    def _rcpt(self, argument: str) -> None:
        if self._need_helo("RCPT"):
            return
        if self._txn is None:
            self._send(503, "5.5.1", "Error: need MAIL command", "RCPT refused: no MAIL transaction is open")
            return
        try:
            path = parse_path_argument(argument, "TO:")
        except GrammarError as error:
            self._send(501, "5.5.4", "Syntax: RCPT TO:<address>", f"RCPT refused: {error}")
            return
        params = rules.check_params(self, "RCPT", path.params)
        if isinstance(params, rules.Refusal):
            self._send(*params.reply, params.reason)
            return
        if len(self._txn.recipients) >= self.policy.max_recipients:
            self._send(
                452,
                "4.5.3",
                "Error: too many recipients",
                f"RCPT refused: this server takes at most {self.policy.max_recipients} recipients "
                "per message; send the rest in another transaction",
            )
            return
        verdict = rules.judge_recipient(self, path.address, utf8="SMTPUTF8" in self._txn.params)
        if verdict.code != 250:
            self._send(verdict.code, verdict.enhanced, verdict.text, verdict.reason)
            return
        if self._fault("RCPT", path.address, sender=self._txn.sender):
            return
        if path.address in self._txn.recipients:
            verdict.reason += "; it was already a recipient, so it will get one copy"
        else:
            self._txn.recipients.append(path.address)
        self._txn.rcpt_params[path.address] = params
        self._send(250, "2.1.5", "Ok", verdict.reason)

    def _data_command(self, argument: str) -> None:
        if argument:
            self._send(501, "5.5.4", "Syntax: DATA", "DATA takes no argument")
            return
        if not self._ready_for_content("DATA"):
            return
        assert self._txn is not None
        if self._txn.bdat_used:
            self._send(
                503,
                "5.5.1",
                "Error: BDAT already in progress",
                "DATA refused: this message is being sent with BDAT; finish it with BDAT n LAST",
            )
            return
        if self._txn.params.get("BODY") == "BINARYMIME":
            self._send(
                503,
                "5.5.1",
                "Error: BODY=BINARYMIME requires BDAT",
                "DATA refused: binary content cannot be dot-stuffed; RFC 3030 requires BDAT",
            )
            return
        self._data = DataReader(self.policy.size_limit, TEXT_LINE_LIMIT)
        self._send(
            354,
            None,
            "End data with <CR><LF>.<CR><LF>",
            "DATA accepted: every line until a line holding only '.' is the message",
        )

    def _ready_for_content(self, verb: str) -> bool:
        if self._need_helo(verb):
            return False
        if self._txn is None:
            self._send(503, "5.5.1", "Error: need MAIL command", f"{verb} refused: no MAIL transaction is open")
            return False
        if not self._txn.recipients:
            self._send(
                554,
                "5.5.1",
                "Error: no valid recipients",
                f"{verb} refused: no recipient was accepted (RFC 5321 §3.3)",
            )
            return False
        return True

    def _end_data(self) -> None:
        reader = self._data
        assert reader is not None and self._txn is not None
        self._data = None
        refusal = rules.judge_content(self, reader)
        if refusal is not None:
            self._txn = None
            self._send(*refusal.reply, refusal.reason, verb="DATA")
            return
        self._accept(bytes(reader.content), "DATA", eight_bit=reader.eight_bit)

    def _bdat(self, argument: str) -> None:
        words = argument.split()
        if not words or not words[0].isdigit() or len(words) > 2 or (len(words) == 2 and words[1].upper() != "LAST"):
            # RFC 3030 §2: without a size the server cannot know where the chunk ends; only a syntax
            # error can be answered.
            self._send(501, "5.5.4", "Syntax: BDAT size [LAST]", "BDAT needs a chunk size in octets")
            return
        size = int(words[0])
        self._bdat_last = len(words) == 2
        self._bdat_reply = None
        self._bdat_discard = False
        if not self.offers("CHUNKING"):
            self._bdat_reply = (
                502,
                "5.5.1",
                "Error: command not implemented",
                "BDAT refused: CHUNKING is not offered in this session",
            )
        elif self.helo is None:
            self._bdat_reply = (503, "5.5.1", "Error: send HELO/EHLO first", "BDAT refused: no EHLO yet")
        elif self._txn is None:
            self._bdat_reply = (
                503,
                "5.5.1",
                "Error: need MAIL command",
                "BDAT refused: no MAIL transaction is open; its chunk was read and dropped",
            )
        elif not self._txn.recipients:
            self._bdat_reply = (
                554,
                "5.5.1",
                "Error: no valid recipients",
                "BDAT refused: no recipient was accepted; its chunk was read and dropped",
            )
        if self._bdat_reply is not None:
            self._bdat_discard = True
        else:
            assert self._txn is not None
            self._txn.bdat_used = True
        self._bdat_remaining = size
        if size == 0:
            self._end_chunk()

    def _end_chunk(self) -> None:
        if self._bdat_reply is not None:
            code, enhanced, text, reason = self._bdat_reply
            self._bdat_reply = None
            self._send(code, enhanced, text, reason, verb="BDAT")
            return
        txn = self._txn
        assert txn is not None
        if not self._bdat_last:
            self._send(
                250,
                "2.0.0",
                f"{len(txn.chunks)} octets received",
                "chunk accepted; send more with BDAT n, and the last one with BDAT n LAST",
                verb="BDAT",
            )
            return
        if txn.bdat_too_big:
            self._txn = None
            self._send(
                552,
                "5.3.4",
                "Message size exceeds fixed limit",
                f"the chunks add up to more than {self.policy.size_limit} octets",
                verb="BDAT",
            )
            return
        self._accept(bytes(txn.chunks), "BDAT", eight_bit=not txn.chunks.isascii())

    def _accept(self, content: bytes, verb: str, *, eight_bit: bool) -> None:
        txn = self._txn
        assert txn is not None
        self._txn = None
        queue_id = self._new_id()
        now = self._clock()
        protocol = rules.with_protocol(self, utf8="SMTPUTF8" in txn.params)
        envelope = Envelope(txn.sender, tuple(txn.recipients), dict(txn.params), dict(txn.rcpt_params))
        trace = rules.trace_headers(self, envelope, queue_id, protocol, formatdate(now, localtime=False))
        message = Message(
            queue_id,
            envelope,
            trace + content,
            self.helo or "",
            self.peer,
            self.tls,
            self.authenticated,
            now,
            protocol,
        )
        try:
            self._deliver(message)
        except DeliveryError as error:
            self._send(
                451,
                "4.3.0",
                "Error: local error in processing, try again later",
                f"the message could not be stored: {error}",
                verb=verb,
            )
            return
        self._out.append(MessageAccepted(message))
        reason = f"message accepted for {len(envelope.recipients)} recipient(s) and captured in the sandbox"
        if eight_bit and txn.params.get("BODY") in (None, "7BIT") and verb == "DATA":
            reason += "; note: it holds 8-bit octets but MAIL did not say BODY=8BITMIME"
        self._send(250, "2.0.0", f"Ok: queued as {queue_id}", reason, verb=verb)

    def _rset(self, argument: str) -> None:
        if argument:
            self._send(501, "5.5.4", "Syntax: RSET", "RSET takes no argument")
            return
        self._txn = None
        self._send(250, "2.0.0", "Ok", "RSET: any transaction is abandoned; the greeting still holds")

    def _noop(self, argument: str) -> None:
        self._send(250, "2.0.0", "Ok", "NOOP does nothing; the server is alive")

    def _quit(self, argument: str) -> None:
        if argument:
            self._send(501, "5.5.4", "Syntax: QUIT", "QUIT takes no argument")
            return
        self._send(221, "2.0.0", "Bye", "QUIT: the server says goodbye and closes the connection")
        self._close("client sent QUIT")

    def _vrfy(self, argument: str) -> None:
        code, enhanced, text, reason = rules.verify(self, argument)
        self._send(code, enhanced, text, reason)

    def _expn(self, argument: str) -> None:
        code, enhanced, text, reason = rules.expand(self, argument)
        self._send(code, enhanced, text, reason)

    def _help(self, argument: str) -> None:
        code, enhanced, text, reason = rules.help_reply(self, argument)
        self._send(code, enhanced, text, reason)

    def _starttls(self, argument: str) -> None:
        if argument:
            self._send(501, "5.5.4", "Syntax: STARTTLS", "STARTTLS takes no argument (RFC 3207)")
            return
        if self.tls:
            self._send(
                503,
                "5.5.1",
                "Error: TLS already active",
                "STARTTLS refused: the connection is already encrypted",
            )
            return
        if not self.policy.offers("STARTTLS"):
            self._send(502, "5.5.1", "Error: command not implemented", "STARTTLS is switched off on this sandbox")
            return
        if not self.policy.tls_available:
            self._send(
                454,
                "4.7.0",
                "TLS not available due to temporary reason",
                "the sandbox has no certificate to offer",
            )
            return
        if self._txn is not None:
            self._send(
                503,
                "5.5.1",
                "Error: STARTTLS inside a transaction",
                "STARTTLS refused: finish or RSET the transaction first",
            )
            return
        dropped = len(self._buffer)
        self._buffer.clear()
        reason = "STARTTLS accepted: the TLS handshake starts now; afterwards the client must send EHLO again"
        if dropped:
            reason += (
                f"; {dropped} octets pipelined after STARTTLS were thrown away unread "
                "(a plaintext injection, CVE-2011-0411)"
            )
        self._send(220, "2.0.0", "Ready to start TLS", reason)
        self._out.append(StartTLS())
        self._awaiting_tls = True

    def _auth_command(self, argument: str) -> None:
        words = argument.split()
        if self._need_helo("AUTH"):
            return
        if not self.policy.offers("AUTH") or not self.esmtp:
            self._send(
                502,
                "5.5.1",
                "Error: authentication not enabled",
                "AUTH is not offered in this session (it needs EHLO, and the AUTH extension)",
            )
            return
        if not self.offers("AUTH"):
            self._send(
                538,
                "5.7.11",
                "Encryption required for requested authentication mechanism",
                "AUTH refused: passwords are accepted only after STARTTLS, so they never cross the "
                "network in the clear",
            )
            return
        if self.authenticated:
            self._send(503, "5.5.1", "Error: already authenticated", "AUTH refused: one AUTH per session")
            return
        if self._txn is not None:
            self._send(
                503,
                "5.5.1",
                "Error: MAIL transaction in progress",
                "AUTH refused: authenticate before MAIL (RFC 4954 §4)",
            )
            return
        if not words or len(words) > 2:
            self._send(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]", "AUTH needs a mechanism")
            return
        mechanism = words[0].upper()
        if mechanism not in AUTH_MECHANISMS:
            self._send(
                504,
                "5.5.4",
                "Unrecognized authentication type",
                f"{mechanism} is not one of the mechanisms offered: {' '.join(AUTH_MECHANISMS)}",
            )
            return
        if mechanism == "CRAM-MD5" and len(words) == 2:
            self._send(
                501,
                "5.5.4",
                "CRAM-MD5 takes no initial response",
                "the server speaks first in CRAM-MD5 (RFC 2195)",
            )
            return
        challenge = f"<{secrets.randbelow(10**9)}.{int(self._clock())}@{self.policy.hostname}>"
        self._auth = AuthExchange(mechanism, self._check_password, self.policy.users.get, challenge)
        try:
            outcome = self._auth.begin(words[1] if len(words) == 2 else None)
        except AuthDecodeError:
            self._auth_failed_decode()
            return
        self._auth_outcome(outcome)

    def _auth_line(self, text: str) -> None:
        self._out.append(CommandReceived("****"))
        exchange = self._auth
        assert exchange is not None
        if text.strip() == "*":
            self._auth = None
            self._send(
                501,
                "5.7.0",
                "Authentication aborted",
                "the client cancelled AUTH with '*' (RFC 4954)",
                verb="AUTH",
            )
            return
        try:
            outcome = exchange.respond(text.strip())
        except AuthDecodeError:
            self._auth_failed_decode()
            return
        self._auth_outcome(outcome)

    def _auth_failed_decode(self) -> None:
        self._auth = None
        self._send(501, "5.5.2", "Cannot decode response", "an AUTH line must be base64 (RFC 4954 §4)", verb="AUTH")

    def _auth_outcome(self, outcome: AuthOutcome) -> None:
        exchange = self._auth
        assert exchange is not None
        if outcome.challenge is not None:
            self._send(
                334,
                None,
                outcome.challenge,
                f"{exchange.mechanism}: the server waits for the next base64 line (decode the challenge to read it)",
                verb="AUTH",
            )
            return
        self._auth = None
        if outcome.success and outcome.username:
            self.authenticated = outcome.username
            self._out.append(Authenticated(outcome.username, exchange.mechanism))
            self._send(
                235,
                "2.7.0",
                "Authentication successful",
                f"{exchange.mechanism}: the credentials match user {outcome.username!r}",
                verb="AUTH",
            )
            return
        self._send(
            535,
            "5.7.8",
            "Authentication credentials invalid",
            f"{exchange.mechanism}: no such user, or the password is wrong",
            verb="AUTH",
        )

    def _check_password(self, user: str, password: str) -> bool:
        expected = self.policy.users.get(user)
        return expected is not None and secrets.compare_digest(expected.encode(), password.encode())

    def _etrn(self, argument: str) -> None:
        code, enhanced, text, reason = rules.etrn(self, argument, in_transaction=self._txn is not None)
        self._send(code, enhanced, text, reason)

    def _obsolete(self, verb: str) -> None:
        self._send(502, "5.5.1", rules.OBSOLETE_TEXT[verb][0], rules.OBSOLETE_TEXT[verb][1])


_HANDLERS: dict[str, Callable[[ServerConnection, str], None]] = {
    "HELO": ServerConnection._helo,
    "EHLO": ServerConnection._ehlo,
    "MAIL": ServerConnection._mail,
    "RCPT": ServerConnection._rcpt,
    "DATA": ServerConnection._data_command,
    "BDAT": ServerConnection._bdat,
    "RSET": ServerConnection._rset,
    "NOOP": ServerConnection._noop,
    "QUIT": ServerConnection._quit,
    "VRFY": ServerConnection._vrfy,
    "EXPN": ServerConnection._expn,
    "HELP": ServerConnection._help,
    "STARTTLS": ServerConnection._starttls,
    "AUTH": ServerConnection._auth_command,
    "ETRN": ServerConnection._etrn,
    "TURN": lambda server, _argument: server._obsolete("TURN"),
    "SEND": lambda server, _argument: server._obsolete("SEND"),
    "SOML": lambda server, _argument: server._obsolete("SOML"),
    "SAML": lambda server, _argument: server._obsolete("SAML"),
}
