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
    Deliver,
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
    is_ascii_digits,
    is_domain,
    is_valid_utf8,
    parse_path_argument,
    split_command,
)
from smtpshell.proto.message_check import MessageCheckInput, MessageVerdict
from smtpshell.proto.policy import AUTH_LINE_LIMIT, COMMAND_LINE_LIMIT, TEXT_LINE_LIMIT, SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server_auth import AuthHandling
from smtpshell.proto.server_replies import ServerReply, echoed

# What the machine is waiting for, as the transport needs to know it (which timer and deadline apply).
COMMAND, AUTH_RESPONSE, DATA, CHUNK, TLS, DELIVERY, CLOSED = (
    "command",
    "auth",
    "data",
    "chunk",
    "tls",
    "delivery",
    "closed",
)


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
        deliver: Callable[[Message], None] | None,
        *,
        deliver_later: bool = False,  # emit Deliver and wait for delivery_done instead of calling deliver
        peer: str = "127.0.0.1",  # the client's IP address, without port
        tls: bool = False,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.policy = policy
        self._deliver = deliver
        self.deliver_later = deliver_later or deliver is None
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
        self._long_line = 0  # discarding an over-long command line until its end: the limit it broke
        self._errors = 0  # error replies since the start or the last delivered message
        # Waiting for delivery_done: (message, verb, 8bit, the message check's note for the reason)
        self._delivering: tuple[Message, str, bool, str | None] | None = None
        self._verb: str | None = None  # the verb being answered, for SendReply.command
        self._awaiting_tls = False
        self.closed = False

    # ---- the transport's side -------------------------------------------------------------------------

    def start(self) -> list[Output]:
        if self.policy.lmtp:
            self.send(R.LMTP_GREETING.format(host=self.policy.hostname), "the greeting of an LMTP server (RFC 2033)")
        else:
            self.send(R.GREETING.format(host=self.policy.hostname), "the greeting")
        return self._flush()

    def receive_data(self, data: bytes) -> list[Output]:
        if self.closed or self._awaiting_tls:
            return []
        self._buffer += data
        self._run()
        return self._flush()

    def _run(self) -> None:
        while self._buffer and not self.closed and not self._awaiting_tls and self._delivering is None:
            more = self._step()
            self._count_errors()
            if not more:
                break
        self._count_errors()

    def _count_errors(self) -> None:
        # Checked right after each reply, before the next command is read, as Postfix does.
        if self._errors >= self.policy.max_errors and not self.closed:
            self._too_many_errors()

    def delivery_done(self, error: str | None = None) -> list[Output]:
        """The transport stored the message of the last Deliver (``error`` says why it could not): now the reply,
        then whatever the client pipelined after the message."""
        assert self._delivering is not None
        message, verb, eight_bit, note = self._delivering
        self._delivering = None
        self._delivered(message, verb, eight_bit, error, note)
        self._run()
        return self._flush()

    @property
    def phase(self) -> str:
        """What the machine waits for: COMMAND, AUTH_RESPONSE, DATA, CHUNK, TLS, DELIVERY or CLOSED."""
        if self.closed:
            return CLOSED
        if self._awaiting_tls:
            return TLS
        if self._delivering is not None:
            return DELIVERY
        if self._bdat_remaining:
            return CHUNK
        if self._data is not None:
            return DATA
        return AUTH_RESPONSE if self.auth_pending else COMMAND

    @property
    def chunk_remaining(self) -> int:
        """Octets of the BDAT chunk still to read (in the CHUNK phase)."""
        return self._bdat_remaining

    @property
    def buffered(self) -> int:
        """Octets read but not judged yet: a line without its end, kept at most one line limit long."""
        return len(self._buffer)

    @property
    def line_started(self) -> bool:
        """Part of a command line (or AUTH answer) has arrived, its end has not: the command deadline runs."""
        return self.phase in (COMMAND, AUTH_RESPONSE) and bool(self._buffer or self._long_line)

    @property
    def message_started(self) -> bool:
        """A message is on its way in (after the 354, or from the first BDAT to BDAT LAST): the message deadline
        runs."""
        if self.phase in (DATA, CHUNK):
            return True
        return self.phase == COMMAND and self._txn is not None and self._txn.bdat_used

    def deadline_passed(self) -> list[Output]:
        """The transport's deadline for the line or the message in progress passed: 421, then close."""
        if self.closed:
            return []
        self._verb = None  # the 421 answers no command
        if self.message_started:
            self.send(
                R.MESSAGE_DEADLINE.format(host=self.policy.hostname),
                f"the message was not complete {self.policy.message_deadline:g} s after it started; the idle timer "
                "restarts with every octet, so a deadline for the whole message stops a client that sends it one "
                "octet at a time from holding the connection for ever",
            )
        else:
            self.send(
                R.COMMAND_DEADLINE.format(host=self.policy.hostname),
                f"the command line was not complete {self.policy.command_deadline:g} s after its first octet; "
                "a line that arrives one octet at a time must still end within that deadline",
            )
        self._close("deadline passed")
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
        if end < 0:
            # Without its LF the line is one octet longer than what arrived: at the limit already, it is over.
            if not self._long_line and len(self._buffer) >= COMMAND_LINE_LIMIT:
                limit = self._line_limit(self._buffer)
                if len(self._buffer) >= limit:
                    self._long_line = limit
            if self._long_line:
                self._buffer.clear()  # memory stays small however long the line grows
            return False
        raw = bytes(self._buffer[: end + 1])  # the line as sent, its CRLF (or bare LF) included
        del self._buffer[: end + 1]
        limit = self._long_line or (self._line_limit(raw) if len(raw) > COMMAND_LINE_LIMIT else COMMAND_LINE_LIMIT)
        if self._long_line or len(raw) > limit:
            self._long_line = 0
            self._line_too_long(limit)
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

    def _line_limit(self, start: bytes | bytearray) -> int:
        """The limit for the line that begins with ``start``: by its verb, known from its first five octets."""
        verb = bytes(start[:5]).upper()
        if self.auth_pending or verb == b"AUTH ":
            return AUTH_LINE_LIMIT
        return self.policy.line_limit(verb[:4].decode("ascii", "replace"), self.offers)

    def _line_too_long(self, limit: int) -> None:
        self._verb = None  # the line was never read as a command
        if limit == AUTH_LINE_LIMIT:
            self._exchange = None  # RFC 4954 §4: the server fails the AUTH exchange
            self.send(
                R.AUTH_LINE_TOO_LONG,
                f"an AUTH line may be at most {limit} octets with CRLF here (RFC 4954 §4); the exchange is over",
                verb="AUTH",
            )
            return
        why = "" if limit == COMMAND_LINE_LIMIT else ", with the room its extensions' parameters add"
        self.send(
            R.LINE_TOO_LONG,
            f"a command line may be at most {limit} octets counting its CRLF{why} (RFC 5321 §4.5.3.1.4); "
            "the line was thrown away unread",
        )

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
        # Logged as read, but with control characters and octets that are not UTF-8 shown escaped: whoever
        # displays the log (the F4 view, /server) never passes them to a terminal.
        self._out.append(CommandReceived(echoed(rules.redact(line), COMMAND_LINE_LIMIT * 4)))
        if line.verb not in COMMANDS:
            self._unknown(line.verb or text)
            return
        # MAIL and RCPT faults match on the address, so their handlers apply them after parsing it.
        if line.verb not in ("MAIL", "RCPT", "AUTH") and self._fault(line.verb, None):
            return
        _HANDLERS[line.verb](self, line.argument)

    def _unknown(self, verb: str) -> None:
        shown = echoed(verb, 40)
        self.send(R.UNRECOGNIZED.format(verb=shown), f"'{shown}' is not an SMTP command; HELP lists the ones here")

    def _too_many_errors(self) -> None:
        # Postfix's smtpd_hard_error_limit: every error reply counts the same, whatever the command.
        self._verb = None
        self.send(
            R.TOO_MANY_ERRORS.format(host=self.policy.hostname),
            f"{self._errors} error replies (4xx or 5xx) in this session without a message delivered; the limit is "
            f"{self.policy.max_errors}, after which the server hangs up on a client that keeps failing, as Postfix "
            "does (smtpd_hard_error_limit); reconnect and check each command before sending it",
        )
        self._close("too many errors")

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
        if reply.code >= 400 and reply.code != 421:  # a 421 ends the session anyway
            self._errors += 1

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

    def _greeting_command(self, verb: str, argument: str) -> None:
        """HELO and EHLO in SMTP, LHLO in LMTP (RFC 2033 §4.1); each protocol refuses the other's greeting."""
        if (verb == "LHLO") != self.policy.lmtp:
            if self.policy.lmtp:
                text, reason = "this is LMTP: greet with LHLO", f"{verb} refused: an LMTP server is greeted with LHLO"
            else:
                text, reason = (
                    "LHLO is LMTP's greeting; this is SMTP: use EHLO",
                    "LHLO refused: this server speaks SMTP",
                )
            self.send(R.WRONG_PROTOCOL.format(text=text), f"{reason} (RFC 2033 §4.1)")
            return
        self._hello(argument, esmtp=verb != "HELO", verb=verb)

    def _hello(self, argument: str, esmtp: bool, verb: str | None = None) -> None:
        verb = verb or ("EHLO" if esmtp else "HELO")
        if not argument:
            self.send(R.SYNTAX.format(usage=f"{verb} hostname"), f"{verb} needs the client's domain name")
            return
        if not is_domain(argument, utf8=True):
            why = "" if is_valid_utf8(argument) else "; the name holds octets that are not UTF-8 (RFC 6531 §3.3)"
            self.send(
                R.BAD_DOMAIN.format(name=echoed(argument, 64)),
                f"{verb} takes one domain name or an address literal such as [127.0.0.1] (RFC 5321 §4.1.1.1){why}",
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
            f"{verb} accepted; the lines after the first list the extensions offered now{later}",
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
            self.send(R.BAD_SENDER.format(address=echoed(path.address)), f"MAIL refused: {problem}")
        elif not path.address.isascii() and not utf8:
            self.send(R.UTF8_SENDER, "MAIL refused: a UTF-8 address needs the SMTPUTF8 parameter (RFC 6531 §3.4)")
        elif size is not None and is_ascii_digits(size) and int(size) > self.policy.size_limit:
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
            self._final(refusal.reply, refusal.reason, "DATA")
            return
        self._accept(reader.content, "DATA", eight_bit=reader.eight_bit)

    def _bdat(self, argument: str) -> None:
        words = argument.split()
        if not words or not is_ascii_digits(words[0]) or [w.upper() for w in words[1:]] not in ([], ["LAST"]):
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
            self._final(R.SIZE_EXCEEDED, f"the chunks add up to more than {self.policy.size_limit} octets", "BDAT")
        else:
            self._accept(txn.chunks, "BDAT", eight_bit=not txn.chunks.isascii())

    def _final(self, reply: ServerReply, reason: str, verb: str) -> None:
        """The reply to the end of the data, ending the transaction: in LMTP once per recipient (RFC 2033 §4.2)."""
        txn, self._txn = self._txn, None
        self._answer_end(reply, reason, verb, len(txn.recipients) if txn is not None else 0)

    def _answer_end(self, reply: ServerReply, reason: str, verb: str, recipients: int) -> None:
        for _ in range(recipients if self.policy.lmtp and recipients else 1):
            self.send(reply, reason, verb=verb)

    def _accept(self, content: bytes | bytearray, verb: str, *, eight_bit: bool) -> None:
        # One copy only: the trace headers and the content are joined straight into the message's bytes.
        txn = self._txn
        assert txn is not None
        self._txn = None
        verdict = self._check_message(txn, content)
        if verdict is not None and verdict.reply is not None:
            self._answer_end(verdict.reply, verdict.reason, verb, len(txn.recipients))
            return
        if verdict is not None:
            content = verdict.headers + content
        queue_id, now = self._new_id(), self.clock()
        protocol = rules.with_protocol(self, utf8="SMTPUTF8" in txn.params)
        envelope = Envelope(txn.sender, tuple(txn.recipients), dict(txn.params), dict(txn.rcpt_params))
        trace = rules.trace_headers(self, envelope, queue_id, protocol, rules.rfc5322_date(now))
        message = Message(
            queue_id, envelope, trace + content, self.helo or "", self.peer, self.tls, self.authenticated, now, protocol
        )
        note = verdict.reason if verdict is not None else None
        if self.deliver_later or self._deliver is None:
            self._delivering = message, verb, eight_bit, note
            self._out.append(Deliver(message, self._deliver))  # the transport stores it, then calls delivery_done
            return
        try:
            self._deliver(message)
        except DeliveryError as error:
            self._delivered(message, verb, eight_bit, str(error), note)
            return
        self._delivered(message, verb, eight_bit, None, note)

    def _delivered(self, message: Message, verb: str, eight_bit: bool, error: str | None, note: str | None) -> None:
        if error is not None:
            reason = f"the message could not be stored: {error}"
            self._answer_end(R.LOCAL_ERROR, reason, verb, len(message.envelope.recipients))
            return
        envelope = message.envelope
        self._errors = 0  # Postfix counts errors "without delivering mail"
        self._out.append(MessageAccepted(message))
        if self.policy.lmtp:
            # RFC 2033 §4.2: one reply for every recipient RCPT accepted, in that order.
            for address in envelope.recipients:
                self.send(
                    R.DELIVERED.format(address=address, queue_id=message.queue_id),
                    f"LMTP: delivered to <{address}> (one reply per recipient, RFC 2033 §4.2)",
                    verb=verb,
                )
            return
        reason = f"message accepted for {len(envelope.recipients)} recipient(s) and captured in the sandbox"
        if note:
            reason += f"; {note}"
        if eight_bit and envelope.mail_params.get("BODY") in (None, "7BIT") and verb == "DATA":
            reason += "; note: it holds 8-bit octets but MAIL did not say BODY=8BITMIME"
        self.send(R.QUEUED.format(queue_id=message.queue_id), reason, verb=verb)

    def _check_message(self, txn: _Transaction, content: bytes | bytearray) -> MessageVerdict | None:
        check = self.policy.message_check
        if check is None:
            return None  # no copy of the content unless a check (the authentication lab) reads it
        return check(MessageCheckInput(self.peer, self.helo or "", txn.sender, tuple(txn.recipients), bytes(content)))

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
    "HELO": lambda server, argument: server._greeting_command("HELO", argument),
    "EHLO": lambda server, argument: server._greeting_command("EHLO", argument),
    "LHLO": lambda server, argument: server._greeting_command("LHLO", argument),
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
