"""A minimal blocking SMTP client for tests that need exact control over the bytes on the wire.

It only frames replies (RFC 5321 §4.2); it shares no code with smtpshell, so it can catch smtpshell's mistakes.
"""

from __future__ import annotations

import re
import socket
import ssl

_REPLY_LINE = re.compile(rb"^(\d{3})([ -])(.*)$")


class WireClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0, source: str | None = None) -> None:
        """Connect to ``host``; from the local address ``source`` when given (any of 127.0.0.0/8 on loopback)."""
        where = (source, 0) if source is not None else None
        self.sock: socket.socket = socket.create_connection((host, port), timeout=timeout, source_address=where)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    @property
    def local_address(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"{host}:{port}"

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed; unfinished: {self.buffer!r}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def reply(self) -> tuple[int, list[str]]:
        """One whole reply: its code and the text of each line."""
        lines: list[str] = []
        while True:
            match = _REPLY_LINE.match(self._line())
            assert match, "not an SMTP reply line"
            lines.append(match[3].decode())
            if match[2] == b" ":
                return int(match[1]), lines

    def command(self, line: str) -> tuple[int, list[str]]:
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def starttls(self, context: ssl.SSLContext, server_hostname: str = "localhost") -> None:
        """Handshake on this same connection; nothing may be left unread from the plaintext phase."""
        assert self.buffer == b"", f"plaintext left unread before TLS: {self.buffer!r}"
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)

    def at_eof(self) -> bool:
        """True when the server closed the connection (after any bytes still buffered)."""
        if self.buffer:
            return False
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()
