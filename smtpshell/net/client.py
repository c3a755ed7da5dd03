"""One SMTP client connection over asyncio: send lines exactly as given, read whole replies, upgrade to TLS.

Rules: a line is sent as given plus CRLF, and a bare CR, LF or NUL inside it is refused unless raw (command
injection); each reply gets the RFC 5321 §4.5.3.2 timeout of the command it answers; at STARTTLS everything the
server sent after its 220 is thrown away unread (RFC 3207 §6, response injection), and counted. A reply that
comes when no command is outstanding is unsolicited: it is set aside (take_unsolicited), never taken for the
answer to the next command; and past UNSOLICITED_LIMIT octets of them the connection is closed (a flood).

The connection owns its receive buffer (a small asyncio.Protocol, not a StreamReader) because throwing away
what arrived in plaintext before the TLS handshake needs exactly that buffer, and a StreamReader's is private.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Callable
from typing import cast

from smtpshell.net.addresses import format_address
from smtpshell.net.client_errors import (
    BadReply,
    ClientError,
    ConnectFailed,
    ConnectionDropped,
    Flooded,
    ServerSilent,
    TLSFailed,
    connect_failed,
    flooded,
)
from smtpshell.net.tls_info import (
    TLSDetails,
    TLSSettings,
    check_peer_name,
    client_context,
    details_from,
    explain_cafile_error,
    explain_handshake_error,
)
from smtpshell.proto.client_state import DATA_END, GREETING
from smtpshell.proto.errors import LocalProtocolError, RemoteProtocolError
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.replies import Reply
from smtpshell.proto.reply_parser import MAX_REPLY_LINE, ReplyParser
from smtpshell.proto.timeouts import DATA_BLOCK_TIMEOUT, ClientTimeout, reply_timeout

__all__ = [
    "BadReply",
    "ClientConnection",
    "ClientError",
    "ConnectFailed",
    "ConnectionDropped",
    "Flooded",
    "ServerSilent",
    "TLSDetails",
    "TLSFailed",
    "TLSSettings",
    "check_line",
    "split_host_port",
]

_FORBIDDEN = {"\r": "a carriage return (CR, \\r)", "\n": "a line feed (LF, \\n)", "\0": "a NUL octet (\\0)"}
_CLOSE_WAIT = 2.0  # seconds close() waits for the server to see the connection go before aborting it
# Octets a server may send while no reply is awaited. A real one sends at most a 421 line before closing; this
# leaves room for a chatty one and still bounds what a flooding one can make the shell hold.
UNSOLICITED_LIMIT = 64 * 1024


def check_line(line: str) -> None:
    """Refuse a command line that would not be one line on the wire (RFC 5321 §2.3.8: CRLF ends a line)."""
    for position, char in enumerate(line):
        if char in _FORBIDDEN:
            raise LocalProtocolError(
                f"the line holds {_FORBIDDEN[char]} at position {position + 1}; SMTP ends a command only with "
                "CRLF, so the server could read the rest as a second command (command injection). Nothing was "
                "sent; send it in raw mode to do this on purpose."
            )


def split_host_port(text: str, default_port: int = 25) -> tuple[str, int]:
    """``host``, ``host:587``, ``[::1]:25``, ``[::1]`` or a bare ``::1`` -> (host, port); ValueError if not."""
    text = text.strip()
    host, port_text = text, ""
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: an IPv6 address goes in brackets, as in [::1]:25")
        host, port_text = inside, rest[1:]
        if rest == ":":
            raise ValueError(f"{text!r}: the port is missing after the colon")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        if not port_text:
            raise ValueError(f"{text!r}: the port is missing after the colon")
    elif text.count(":") > 1:
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError(f"{text!r}: write an IPv6 address with a port as [address]:port") from None
    if not host:
        raise ValueError(f"{text!r}: the host name is missing")
    if not port_text:
        return host, default_port
    if not is_ascii_digits(port_text) or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
    return host, int(port_text)


class _Receiver(asyncio.Protocol):
    """Collects what the server sends until the connection takes it; also the write flow control."""

    def __init__(self, limit: int = UNSOLICITED_LIMIT) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.awaiting = True  # a reply is awaited (the greeting first); else every octet that comes is unasked
        self.unasked = 0  # octets received since the last reply awaited was read
        self.limit = limit
        self.overflow = 0  # the unasked octets that made the connection close, once it happened
        self.peak = 0  # the most this receiver ever held: bounded by the limit plus one read while idle
        self.arrived = asyncio.Event()  # something came or changed: for a watcher, beside the reader's own wait
        self.closed = False  # the server closed, or the connection broke
        self.close_error: BaseException | None = None
        self.gone = asyncio.Event()  # connection_lost happened
        self.ended = asyncio.Event()  # the server sent EOF, or the connection is lost: nothing more will come
        self._waiter: asyncio.Future[None] | None = None
        self._writable = asyncio.Event()
        self._writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.overflow:
            return  # closing already: nothing more is kept
        self.buffer += data
        self.peak = max(self.peak, len(self.buffer))
        if not self.awaiting:
            self.unasked += len(data)
            self.check_limit()
        self._wake()

    def check_limit(self) -> None:
        """Close the connection once the server has sent more than ``limit`` octets nobody asked for."""
        if self.awaiting or self.unasked <= self.limit or self.overflow:
            return
        self.overflow = self.unasked
        self.buffer.clear()
        if self.transport is not None:
            self.transport.abort()

    def eof_received(self) -> bool:
        self.closed = True
        self.ended.set()
        self._wake()
        return False  # close our side too: an SMTP server that stops sending is finished

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.close_error = self.close_error or exc
        self.gone.set()
        self.ended.set()
        self._writable.set()
        self._wake()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def wait_for_data(self) -> None:
        while not self.buffer and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def writable(self) -> None:
        await self._writable.wait()

    def _wake(self) -> None:
        self.arrived.set()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class ClientConnection:
    """An open connection to an SMTP server. Every ClientError from reading leaves the connection closed."""

    def __init__(
        self,
        transport: asyncio.Transport,
        receiver: _Receiver,
        host: str,
        port: int,
        *,
        connect_timeout: float,
        reply_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._receiver = receiver
        self.host = host
        self.port = port
        self.tls: TLSDetails | None = None
        self.local_address = format_address(transport.get_extra_info("sockname"))
        self.peer_address = format_address(transport.get_extra_info("peername"))
        self._connect_timeout = connect_timeout
        self._reply_timeout = reply_timeout  # overrides the RFC's per-command figures when set
        self._parser = ReplyParser()
        self._raw = bytearray()  # received, not yet fed to the parser
        self._partial = bytearray()  # the lines of the reply being read, as received
        self._awaiting = GREETING  # what the next reply answers, for its timeout
        self._outstanding = 1  # replies awaited: the greeting, then one per command sent
        self._unsolicited: list[Reply] = []  # replies that came when none was awaited, set aside
        self.unsolicited_dropped = 0  # octets of unfinished unsolicited replies thrown away when a command went
        self._aborted = False

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        implicit_tls: TLSSettings | None = None,
        timeout: float = 30,
        reply_timeout: float | None = None,
        preamble: Callable[[str, str], bytes] | None = None,
    ) -> ClientConnection:
        """Connect (and with ``implicit_tls``, complete the TLS handshake); the greeting is left to read_reply.

        ``timeout`` bounds the TCP connection and the TLS handshake; ``reply_timeout``, when given, replaces
        the RFC 5321 per-command waits (a probe does not wait five minutes for a banner). ``preamble``, given
        the local and peer addresses, returns octets to send first, before any TLS (a PROXY protocol header).
        """
        loop = asyncio.get_running_loop()
        context = _context(implicit_tls, host) if implicit_tls is not None else None
        try:
            transport, receiver = await asyncio.wait_for(
                loop.create_connection(_Receiver, host, port, happy_eyeballs_delay=0.25), timeout
            )
        except (OSError, UnicodeError, TimeoutError) as error:
            raise connect_failed(host, port, error, timeout) from error
        connection = cls(transport, receiver, host, port, connect_timeout=timeout, reply_timeout=reply_timeout)
        if preamble is not None:
            transport.write(preamble(connection.local_address, connection.peer_address))
        if implicit_tls is not None and context is not None:
            connection.tls = await connection._handshake(context, implicit_tls, discarded=0, implicit=True)
        return connection

    @property
    def closed(self) -> bool:
        return self._aborted or self._receiver.closed

    @property
    def reset_by_peer(self) -> bool:
        """The connection ended with a reset (RST) rather than an orderly close."""
        return isinstance(self._receiver.close_error, ConnectionResetError)

    @property
    def ended(self) -> bool:
        """Nothing more will come: the server closed or reset the connection, or it was closed here."""
        return self._receiver.ended.is_set()

    async def hung_up(self) -> None:
        """Return once the connection has ended: the server closed it (EOF) or reset it, or it was closed here.

        What the server sent before hanging up (a last 421, say) is still there for read_reply, which returns it
        at once and then raises ConnectionDropped: a closed connection never waits.
        """
        await self._receiver.ended.wait()

    def waiting_for(self) -> ClientTimeout:
        """The RFC 5321 §4.5.3.2 row for the reply expected next."""
        return reply_timeout(self._awaiting)

    def reply_timeout_seconds(self) -> float:
        return self._reply_timeout if self._reply_timeout is not None else self.waiting_for().seconds

    @property
    def overflow(self) -> int:
        """The octets nobody asked for that made this connection close (0: it did not happen)."""
        return self._receiver.overflow

    @property
    def peak_buffered(self) -> int:
        return self._receiver.peak

    def flood_error(self) -> Flooded:
        return flooded(self._receiver.overflow, self._receiver.limit)

    def expect_more_replies(self, count: int) -> None:
        """``count`` more replies answer what was just sent: LMTP's one per recipient after the data (RFC 2033)."""
        if count > 0:
            self._outstanding += count
            self._receiver.awaiting = True

    def take_unsolicited(self) -> list[Reply]:
        """The replies that came when no command was outstanding, oldest first; they answer nothing."""
        if self._outstanding == 0 and not self.closed:
            self._set_aside(drop_partial=False)
        replies, self._unsolicited = self._unsolicited, []
        return replies

    async def unsolicited_or_end(self) -> None:
        """Return once something came that nobody asked for (see take_unsolicited), or the connection ended."""
        receiver = self._receiver
        while not receiver.ended.is_set():
            if self._unsolicited or (self._outstanding == 0 and (self._raw or receiver.buffer)):
                return
            receiver.arrived.clear()
            await receiver.arrived.wait()

    async def read_reply(self, timeout: float | None = None) -> Reply:
        """The next whole reply (all lines of a multi-line one)."""
        limit = timeout if timeout is not None else self.reply_timeout_seconds()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            reply = self._next_reply()
            if reply is not None:
                self._answered()
                return reply
            if self._receiver.closed:
                raise self._dropped()
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(self._receiver.wait_for_data(), remaining)
            except TimeoutError:
                raise self._silent(limit) from None

    async def send_line(self, line: str, *, raw: bool = False) -> bytes:
        """Send ``line`` + CRLF; returns the octets sent. LocalProtocolError for CR, LF or NUL unless raw."""
        if not raw:
            check_line(line)
        data = line.encode("utf-8", "surrogateescape") + b"\r\n"
        self._expect_reply()
        await self._write(data)
        self._awaiting = line
        return data

    async def send_bytes(self, data: bytes) -> None:
        """Send octets as they are (a message after 354, a BDAT command with its chunk)."""
        bdat = data[:5].upper() == b"BDAT "
        end = data.endswith(b"\r\n.\r\n") or data == b".\r\n"
        if bdat or end:
            self._expect_reply()
        await self._write(data)
        if bdat:
            self._awaiting = "BDAT"
        elif end:
            self._awaiting = DATA_END

    async def starttls(self, settings: TLSSettings) -> TLSDetails:
        """Upgrade this connection after the server's 220 to STARTTLS; the caller must send EHLO again."""
        if self.tls is not None:
            raise LocalProtocolError("this connection already uses TLS; STARTTLS cannot be repeated")
        context = _context(settings, self.host)
        discarded = self._discard_plaintext()
        self.tls = await self._handshake(context, settings, discarded=discarded, implicit=False)
        return self.tls

    async def close(self) -> None:
        """Close the connection (without QUIT: send it first if you want a polite goodbye)."""
        if not self._receiver.gone.is_set():
            self._transport.close()
            try:
                await asyncio.wait_for(self._receiver.gone.wait(), _CLOSE_WAIT)
            except TimeoutError:
                self._transport.abort()
        self._aborted = True

    def abort(self) -> None:
        self._aborted = True
        self._transport.abort()

    # -- internals ---------------------------------------------------------------------------------------

    def _expect_reply(self) -> None:
        """A command goes out: whatever came before it answers nothing, and one more reply is awaited."""
        if self._outstanding == 0:
            self._set_aside(drop_partial=True)
        self._outstanding += 1
        self._receiver.awaiting = True
        self._receiver.unasked = 0

    def _answered(self) -> None:
        """An awaited reply was read; when none is awaited any more, what is left over came unasked."""
        self._outstanding = max(0, self._outstanding - 1)
        if self._outstanding == 0:
            receiver = self._receiver
            receiver.awaiting = False
            receiver.unasked = len(self._raw) + len(receiver.buffer) + self._parser.buffered
            receiver.check_limit()
            receiver.arrived.set()

    def _set_aside(self, *, drop_partial: bool) -> None:
        """Parse every complete reply received so far as unsolicited; with ``drop_partial``, throw away the start
        of an unfinished one too, so that it cannot be glued to the answer of the command about to go out."""
        while (reply := self._next_reply()) is not None:
            self._unsolicited.append(reply)
        if drop_partial and self._partial:
            self.unsolicited_dropped += len(self._partial)
            self._partial.clear()
            self._parser.discard()

    def _next_reply(self) -> Reply | None:
        """Feed the parser one line at a time, so octets after a complete reply stay unparsed in _raw."""
        if self._receiver.buffer:
            self._raw += self._receiver.buffer
            self._receiver.buffer.clear()
        while True:
            end = self._raw.find(b"\n")
            chunk = bytes(self._raw[: end + 1]) if end >= 0 else bytes(self._raw)
            del self._raw[: len(chunk)]
            if not chunk:
                return None
            self._partial += chunk
            try:
                replies = self._parser.feed(chunk)
            except RemoteProtocolError as error:
                raise self._bad_reply(error) from None
            if replies:
                self._partial.clear()
                return replies[0]
            if end < 0:
                return None

    def _discard_plaintext(self) -> int:
        """Drop everything received after the 220; must run right before the handshake, with no await between."""
        # Nothing of it is parsed: a reply that arrived before the handshake cannot be believed after it.
        dropped = len(self._raw) + len(self._receiver.buffer) + len(self._partial)
        dropped += sum(len(line) + 6 for reply in self._unsolicited for line in reply.lines)  # code, sep, CRLF
        self._unsolicited.clear()
        self._raw.clear()
        self._receiver.buffer.clear()
        self._partial.clear()
        self._parser.discard()
        return dropped

    async def _handshake(
        self, context: ssl.SSLContext, settings: TLSSettings, *, discarded: int, implicit: bool
    ) -> TLSDetails:
        loop = asyncio.get_running_loop()
        hostname = settings.server_hostname or self.host
        try:
            transport = await loop.start_tls(
                self._transport,
                self._receiver,
                context,
                server_hostname=settings.sni_for(hostname),
                ssl_handshake_timeout=self._connect_timeout,
            )
            if transport is not None:
                check_peer_name(transport.get_extra_info("ssl_object"), settings, hostname)
        except (OSError, ssl.SSLError, EOFError, TimeoutError) as error:
            self.abort()
            problem = explain_handshake_error(error, hostname, self._connect_timeout, cafile=settings.cafile)
            raise TLSFailed(problem.headline, problem.advice, kind=problem.kind, detail=str(error)) from error
        if transport is None:
            self.abort()
            raise ConnectionDropped("The server closed the connection during the TLS handshake")
        self._transport = transport
        self._receiver.transport = self._transport
        ssl_object = self._transport.get_extra_info("ssl_object")
        return details_from(
            ssl_object,
            verified=settings.verify,
            discarded=discarded,
            server_hostname=hostname,
            implicit=implicit,
            sni=settings.sni_for(hostname),
        )

    async def _write(self, data: bytes) -> None:
        if self._receiver.overflow:
            raise self.flood_error()
        if self.closed:
            raise ConnectionDropped(
                "The connection is closed; nothing was sent",
                "The server hung up earlier (or the shell closed the connection). Connect again to go on.",
            )
        self._transport.write(data)
        limit = self._reply_timeout if self._reply_timeout is not None else DATA_BLOCK_TIMEOUT.seconds
        try:
            await asyncio.wait_for(self._receiver.writable(), limit)
        except TimeoutError:
            self.abort()
            raise ServerSilent(
                f"The server took none of the data for {limit:g} s",
                f"{DATA_BLOCK_TIMEOUT.section} gives each block of data {DATA_BLOCK_TIMEOUT.seconds:g} s. The "
                "connection is closed.",
                waited=limit,
                waiting_for=DATA_BLOCK_TIMEOUT.waiting_for,
            ) from None

    def _dropped(self) -> ConnectionDropped:
        if self._receiver.overflow:
            self.abort()
            self._raw.clear()
            return self.flood_error()
        partial = bytes(self._partial)
        how = "reset the connection" if self.reset_by_peer else "closed the connection"
        self.abort()
        if partial:
            shown = partial.decode("utf-8", "replace").rstrip("\r\n").replace("\r\n", " | ")
            return ConnectionDropped(
                f"The server {how} in the middle of a reply",
                "Only part of the reply arrived, so the command's outcome is unknown: a message you were "
                "sending may or may not have been accepted. Connect again to go on.",
                partial=partial,
                detail=f"received before it {how.split()[0]}: {shown}",
            )
        return ConnectionDropped(
            f"The server {how} without a reply",
            "Servers hang up on clients they distrust (a listed address, too many errors), after an idle "
            "time, or after QUIT. Connect again to go on.",
        )

    def _silent(self, waited: float) -> ServerSilent:
        row = self.waiting_for()
        self.abort()
        advice = (
            f"{row.section} gives a client {row.seconds / 60:g} minutes for {row.waiting_for}: {row.why}. "
            "The connection is closed now, since a late reply would be taken for the answer to the next "
            "command."
        )
        if self._awaiting == GREETING and self.tls is None:
            advice += " If this port expects TLS from the first byte (usually 465), connect with --tls."
        return ServerSilent(
            f"The server said nothing for {waited:g} s while waiting for {row.waiting_for}",
            advice,
            waited=waited,
            waiting_for=row.waiting_for,
        )

    def _bad_reply(self, error: RemoteProtocolError) -> BadReply:
        self.abort()
        too_long = max(len(line) for line in self._partial.split(b"\n")) > MAX_REPLY_LINE
        shown = bytes(self._partial[:120]).decode("utf-8", "replace").rstrip("\r\n")
        return BadReply(
            f"The server's answer is not a valid SMTP reply: {error}",
            "An SMTP reply is a three-digit code, a space or hyphen, and text, on lines ending in CRLF. "
            "This may not be an SMTP server at all (check the port), or it is broken. The connection is "
            "closed now, since nothing after this could be trusted.",
            kind="too-long" if too_long else "garbage",
            detail=shown,
        )


def _context(settings: TLSSettings, host: str) -> ssl.SSLContext:
    try:
        return client_context(settings, settings.server_hostname or host)
    except (OSError, ssl.SSLError) as error:
        problem = explain_cafile_error(settings.cafile or "?", error)
        raise TLSFailed(problem.headline, problem.advice, kind=problem.kind, detail=str(error)) from error
