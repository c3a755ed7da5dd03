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

from smtpshell.proto import server_replies as R
from smtpshell.proto import server_rules as rules
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS
from smtpshell.proto.events import (
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
from smtpshell.proto.framing import DataReader
from smtpshell.proto.grammar import (
    GrammarError,
    PathArgument,
    check_mailbox,
    is_domain,
    parse_path_argument,
    split_command,
)
from smtpshell.proto.policy import AUTH_LINE_LIMIT, COMMAND_LINE_LIMIT, TEXT_LINE_LIMIT, SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server_auth import AuthHandling
from smtpshell.proto.server_replies import ServerReply


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


class ServerConnection(AuthHandling):
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
        super().__init__()
        self.policy = policy
        self._deliver = deliver
        self.peer = peer
        self.tls = tls
        self.clock = clock
        self._new_id = new_id or (lambda: secrets.token_hex(5).upper())
        self._buffer = bytearray()
        self._out: list[Output] = []
        self.helo: str | None = None
        self.esmtp = False
        self._txn: _Transaction | None = None
        self._data: DataReader | None = None
        self._bdat_remaining = 0
        self._bdat_last = False
        self._bdat_refusal: tuple[ServerReply, str] | None = None  # decided before its chunk is read
        self._long_line = False  # discarding an over-long command line until its end
        self._unknown_commands = 0
        self._verb: str | None = None  # the verb being answered, for SendReply.command
        self._awaiting_tls = False
        self.closed = False

    # ---- the transport's side -------------------------------------------------------------------------

    def start(self) -> list[Output]:
        self.send(R.GREETING.format(host=self.policy.hostname), "the greeting")
        return self._flush()

    def receive_data(self, data: bytes) -> list[Output]:
        if self.closed or self._awaiting_tls:
            return []
        self._buffer += data
        while self._buffer and not self.closed and not self._awaiting_tls and self._step():
            pass
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
        self.send(R.TIMEOUT.format(host=self.policy.hostname), f"no command for {self.timeout:g} s (RFC 5321 §4.5.3.2)")
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
            if self._data.done:
                self._end_data()
            return self._data is None
        end = self._buffer.find(b"\n")
        limit = COMMAND_LINE_LIMIT
        if end < 0 or end >= COMMAND_LINE_LIMIT - 1:  # only a long line needs its exact limit worked out
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
            self.send(R.LINE_TOO_LONG, f"a command line may be at most {limit} octets with CRLF (RFC 5321 §4.5.3.1.4)")
            return True
        line = raw[:-1].removesuffix(b"\r")
        if b"\r" in line or b"\0" in line:
            self.send(R.BARE_CR_IN_COMMAND, "a command line may not contain a bare CR or a NUL (RFC 5321 §2.3.8)")
            return True
        text = line.decode("utf-8", "surrogateescape")
        if self.auth_pending:
            self._out.append(CommandReceived("****"))
            self.auth_response(text)
        else:
            self._command(text)
        return True

    def _line_limit(self) -> int:
        if self.auth_pending or self._buffer[:5].upper() == b"AUTH ":
            return AUTH_LINE_LIMIT
        return self.policy.line_limit()

    def _read_chunk(self) -> bool:
        take = min(self._bdat_remaining, len(self._buffer))
        chunk = bytes(self._buffer[:take])
        del self._buffer[:take]
        self._bdat_remaining -= take
        if self._bdat_refusal is None and self._txn is not None:
            if len(self._txn.chunks) + take > self.policy.size_limit:
                self._txn.bdat_too_big = True
            else:
                self._txn.chunks += chunk
        if not self._bdat_remaining:
            self._end_chunk()
        return take > 0

    # ---- dispatch and replies -------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        line = split_command(text)
        self._verb = line.verb
        self._out.append(CommandReceived(rules.redact(line)))
        if line.verb not in COMMANDS:
            self._unknown(line.verb or text)
            return
        # MAIL and RCPT faults match on the address, so their handlers apply them after parsing it.
        if line.verb not in ("MAIL", "RCPT", "AUTH") and self._fault(line.verb, None):
            return
        _HANDLERS[line.verb](self, line.argument)

    def _unknown(self, verb: str) -> None:
        self._unknown_commands += 1
        if self._unknown_commands >= self.policy.max_errors:
            self.send(
                R.TOO_MANY_ERRORS,
                f"{self._unknown_commands} unrecognized commands; the limit is {self.policy.max_errors}",
            )
            self._close("too many unrecognized commands")
            return
        shown = verb[:40].encode("ascii", "replace").decode()
        self.send(R.UNRECOGNIZED.format(verb=shown), f"{shown!r} is not an SMTP command; HELP lists the ones here")

    def _fault(self, verb: str, address: str | None, *, sender: str = "") -> bool:
        """Apply a matching fault rule; True when it decided the reply (or hung up)."""
        rule = self.policy.faults.find(verb, address)
        if rule is None:
            return False
        rule.used += 1
        if rule.delay:
            self._out.append(Delay(rule.delay))
        if rule.greylist and self.policy.faults.greylist_passes(self.peer, sender, address or ""):
            return False
        if rule.reply is None:
            if rule.disconnect:
                self._close(f"fault '{rule.name}': disconnect after {verb}")
            return rule.disconnect  # a pure delay answers as usual, later
        spec = rule.reply
        where = f" {rule.address}" if rule.address != "*" else ""
        self.send(
            ServerReply(spec.code, spec.enhanced, spec.text),
            f"fault '{rule.name}' set on the sandbox for {verb}{where}",
            force_enhanced=True,
        )
        if rule.disconnect or spec.code == 421:
            self._close(f"fault '{rule.name}'")
        return True

    def send(
        self,
        reply: ServerReply,
        reason: str,
        *,
        verb: str | None = None,
        force_enhanced: bool = False,
        lines: list[str] | None = None,
    ) -> None:
        enhanced = reply.enhanced if reply.code // 100 != 3 and (self._enhanced_on or force_enhanced) else None
        made = Reply.make(reply.code, lines if lines is not None else reply.text, enhanced)
        self._out.append(SendReply(made, reason, verb or self._verb))

    @property
    def _enhanced_on(self) -> bool:
        return self.esmtp and self.policy.offers("ENHANCEDSTATUSCODES")

    def emit(self, item: Output) -> None:
        self._out.append(item)

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
        extras = {"SIZE": f"SIZE {self.policy.size_limit}", "AUTH": "AUTH " + " ".join(AUTH_MECHANISMS)}
        return [extras.get(k, k) for k in self.policy.extensions if self.offers(k)]

    @property
    def in_transaction(self) -> bool:
        return self._txn is not None

    @property
    def sender(self) -> str | None:
        """The open transaction's reverse-path ("" for <>); None outside a transaction."""
        return self._txn.sender if self._txn is not None else None

    def _in_transaction(self) -> bool:
        return self._txn is not None

    # ---- commands -------------------------------------------------------------------------------------

    def _hello(self, argument: str, esmtp: bool) -> None:
        verb = "EHLO" if esmtp else "HELO"
        if not argument:
            self.send(R.SYNTAX.format(usage=f"{verb} hostname"), f"{verb} needs the client's domain name")
            return
        if not is_domain(argument, utf8=True):
            self.send(
                R.BAD_DOMAIN.format(name=argument[:64]),
                f"{verb} takes one domain name or an address literal such as [127.0.0.1] (RFC 5321 §4.1.1.1)",
            )
            return
        self.helo, self.esmtp, self._txn = argument, esmtp, None
        greeting = R.EHLO_OK.format(host=self.policy.hostname, name=argument, peer=self.peer)
        if not esmtp:
            self.send(greeting, "HELO accepted; a HELO session has no extensions and no enhanced status codes")
            return
        later = "" if self.tls or not self.policy.tls_available else " (AUTH only after STARTTLS)"
        self.send(
            greeting,
            f"EHLO accepted; the lines after the first list the extensions offered now{later}",
            lines=[greeting.text, *self.ehlo_lines()],
        )

    def _need_helo(self, verb: str) -> bool:
        if self.helo is None:
            why = "after STARTTLS the session starts over: " if self.tls else ""
            self.send(R.NEED_HELO, f"{verb} refused: {why}the client has not introduced itself with EHLO or HELO")
            return True
        return False

    def _path_and_params(self, verb: str, argument: str) -> tuple[PathArgument, dict[str, str | None]] | None:
        """MAIL's or RCPT's path and parameters; None when they were refused (the reply is sent)."""
        prefix = COMMANDS[verb].prefix or ""
        try:
            path = parse_path_argument(argument, prefix)
        except GrammarError as error:
            self.send(R.SYNTAX.format(usage=f"{verb} {prefix}<address>"), f"{verb} refused: {error}")
            return None
        params = rules.check_params(self, verb, path.params)
        if isinstance(params, rules.Refusal):
            self.send(params.reply, params.reason)
            return None
        return path, params

    def _mail(self, argument: str) -> None:
        if self._need_helo("MAIL"):
            return
        if self._txn is not None:
            self.send(R.NESTED_MAIL, "MAIL refused: a transaction is already open (RSET to start over)")
            return
        parsed = self._path_and_params("MAIL", argument)
        if parsed is None:
            return
        path, params = parsed
        utf8 = "SMTPUTF8" in params
        problem = check_mailbox(path.address, utf8=True) if path.address else None
        size = params.get("SIZE")
        if problem:
            self.send(R.BAD_SENDER.format(address=path.address[:100]), f"MAIL refused: {problem}")
        elif not path.address.isascii() and not utf8:
            self.send(R.UTF8_SENDER, "MAIL refused: a UTF-8 address needs the SMTPUTF8 parameter (RFC 6531 §3.4)")
        elif size is not None and int(size) > self.policy.size_limit:
            self.send(R.SIZE_EXCEEDED, f"MAIL refused: SIZE={size} is over the limit of {self.policy.size_limit}")
        elif not self._fault("MAIL", path.address, sender=path.address):
            self._txn = _Transaction(path.address, params)
            reason = "MAIL accepted: a transaction is open; add recipients with RCPT TO"
            if path.space_after_colon:
                reason += " (a space after 'FROM:' is tolerated here; RFC 5321 does not allow it)"
            self.send(R.SENDER_OK, reason)

    def _rcpt(self, argument: str) -> None:
        if self._need_helo("RCPT"):
            return
        if self._txn is None:
            self.send(R.NEED_MAIL, "RCPT refused: no MAIL transaction is open")
            return
        parsed = self._path_and_params("RCPT", argument)
        if parsed is None:
            return
        path, params = parsed
        if len(self._txn.recipients) >= self.policy.max_recipients:
            self.send(
                R.TOO_MANY_RECIPIENTS,
                f"RCPT refused: at most {self.policy.max_recipients} recipients per "
                "message here; send the rest in another transaction",
            )
            return
        reply, reason = rules.judge_recipient(self, path.address, utf8="SMTPUTF8" in self._txn.params)
        if reply.code != 250 or self._fault("RCPT", path.address, sender=self._txn.sender):
            if reply.code != 250:
                self.send(reply, reason)
            return
        if path.address in self._txn.recipients:
            reason += "; it was already a recipient, so it will get one copy"
        else:
            self._txn.recipients.append(path.address)
        self._txn.rcpt_params[path.address] = params
        self.send(reply, reason)

    def _data_command(self, argument: str) -> None:
        if argument:
            self.send(R.SYNTAX.format(usage="DATA"), "DATA takes no argument")
        elif self._ready_for_content("DATA"):
            assert self._txn is not None
            if self._txn.bdat_used:
                self.send(
                    R.OUT_OF_SEQUENCE.format(what="BDAT already in progress"),
                    "DATA refused: this message is being sent with BDAT; finish it with BDAT n LAST",
                )
            elif self._txn.params.get("BODY") == "BINARYMIME":
                self.send(
                    R.OUT_OF_SEQUENCE.format(what="BODY=BINARYMIME requires BDAT"),
                    "DATA refused: binary content cannot be dot-stuffed; RFC 3030 requires BDAT",
                )
            else:
                self._data = DataReader(self.policy.size_limit, TEXT_LINE_LIMIT)
                self.send(R.START_DATA, "DATA accepted: every line until a line holding only '.' is the message")

    def _ready_for_content(self, verb: str) -> bool:
        refusal = self._content_refusal(verb)
        if refusal is not None:
            self.send(*refusal)
        return refusal is None

    def _content_refusal(self, verb: str) -> tuple[ServerReply, str] | None:
        if self.helo is None:
            return R.NEED_HELO, f"{verb} refused: the client has not introduced itself with EHLO or HELO"
        if self._txn is None:
            return R.NEED_MAIL, f"{verb} refused: no MAIL transaction is open"
        if not self._txn.recipients:
            return R.NO_RECIPIENTS, f"{verb} refused: no recipient was accepted (RFC 5321 §3.3)"
        return None

    def _end_data(self) -> None:
        reader = self._data
        assert reader is not None and self._txn is not None
        self._data = None
        refusal = rules.judge_content(self, reader)
        if refusal is not None:
            self._txn = None
            self.send(refusal.reply, refusal.reason, verb="DATA")
            return
        self._accept(bytes(reader.content), "DATA", eight_bit=reader.eight_bit)

    def _bdat(self, argument: str) -> None:
        words = argument.split()
        if not words or not words[0].isdigit() or [w.upper() for w in words[1:]] not in ([], ["LAST"]):
            # RFC 3030 §2: without a valid size the end of the chunk is unknown; only a syntax error can be told.
            self.send(R.SYNTAX.format(usage="BDAT size [LAST]"), "BDAT needs a chunk size in octets")
            return
        self._bdat_last = len(words) == 2
        if not self.offers("CHUNKING"):
            self._bdat_refusal = R.NOT_IMPLEMENTED, "BDAT refused: CHUNKING is not offered in this session"
        else:
            self._bdat_refusal = self._content_refusal("BDAT")
        if self._bdat_refusal is None and self._txn is not None:
            self._txn.bdat_used = True
        elif self._bdat_refusal is not None:
            reply, reason = self._bdat_refusal
            self._bdat_refusal = reply, reason + "; its chunk was read and thrown away (RFC 3030 §2)"
        self._bdat_remaining = int(words[0])
        if self._bdat_remaining == 0:
            self._end_chunk()

    def _end_chunk(self) -> None:
        if self._bdat_refusal is not None:
            reply, reason = self._bdat_refusal
            self._bdat_refusal = None
            self.send(reply, reason, verb="BDAT")
            return
        txn = self._txn
        assert txn is not None
        if not self._bdat_last:
            self.send(
                R.CHUNK_OK.format(octets=len(txn.chunks)),
                "chunk accepted; send more with BDAT n, and the last one with BDAT n LAST",
                verb="BDAT",
            )
        elif txn.bdat_too_big:
            self._txn = None
            self.send(R.SIZE_EXCEEDED, f"the chunks add up to more than {self.policy.size_limit} octets", verb="BDAT")
        else:
            self._accept(bytes(txn.chunks), "BDAT", eight_bit=not txn.chunks.isascii())

    def _accept(self, content: bytes, verb: str, *, eight_bit: bool) -> None:
        txn = self._txn
        assert txn is not None
        self._txn = None
        queue_id, now = self._new_id(), self.clock()
        protocol = rules.with_protocol(self, utf8="SMTPUTF8" in txn.params)
        envelope = Envelope(txn.sender, tuple(txn.recipients), dict(txn.params), dict(txn.rcpt_params))
        trace = rules.trace_headers(self, envelope, queue_id, protocol, rules.rfc5322_date(now))
        message = Message(
            queue_id, envelope, trace + content, self.helo or "", self.peer, self.tls, self.authenticated, now, protocol
        )
        try:
            self._deliver(message)
        except DeliveryError as error:
            self.send(R.LOCAL_ERROR, f"the message could not be stored: {error}", verb=verb)
            return
        self._out.append(MessageAccepted(message))
        reason = f"message accepted for {len(envelope.recipients)} recipient(s) and captured in the sandbox"
        if eight_bit and txn.params.get("BODY") in (None, "7BIT") and verb == "DATA":
            reason += "; note: it holds 8-bit octets but MAIL did not say BODY=8BITMIME"
        self.send(R.QUEUED.format(queue_id=queue_id), reason, verb=verb)

    def _no_argument(self, verb: str, argument: str) -> bool:
        if argument:
            self.send(R.SYNTAX.format(usage=verb), f"{verb} takes no argument")
        return not argument

    def _rset(self, argument: str) -> None:
        if self._no_argument("RSET", argument):
            self._txn = None
            self.send(R.OK, "RSET: any transaction is abandoned; the greeting still holds")

    def _noop(self, argument: str) -> None:
        self.send(R.OK, "NOOP does nothing; the server is alive")

    def _quit(self, argument: str) -> None:
        if self._no_argument("QUIT", argument):
            self.send(R.BYE, "QUIT: the server says goodbye and closes the connection")
            self._close("client sent QUIT")

    def _starttls(self, argument: str) -> None:
        if not self._no_argument("STARTTLS", argument) or self._need_helo("STARTTLS"):
            return
        if self.tls:
            self.send(R.TLS_ACTIVE, "STARTTLS refused: the connection is already encrypted")
        elif not self.policy.offers("STARTTLS"):
            self.send(R.NOT_IMPLEMENTED, "STARTTLS is switched off on this sandbox")
        elif not self.esmtp:
            self.send(
                R.OUT_OF_SEQUENCE.format(what="STARTTLS not advertised; send EHLO first"),
                "STARTTLS refused: a HELO session has no extensions, so STARTTLS was never advertised (RFC 3207 §4)",
            )
        elif not self.policy.tls_available:
            self.send(R.TLS_UNAVAILABLE, "the sandbox has no certificate to offer")
        elif self._txn is not None:
            self.send(
                R.OUT_OF_SEQUENCE.format(what="STARTTLS inside a transaction"),
                "STARTTLS refused: finish or RSET the transaction first",
            )
        else:
            dropped = len(self._buffer)
            self._buffer.clear()
            reason = "STARTTLS accepted: the TLS handshake starts now; afterwards the client must send EHLO again"
            if dropped:
                reason += (
                    f"; {dropped} octets pipelined after STARTTLS were thrown away unread "
                    "(a plaintext injection, CVE-2011-0411)"
                )
            self.send(R.READY_FOR_TLS, reason)
            self._out.append(StartTLS())
            self._awaiting_tls = True

    def _auth(self, argument: str) -> None:
        if not self._need_helo("AUTH"):
            self.auth_command(argument)

    def _directory(self, argument: str, judge: Callable[[ServerConnection, str], rules.Judgement]) -> None:
        reply, reason, lines = judge(self, argument)
        self.send(reply, reason, lines=lines)

    def _etrn(self, argument: str) -> None:
        self.send(*rules.etrn(self, argument))

    def _obsolete(self, verb: str) -> None:
        text, reason = rules.OBSOLETE_TEXT[verb]
        self.send(R.OBSOLETE.format(text=text), reason)


_HANDLERS: dict[str, Callable[[ServerConnection, str], None]] = {
    "HELO": lambda server, argument: server._hello(argument, esmtp=False),
    "EHLO": lambda server, argument: server._hello(argument, esmtp=True),
    "MAIL": ServerConnection._mail,
    "RCPT": ServerConnection._rcpt,
    "DATA": ServerConnection._data_command,
    "BDAT": ServerConnection._bdat,
    "RSET": ServerConnection._rset,
    "NOOP": ServerConnection._noop,
    "QUIT": ServerConnection._quit,
    "VRFY": lambda server, argument: server._directory(argument, rules.verify),
    "EXPN": lambda server, argument: server._directory(argument, rules.expand),
    "HELP": lambda server, argument: server._directory(argument, rules.help_reply),
    "STARTTLS": ServerConnection._starttls,
    "AUTH": ServerConnection._auth,
    "ETRN": ServerConnection._etrn,
    "TURN": lambda server, _argument: server._obsolete("TURN"),
    "SEND": lambda server, _argument: server._obsolete("SEND"),
    "SOML": lambda server, _argument: server._obsolete("SOML"),
    "SAML": lambda server, _argument: server._obsolete("SAML"),
}
