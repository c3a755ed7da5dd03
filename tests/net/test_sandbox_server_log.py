"""The server log: per-peer entries, subscribers, a bound on its size, and the reply-before-write rule."""

from __future__ import annotations

import os
import socket
import threading

from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.server_log import LogEntry, ServerLog, SessionClosed, SessionOpened
from smtpshell.proto.events import CommandReceived, SendReply
from tests.net.wire import WireClient


def entry(peer: str, line: str, session: int = 1) -> LogEntry:
    return LogEntry(session, peer, 0.0, CommandReceived(line))


def test_entries_can_be_read_for_one_peer() -> None:
    log = ServerLog()
    log.append(entry("127.0.0.1:1000", "EHLO a"))
    log.append(entry("127.0.0.1:2000", "EHLO b", 2))
    log.append(entry("127.0.0.1:1000", "NOOP"))
    assert [e.item for e in log.entries("127.0.0.1:1000")] == [CommandReceived("EHLO a"), CommandReceived("NOOP")]
    assert len(log.entries()) == 3


def test_subscribers_hear_every_entry_until_they_unsubscribe() -> None:
    log = ServerLog()
    heard: list[LogEntry] = []
    unsubscribe = log.subscribe(heard.append)
    log.append(entry("p:1", "NOOP"))
    unsubscribe()
    log.append(entry("p:1", "QUIT"))
    assert [e.item for e in heard] == [CommandReceived("NOOP")]


def test_a_failing_subscriber_does_not_stop_the_log_or_the_others() -> None:
    log = ServerLog()
    heard: list[LogEntry] = []

    def broken(_: LogEntry) -> None:
        raise RuntimeError("subscriber bug")

    log.subscribe(broken)
    log.subscribe(heard.append)
    log.append(entry("p:1", "NOOP"))
    assert len(heard) == 1 and len(log) == 1


def test_the_oldest_entries_go_when_the_log_is_full() -> None:
    log = ServerLog(max_entries=3)
    for i in range(5):
        log.append(entry("p:1", f"NOOP {i}"))
    assert [e.item for e in log.entries()] == [CommandReceived(f"NOOP {i}") for i in (2, 3, 4)]


def test_each_reply_is_logged_before_it_is_written(sandbox: SandboxThread) -> None:
    client = WireClient(sandbox.port)
    # A second handle on the client's socket, to peek at it from the server's thread without blocking.
    peeker = socket.socket(fileno=os.dup(client.sock.fileno()))
    peeker.setblocking(False)
    early: list[bytes] = []

    def check(entry: LogEntry) -> None:
        if entry.peer == client.local_address and isinstance(entry.item, SendReply):
            try:
                early.append(peeker.recv(65536, socket.MSG_PEEK))  # the reply is already there: too late
            except BlockingIOError:
                pass  # nothing has reached the client yet: logged first, as it must be

    try:
        client.reply()
        sandbox.log.subscribe(check)
        client.command("EHLO client.example")
        for _ in range(50):
            code, _ = client.command("NOOP")
            replies = [e.item for e in sandbox.log.entries(client.local_address) if isinstance(e.item, SendReply)]
            assert replies[-1].reply.code == code == 250 and replies[-1].reason
        client.command("QUIT")
    finally:
        peeker.close()
        client.close()
    assert early == []
    assert sum(isinstance(e.item, SendReply) for e in sandbox.log.entries()) == 53


def test_a_session_is_logged_from_open_to_close_under_the_client_address(sandbox: SandboxThread) -> None:
    closed = threading.Event()
    sandbox.log.subscribe(lambda e: closed.set() if isinstance(e.item, SessionClosed) else None)
    client = WireClient(sandbox.port)
    peer = client.local_address
    client.reply()
    client.command("HELO client.example")
    assert client.command("QUIT")[0] == 221
    assert client.at_eof()
    client.close()
    assert closed.wait(10)
    items = [e.item for e in sandbox.log.entries(peer)]
    assert items[0] == SessionOpened(tls=False)
    assert [i.line for i in items if isinstance(i, CommandReceived)] == ["HELO client.example", "QUIT"]
    assert items[-1] == SessionClosed(commands=2, messages=0, reason="client sent QUIT")
    assert {e.session for e in sandbox.log.entries(peer)} == {1}
