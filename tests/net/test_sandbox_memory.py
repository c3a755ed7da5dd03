"""Memory is bounded by octets: the mailbox lets the oldest messages go past its limit, and a `smtpshell serve`
that took a hundred 10 MiB messages grows by less than 100 MB (its resident size, read from /proc)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from smtpshell.net.mailstore import MailStore
from smtpshell.net.serve_command import main
from tests.net.test_sandbox_mailstore import message
from tests.net.test_sandbox_serve import ServeProcess

MIB = 1024 * 1024


def test_the_mailbox_holds_the_newest_messages_up_to_its_octet_limit(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "Maildir", max_bytes=3 * MIB)
    for queue_id in "ABCDEFG":
        store.add(message(body=b"Subject: big\r\n\r\n" + b"x" * MIB, queue_id=queue_id))
    assert [m.queue_id for m in store.messages()] == ["F", "G"]  # a third would pass 3 MiB with its headers
    assert store.bytes_held <= 3 * MIB
    assert store.accepted == 7 and store.dropped == 5
    assert len(list((tmp_path / "Maildir" / "new").iterdir())) == 7  # the Maildir keeps every one


def test_the_newest_message_stays_even_when_it_alone_is_over_the_limit() -> None:
    store = MailStore(max_bytes=10)
    store.add(message(queue_id="A"))
    store.add(message(queue_id="B"))
    assert [m.queue_id for m in store.messages()] == ["B"]


def test_help_shows_every_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--mailbox-memory", "--max-per-address", "--command-deadline", "--message-deadline"):
        assert flag in out


def _resident(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="resident size is read from /proc (Linux)")
def test_a_hundred_10_mib_messages_grow_the_server_by_less_than_100_mb(tmp_path: Path) -> None:
    serve = ServeProcess(tmp_path / "home")
    try:
        assert "  limits: 100 connections, 10 per client address; mailbox memory 32 MiB (see --help)\n" in serve.banner
        sock = socket.create_connection(("127.0.0.1", serve.port), timeout=60)
        replies = sock.makefile("rb")

        def reply() -> bytes:
            while True:
                line = replies.readline()
                if line[3:4] != b"-":
                    return line

        def send_message(body: bytes) -> None:
            sock.sendall(b"MAIL FROM:<alice@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n")
            assert [reply()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
            sock.sendall(body)
            assert reply().startswith(b"250 ")

        assert reply().startswith(b"220")
        sock.sendall(b"EHLO client.example\r\n")
        reply()
        send_message(b"Subject: warm-up\r\n\r\nsmall\r\n.\r\n")  # everything a session loads is loaded now
        before = _resident(serve.process.pid)
        line = b"x" * 998 + b"\r\n"
        body = b"Subject: big\r\n\r\n" + line * (10 * MIB // len(line) - 1) + b".\r\n"
        assert 10 * MIB - 2000 < len(body) <= 10 * MIB
        for _ in range(100):
            send_message(body)
        grown = _resident(serve.process.pid) - before
        sock.sendall(b"QUIT\r\n")
        assert reply().startswith(b"221")
        sock.close()
    finally:
        serve.process.terminate()
        serve.process.communicate(timeout=30)
    print(f"resident size grew by {grown / MIB:.1f} MiB over 100 messages of 10 MiB", file=sys.stderr)
    assert grown < 100_000_000, f"grew by {grown / MIB:.1f} MiB"
