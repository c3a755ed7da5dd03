"""Whatever text goes into a sandbox reply (a lesson's mailbox full name, a host name, a reason), the reply stays
one reply: a CR or LF inside its text is written escaped, never as a line end that forges a second reply, and no
control character reaches a telnet user's terminal raw. Real sockets, the sandbox on its thread."""

from __future__ import annotations

import socket
from pathlib import Path

from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import Reply


def read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end):
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    return data


def test_a_mailbox_full_name_with_a_line_break_cannot_forge_a_reply(smtpshell_home: Path) -> None:
    policy = SandboxPolicy()
    policy.mailboxes["eve"] = "Eve\r\n250 forged\x1b[2J"
    with (
        SandboxThread(policy, data_dir=smtpshell_home) as sandbox,
        socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock,
    ):
        read_until(sock, b"\r\n")
        sock.sendall(b"EHLO me.example\r\n")
        read_until(sock, b"250 HELP\r\n")
        sock.sendall(b"VRFY eve\r\nNOOP\r\n")
        answer = read_until(sock, b" Ok\r\n")
    lines = answer.split(b"\r\n")
    vrfy = next(line for line in lines if b"eve@sandbox.test" in line)
    assert vrfy.startswith(b"250 ") and b"\\x0d\\x0a250 forged\\x1b[2J" in vrfy
    assert not any(line.startswith(b"250 forged") for line in lines)
    assert b"\x1b" not in answer


def test_reply_bytes_escape_controls_and_keep_ordinary_text() -> None:
    assert Reply.make(250, "Ünïcode ok\twith tab").to_bytes() == "250 Ünïcode ok\twith tab\r\n".encode()
    assert Reply.make(550, ["a\nb", "c\rd"]).to_bytes() == b"550-a\\x0ab\r\n550 c\\x0dd\r\n"
