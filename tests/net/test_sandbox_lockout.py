"""No lock-out: one client address holds only a share of the places, and a client that sends a line or a message
one octet at a time is cut off by a deadline, even though each octet restarts the idle timer."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.explain import knowledge
from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.server_log import SendReply, SessionClosed
from smtpshell.proto.policy import SandboxPolicy
from tests.net.test_sandbox_transport import SessionEnds
from tests.net.wire import WireClient

NEIGHBOUR = "127.0.0.2"  # another client address on loopback (all of 127.0.0.0/8 is local on Linux)

# An event loop may run a timer up to a clock tick early (uvloop keeps time in milliseconds), so a deadline is
# checked against its figure less that tick.
TIMER_SLACK = 0.02


def _loopback_alias_works() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind((NEIGHBOUR, 0))
    except OSError:
        return False
    return True


needs_alias = pytest.mark.skipif(not _loopback_alias_works(), reason=f"cannot bind {NEIGHBOUR} on this system")


@needs_alias
def test_a_hundred_idle_connections_from_one_address_do_not_lock_another_out(smtpshell_home: Path) -> None:
    with SandboxThread(data_dir=smtpshell_home) as sandbox:  # the defaults: 100 in all, 10 per address
        ends = SessionEnds(sandbox)
        idle: list[WireClient] = []
        try:
            replies = []
            for _ in range(100):
                client = WireClient(sandbox.port, source=NEIGHBOUR)
                idle.append(client)
                replies.append(client.reply())
            greeted = [code for code, _ in replies if code == 220]
            refused = [lines for code, lines in replies if code == 421]
            assert len(greeted) == 10 and len(refused) == 90
            assert refused[0][0].startswith("4.7.0 ") and f"too many connections from {NEIGHBOUR}" in refused[0][0]
            pattern = knowledge.match_pattern(refused[0][0])
            assert pattern is not None and pattern.id == "rate-limit"
            ends.wait_for(90)  # every refused one was closed by the server
            started = time.monotonic()
            newcomer = WireClient(sandbox.port, timeout=5)
            assert newcomer.reply()[0] == 220
            assert time.monotonic() - started < 5
            assert newcomer.command("NOOP")[0] == 250
            newcomer.close()
        finally:
            for client in idle:
                client.close()


@needs_alias
def test_the_per_address_limit_is_configurable_and_a_freed_place_can_be_taken(smtpshell_home: Path) -> None:
    with SandboxThread(max_per_address=2, data_dir=smtpshell_home) as sandbox:
        ends = SessionEnds(sandbox)
        first, second = WireClient(sandbox.port, source=NEIGHBOUR), WireClient(sandbox.port, source=NEIGHBOUR)
        try:
            assert first.reply()[0] == 220 and second.reply()[0] == 220
            third = WireClient(sandbox.port, source=NEIGHBOUR)
            assert third.reply()[0] == 421 and third.at_eof()
            third.close()
            ends.wait_for(1)
            reasons = [e.item.reason for e in sandbox.log.entries() if isinstance(e.item, SendReply)]
            assert any("--max-per-address" in reason for reason in reasons)
            first.command("QUIT")
            first.close()
            ends.wait_for(2)
            again = WireClient(sandbox.port, source=NEIGHBOUR)
            assert again.reply()[0] == 220
            again.close()
        finally:
            first.close()
            second.close()


def _dribble(client: WireClient, data: bytes, give_up: float) -> tuple[int, list[str], float]:
    """Send ``data`` one octet at a time, waiting up to 20 ms for the server between octets (never idle long);
    return the reply that interrupts it, and when it came."""
    started = time.monotonic()
    client.sock.settimeout(0.02)
    for octet in data:
        try:
            client.sock.sendall(bytes([octet]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = client.sock.recv(4096)
        except TimeoutError:
            assert time.monotonic() - started < give_up, "the dribbler was never cut off"
            continue
        client.buffer += chunk
        break
    client.sock.settimeout(10)
    code, lines = client.reply()
    return code, lines, time.monotonic() - started


@pytest.fixture
def strict(smtpshell_home: Path) -> Iterator[SandboxThread]:
    # Idle timers far longer than the deadlines: only a deadline can end these sessions.
    policy = SandboxPolicy(command_timeout=60, data_timeout=60, command_deadline=0.6, message_deadline=0.8)
    with SandboxThread(policy, data_dir=smtpshell_home) as sandbox:
        yield sandbox


def test_a_command_line_dribbled_one_octet_at_a_time_meets_its_deadline(strict: SandboxThread) -> None:
    ends = SessionEnds(strict)
    client = WireClient(strict.port)
    client.reply()
    assert client.command("EHLO client.example")[0] == 250
    code, lines, took = _dribble(client, b"NOOP " + b"x" * 500 + b"\r\n", give_up=10)
    assert code == 421 and lines[0].startswith("4.4.2 ") and "command line took too long" in lines[0]
    pattern = knowledge.match_pattern(lines[0])
    assert pattern is not None and pattern.id == "deadline"  # the shell explains it
    assert 0.6 - TIMER_SLACK <= took < 10  # the deadline runs from the first octet, sent after the clock started here
    assert client.at_eof()
    client.close()
    ends.wait_for(1)
    closed = [e.item for e in strict.log.entries() if isinstance(e.item, SessionClosed)]
    assert closed[0].reason == "deadline passed"


def test_a_message_dribbled_one_octet_at_a_time_meets_its_deadline(strict: SandboxThread) -> None:
    client = WireClient(strict.port)
    client.reply()
    for line in ("EHLO client.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"):
        assert client.command(line)[0] == 250
    started = time.monotonic()  # before the 354, when the message's deadline starts
    assert client.command("DATA")[0] == 354
    code, lines, _ = _dribble(client, b"Subject: slow\r\n\r\n" + b"line\r\n" * 500, give_up=10)
    assert code == 421 and "message took too long" in lines[0]
    assert 0.8 - TIMER_SLACK <= time.monotonic() - started < 10
    assert strict.store.messages() == []
    client.close()


def test_a_bdat_message_has_the_same_deadline_across_its_chunks(strict: SandboxThread) -> None:
    client = WireClient(strict.port)
    client.reply()
    for line in ("EHLO client.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"):
        assert client.command(line)[0] == 250
    started = time.monotonic()
    code = 250
    while code == 250:  # small chunks, each answered at once: no single line or chunk is slow
        assert time.monotonic() - started < 10, "the chunked message was never cut off"
        client.send(b"BDAT 1\r\nx")
        code, lines = client.reply()
    assert code == 421 and "message took too long" in lines[0]
    assert time.monotonic() - started >= 0.8 - TIMER_SLACK
    client.close()


def test_a_slow_but_steady_session_is_not_cut_off(strict: SandboxThread) -> None:
    client = WireClient(strict.port)
    client.reply()
    started = time.monotonic()
    while time.monotonic() - started < 1.5:  # longer than both deadlines, but every line is quick
        assert client.command("NOOP")[0] == 250
    client.close()


def test_a_client_that_never_reads_its_replies_is_cut_off_and_its_place_freed(smtpshell_home: Path) -> None:
    policy = SandboxPolicy(command_timeout=0.3)
    with SandboxThread(policy, data_dir=smtpshell_home) as sandbox:
        sandbox.sandbox.close_grace = 0.5
        ends = SessionEnds(sandbox)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        sock.connect(("127.0.0.1", sandbox.port))
        try:
            sock.setblocking(False)
            flood = b"HELP\r\n" * 1000  # each answered with a few hundred octets that are never read
            started = time.monotonic()
            while True:  # until the server stops reading (its replies pile up): then its sends block too
                assert time.monotonic() - started < 30, "the server never stopped reading"
                try:
                    sock.send(flood)
                except BlockingIOError:
                    _, writable, _ = select.select([], [sock], [], 1.0)
                    if not writable:
                        break
                except (ConnectionResetError, BrokenPipeError):
                    break  # already cut off while still flooding
            ends.wait_for(1)  # timed out (421 queued, never read), then cut off after the grace
            closed = [e.item for e in sandbox.log.entries() if isinstance(e.item, SessionClosed)]
            assert "did not read its replies" in closed[0].reason
            assert sandbox.sandbox.active_sessions == 0
        finally:
            sock.close()
