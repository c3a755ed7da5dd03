"""The sandbox's clock and queue-id hooks: every session's machine stamps messages with them, so a test (or a
screenshot) can pin what would otherwise change from run to run."""

from __future__ import annotations

import asyncio
import itertools
import smtplib
import time
from pathlib import Path

from smtpshell.net.sandbox import Sandbox, SandboxThread
from tests.net.wire import WireClient

FIXED = 1_714_555_800.0  # Wed, 01 May 2024 09:30:00 +0000


def send_one(client: WireClient, body: str) -> tuple[int, list[str]]:
    assert client.command("MAIL FROM:<alice@sandbox.test>")[0] == 250
    assert client.command("RCPT TO:<bob@sandbox.test>")[0] == 250
    assert client.command("DATA")[0] == 354
    client.send(f"Subject: {body}\r\n\r\n{body}\r\n.\r\n".encode())
    return client.reply()


def test_messages_carry_the_given_clock_and_queue_ids_in_every_session(smtpshell_home: Path) -> None:
    ids = (f"Q{n:04d}" for n in itertools.count(1))
    with SandboxThread(data_dir=smtpshell_home, clock=lambda: FIXED, new_id=lambda: next(ids)) as sandbox:
        replies = []
        for session in range(2):  # each connection gets its own machine: the hook must reach every one
            client = WireClient(sandbox.port)
            try:
                assert client.reply()[0] == 220
                assert client.command("EHLO client.example")[0] == 250
                replies.append(send_one(client, f"session {session}"))
            finally:
                client.close()
        messages = sandbox.store.messages()
    assert [code for code, _ in replies] == [250, 250]
    assert [lines[-1] for _, lines in replies] == ["2.0.0 Ok: queued as Q0001", "2.0.0 Ok: queued as Q0002"]
    assert [m.queue_id for m in messages] == ["Q0001", "Q0002"]
    assert all(m.received_at == FIXED for m in messages)
    for message in messages:
        received = message.content.split(b"\r\n\r\n", 1)[0].decode()
        assert "Wed, 01 May 2024 09:30:00 +0000" in received
        assert f"id {message.queue_id}" in received


async def test_without_hooks_the_sandbox_uses_the_real_clock_and_fresh_ids(smtpshell_home: Path) -> None:
    sandbox = Sandbox(data_dir=smtpshell_home)
    await sandbox.start()
    try:
        port = sandbox.port

        def talk() -> None:
            with smtplib.SMTP("127.0.0.1", port) as client:
                for n in range(2):
                    client.sendmail("alice@sandbox.test", ["bob@sandbox.test"], f"Subject: {n}\r\n\r\nhi\r\n")

        before = time.time()
        await asyncio.to_thread(talk)
        after = time.time()
    finally:
        await sandbox.stop()
    first, second = sandbox.store.messages()
    assert first.queue_id != second.queue_id
    assert before <= first.received_at <= second.received_at <= after
