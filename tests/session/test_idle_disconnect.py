"""A server that hangs up while the learner is idle: the shell notices at once, records why, and says how to go on."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import UNPROMPTED, ConnectionChange, Exchange, Notice, Record
from smtpshell.session.state_text import status_fields
from smtpshell.session.target import Target
from smtpshell.session.transcript import display_lines, markdown_transcript
from tests.client.peers import scripted_server
from tests.session.helpers import changes, codes, exchanges, notices

WAIT = 10.0  # seconds before a test gives up on a record that should come within milliseconds


def hang_up_seen(engine: ShellEngine) -> asyncio.Event:
    """Set when the engine has told the learner that the server hung up (the last record it emits for that)."""
    event = asyncio.Event()
    previous = engine.on_record

    def seen(record: Record) -> None:
        if previous is not None:
            previous(record)
        if isinstance(record, Notice) and "while you were idle" in record.text:
            event.set()

    engine.on_record = seen
    return event


def after_connect(engine: ShellEngine) -> list[Record]:
    """The records since the last connection was made."""
    starts = [i for i, r in enumerate(engine.records) if isinstance(r, ConnectionChange) and r.event == "connected"]
    return engine.records[starts[-1] :]


def assert_closed(engine: ShellEngine) -> None:
    assert not engine.connected and engine.connection is None
    assert not engine.state.connected and engine.state.closed
    assert dict(status_fields(engine))["connection"] == "disconnected"


async def test_sandbox_idle_timeout_421_is_recorded_explained_and_the_shell_goes_on(smtpshell_home: Path) -> None:
    engine = ShellEngine(policy=SandboxPolicy(command_timeout=0.5), data_dir=smtpshell_home)
    hung_up = hang_up_seen(engine)
    await engine.start()
    try:
        await engine.submit("EHLO me.example")  # after EHLO the sandbox adds enhanced codes (RFC 2034)
        assert engine.state.connected and engine.state.esmtp
        await asyncio.wait_for(hung_up.wait(), WAIT)
        _, _, ehlo, last_word, change, notice = after_connect(engine)
        assert isinstance(ehlo, Exchange) and ehlo.reply is not None and ehlo.reply.code == 250
        assert isinstance(last_word, Exchange) and last_word.reply is not None
        assert last_word.reply.code == 421 and last_word.command == UNPROMPTED and last_word.kind == "greeting"
        assert last_word.explanation is not None
        assert (last_word.explanation.code, last_word.explanation.enhanced) == (421, "4.4.2")
        assert last_word.server_reason and "no command" in last_word.server_reason  # the sandbox's own reason
        assert not last_word.state.connected and last_word.state.closed
        assert isinstance(change, ConnectionChange) and change.event == "disconnected"
        assert "while you were idle" in change.detail
        assert isinstance(notice, Notice) and notice.level == "warning"
        assert "after its 421 reply" in notice.text and "RFC 5321 §4.5.3.2" in notice.detail
        assert "/sandbox" in notice.detail
        assert_closed(engine)
        # How it reads in a plain front end and in a saved transcript: the reply alone, no client line.
        shown = [line.text for line in display_lines(last_word)]
        assert shown[0].startswith("S: 421 4.4.2") and not any(t.startswith("C:") for t in shown)
        assert "## 3. Unsolicited reply (no command asked for it)" in markdown_transcript(engine.records, "sandbox")

        await engine.submit("NOOP")
        assert notices(engine, "error")[-1].text == "Not connected: nothing was sent."
        await engine.submit("/sandbox")
        reconnected = after_connect(engine)
        assert isinstance(reconnected[1], Exchange) and reconnected[1].reply is not None
        assert reconnected[1].reply.code == 220 and engine.state.connected
    finally:
        await engine.close()


async def test_idle_in_the_middle_of_a_message_says_nothing_was_delivered(smtpshell_home: Path) -> None:
    engine = ShellEngine(policy=SandboxPolicy(data_timeout=0.5), data_dir=smtpshell_home)
    hung_up = hang_up_seen(engine)
    await engine.start()
    try:
        for line in ("EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
            await engine.submit(line)
        await engine.submit("Subject: never finished")
        await engine.submit("")
        assert engine.mode == "data"
        await asyncio.wait_for(hung_up.wait(), WAIT)
        notice = notices(engine, "warning")[-1]
        assert "2 message line(s) you had typed were never sent" in notice.detail
        assert codes(engine)[-1] == 421
        assert engine.mode == "command" and engine.prompt == "smtp> " and engine.message_lines == []
        assert engine.mailbox() == []
        assert_closed(engine)
    finally:
        await engine.close()


async def test_a_sandbox_stopped_under_the_shell_is_noticed_and_slash_sandbox_starts_a_new_one(
    smtpshell_home: Path,
) -> None:
    engine = ShellEngine(data_dir=smtpshell_home)
    hung_up = hang_up_seen(engine)
    await engine.start()
    try:
        first = engine.sandbox
        assert first is not None
        await asyncio.to_thread(first.stop)
        await asyncio.wait_for(hung_up.wait(), WAIT)
        last_word = exchanges(engine)[-1]
        assert last_word.command == UNPROMPTED and last_word.reply is not None and last_word.reply.code == 421
        assert_closed(engine)
        await engine.submit("/sandbox")
        assert engine.sandbox is not first and engine.connected and engine.state.connected
        assert codes(engine)[-1] == 220
    finally:
        await engine.close()


def closes_after_greeting(last_words: bytes, close_now: asyncio.Event, *, reset: bool = False) -> Callable[..., object]:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quiet.test ESMTP\r\n")
        await writer.drain()
        await close_now.wait()
        if last_words:
            writer.write(last_words)
            await writer.drain()
        if reset:  # linger 0: closing sends RST instead of FIN
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return script


@pytest.mark.parametrize(
    ("last_words", "reset", "headline", "detail"),
    [
        (b"", False, "The server closed the connection while you were idle, without a word.", "hang up on an idle"),
        (b"", True, "The server reset the connection while you were idle, without a word.", "firewall"),
        (
            b"421 4.3.2 quiet.test shutting down\r\n",
            False,
            "The server closed the connection after its 421 reply, while you were idle.",
            "closing the channel",
        ),
        (
            b"421-4.3.2 quiet.test shutting\r\n",
            False,
            "The server closed the connection while you were idle, without a word.",
            "in the middle of a reply",
        ),
    ],
)
async def test_a_server_that_hangs_up_on_its_own(
    smtpshell_home: Path, last_words: bytes, reset: bool, headline: str, detail: str
) -> None:
    close_now = asyncio.Event()
    async with scripted_server(closes_after_greeting(last_words, close_now, reset=reset)) as port:  # type: ignore[arg-type]
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        hung_up = hang_up_seen(engine)
        await engine.start()
        try:
            assert engine.state.connected
            close_now.set()
            await asyncio.wait_for(hung_up.wait(), WAIT)
            records = after_connect(engine)
            notice = records[-1]
            assert isinstance(notice, Notice) and notice.text == headline and detail in notice.detail
            assert f"/connect 127.0.0.1:{port}" in notice.detail  # the way back to this server
            replies = [r for r in records if isinstance(r, Exchange)]
            assert len(replies) == (2 if last_words.endswith(b" shutting down\r\n") else 1)
            assert replies[-1].reply is not None and replies[-1].explanation is not None
            assert [c.event for c in changes(engine)] == ["connected", "disconnected"]
            assert_closed(engine)
        finally:
            await engine.close()


async def test_a_close_during_a_command_is_reported_once_by_the_command(smtpshell_home: Path) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quiet.test ESMTP\r\n")
        await reader.readline()  # the NOOP: hang up instead of answering

    async with scripted_server(script) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit("NOOP")
            # The idle watch woke too, but the command held the engine: it must not report the close again.
            await engine.submit("/state")
            assert [c.event for c in changes(engine)] == ["connected", "disconnected"]
            assert not [n for n in notices(engine) if "idle" in n.text]
            assert "without a reply" in notices(engine, "error")[-1].text
            assert_closed(engine)
        finally:
            await engine.close()
