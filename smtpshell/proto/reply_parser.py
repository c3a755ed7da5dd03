"""Client side: bytes from a server in, complete `Reply` objects out (RFC 5321 §4.2)."""

from __future__ import annotations

import re

from smtpshell.proto.errors import RemoteProtocolError
from smtpshell.proto.replies import EnhancedStatus, Reply

# RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers sometimes send longer texts, so the parser
# tolerates more and only refuses lines that cannot be a sane reply.
MAX_REPLY_LINE = 2048
MAX_REPLY_LINES = 500

_LINE_RE = re.compile(rb"^(\d{3})([ -]?)(.*)$", re.DOTALL)


class ReplyParser:
    """Feed bytes; get every reply completed by them. Partial input is kept until the rest arrives."""

    def __init__(self, max_line: int = MAX_REPLY_LINE) -> None:
        self._buffer = bytearray()
        self._pending: list[str] = []
        self._pending_code: int | None = None
        self._max_line = max_line

    def feed(self, data: bytes) -> list[Reply]:
        """Take ``data`` and return every reply it completes."""
        self.receive(data)
        replies: list[Reply] = []
        while (reply := self.next_reply()) is not None:
            replies.append(reply)
        return replies

    def receive(self, data: bytes) -> None:
        self._buffer += data

    def next_reply(self) -> Reply | None:
        """The next complete reply, or None until more bytes arrive.

        Taking replies one at a time lets a client stop after STARTTLS's 220 and discard whatever followed it.
        """
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self._max_line:
                    raise RemoteProtocolError(
                        f"the server sent a reply line over {self._max_line} octets without ending it "
                        "(RFC 5321 §4.5.3.1.5 allows 512)"
                    )
                return None
            raw = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            if len(raw) > self._max_line:
                raise RemoteProtocolError(
                    f"the server sent a reply line of {len(raw)} octets (RFC 5321 §4.5.3.1.5 allows 512)"
                )
            reply = self._line(raw.rstrip(b"\r\n"))
            if reply is not None:
                return reply

    @property
    def buffered(self) -> int:
        """Octets received but not yet part of a complete reply."""
        return len(self._buffer) + sum(len(line) for line in self._pending)

    def discard(self) -> bytes:
        """Drop everything buffered; used after STARTTLS's 220, so nothing sent in plaintext leaks into TLS."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        self._pending.clear()
        self._pending_code = None
        return dropped

    def _line(self, raw: bytes) -> Reply | None:
        match = _LINE_RE.match(raw)
        if not match or (match[2] == b"" and match[3] != b""):
            shown = raw[:60].decode("utf-8", "replace")
            raise RemoteProtocolError(f"the server sent a line that is not an SMTP reply: {shown!r}")
        code = int(match[1])
        if not 200 <= code <= 599:
            raise RemoteProtocolError(f"the server sent reply code {code}; SMTP codes run from 200 to 599")
        if self._pending_code is not None and code != self._pending_code:
            raise RemoteProtocolError(
                f"a multi-line reply changed its code from {self._pending_code} to {code} (RFC 5321 §4.2.1)"
            )
        text = match[3].decode("utf-8", "surrogateescape")
        self._pending.append(text)
        self._pending_code = code
        if match[2] == b"-":
            if len(self._pending) > MAX_REPLY_LINES:
                raise RemoteProtocolError(f"a multi-line reply ran past {MAX_REPLY_LINES} lines")
            return None
        lines = tuple(self._pending)
        self._pending = []
        self._pending_code = None
        return Reply(code, lines, EnhancedStatus.parse(lines[0]) if code // 100 != 3 else None)
