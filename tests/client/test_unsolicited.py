"""Replies nobody asked for: recorded as unsolicited, never taken for a later command's answer; a 421 closes the
session even when the socket stays open; a flood is cut off with bounded memory. Misbehaving loopback servers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from smtpshell.net.client import UNSOLICITED_LIMIT
from smtpshell.session.engine import ShellEngine
from smtpshell.session.idle_watch import UNSOLICITED_SHOWN
from smtpshell.session.records import UNPROMPTED, Exchange, Notice, Record
from smtpshell.session.target import Target
from tests.client.peers import scripted_server
from tests.session.helpers import exchanges, notices

WAIT = 20.0  # seconds before a test gives up on something that should come within milliseconds
READ_CHUNK = 256 * 1024  # the most asyncio reads from a socket at once
EHLO_REPLY = b"250-flood.example\r\n250 PIPELINING\r\n"


def record_seen(engine: ShellEngine, condition: Callable[[Record], bool]) -> asyncio.Event:
    event = asyncio.Event()

    def seen(record: Record) -> None:
        if condition(record):
            event.set()

    engine.on_record = seen
    return event


def unsolicited(engine: ShellEngine) -> list[Exchange]:
    return [e for e in exchanges(engine) if e.command == UNPROMPTED]


def answers(engine: ShellEngine) -> dict[str, str]:
    return {e.command: str(e.reply) for e in exchanges(engine) if e.reply is not None and e.command != UNPROMPTED}


async def flood_after_ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers EHLO and, in the same write, three 250s nobody asked for; then answers each command truly."""
    writer.write(b"220 flood.example ESMTP\r\n")
    while line := await reader.readline():
        verb = line.split()[0].upper() if line.split() else b""
        if verb == b"EHLO":
            writer.write(EHLO_REPLY + b"250 unasked one\r\n250 unasked two\r\n250 unasked three\r\n")
        elif verb == b"NOOP":
            writer.write(b"250 2.0.0 the real NOOP answer\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 2.0.0 the real goodbye\r\n")
            await writer.drain()
            return
        else:
            writer.write(b"502 5.5.1 not here\r\n")
        await writer.drain()


async def test_replies_after_ehlo_are_unsolicited_and_answer_no_later_command(smtpshell_home: Path) -> None:
    async with scripted_server(flood_after_ehlo) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        three = record_seen(engine, lambda r: isinstance(r, Exchange) and "three" in str(r.reply))
        await engine.start()
        try:
            await engine.submit("EHLO me.example")
            await asyncio.wait_for(three.wait(), WAIT)  # recorded while the learner is idle
            await engine.submit("NOOP")
            await engine.submit("QUIT")
        finally:
            await engine.close()
    assert [str(e.reply) for e in unsolicited(engine)] == ["250 unasked one", "250 unasked two", "250 unasked three"]
    assert all(e.kind == "greeting" and e.explanation is not None for e in unsolicited(engine))
    assert answers(engine)["NOOP"] == "250 2.0.0 the real NOOP answer"
    assert answers(engine)["QUIT"] == "221 2.0.0 the real goodbye"


async def test_a_script_sees_the_flood_as_unsolicited_and_quit_gets_its_221(smtpshell_home: Path) -> None:
    async with scripted_server(flood_after_ehlo) as port:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "smtpshell",
            "--plain",
            "--no-explain",
            "--connect",
            f"127.0.0.1:{port}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "SMTPSHELL_HOME": str(smtpshell_home), "COLUMNS": "200"},
        )
        out, err = await asyncio.wait_for(process.communicate(b"EHLO me.example\nNOOP\nQUIT\n"), 60)
    text = out.decode()
    assert b"Traceback" not in err, err
    assert "C: NOOP\nS: 250 2.0.0 the real NOOP answer" in text
    assert "C: QUIT\nS: 221 2.0.0 the real goodbye" in text
    assert text.count("S: 250 unasked") == 3
    assert "(3 unsolicited)" in text.splitlines()[-1]
    assert process.returncode == 0


async def test_a_421_closes_the_session_though_the_socket_stays_open(smtpshell_home: Path) -> None:
    client_closed = asyncio.Event()

    async def says_421_and_stays(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 closing.example ESMTP\r\n")
        await reader.readline()
        writer.write(EHLO_REPLY + b"421 4.3.2 closing.example shutting down\r\n")
        await writer.drain()
        while await reader.readline():  # keep the socket open: only the client can end it now
            pass
        client_closed.set()

    async with scripted_server(says_421_and_stays) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        warned = record_seen(engine, lambda r: isinstance(r, Notice) and "421" in r.text)
        await engine.start()
        try:
            await engine.submit("EHLO me.example")
            await asyncio.wait_for(warned.wait(), WAIT)
            await asyncio.wait_for(client_closed.wait(), WAIT)  # the shell closed its side
            assert not engine.connected and engine.state.closed
            await engine.submit("NOOP")
        finally:
            await engine.close()
    [closing] = unsolicited(engine)
    assert closing.reply is not None and closing.reply.code == 421
    assert "NOOP" not in answers(engine)
    assert notices(engine, "error")[-1].text == "Not connected: nothing was sent."


async def test_a_421_just_before_a_command_stops_it_from_being_sent(smtpshell_home: Path) -> None:
    received: list[bytes] = []

    async def answers_then_421(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 closing.example ESMTP\r\n")
        await reader.readline()
        writer.write(EHLO_REPLY + b"421 4.3.2 going down\r\n")  # one write: there before the next command
        await writer.drain()
        while line := await reader.readline():
            received.append(line)
            writer.write(b"250 2.0.0 this must not answer anything\r\n")

    async with scripted_server(answers_then_421) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        engine.on_record = None
        await engine.start()
        try:
            # Both lines at once, as a script sends them: the 421 is found before NOOP goes out.
            await engine.submit("EHLO me.example\nNOOP")
        finally:
            await engine.close()
    assert received == []
    assert [e.reply.code for e in unsolicited(engine) if e.reply] == [421]
    assert "this must not answer" not in "".join(answers(engine).values())


async def test_a_flood_while_idle_is_cut_off_and_memory_stays_bounded(smtpshell_home: Path) -> None:
    sent = [0]
    line = b"250 flood " + b"x" * 53 + b"\r\n"  # 65 octets
    block = line * 1024

    async def floods(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 flood.example ESMTP\r\n")
        await reader.readline()
        writer.write(EHLO_REPLY)
        for _ in range(160):  # 10 MiB, unless the client hangs up first
            writer.write(block)
            await writer.drain()
            sent[0] += len(block)

    async with scripted_server(floods) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        cut = record_seen(engine, lambda r: isinstance(r, Notice) and "nobody asked for" in r.text)
        await engine.start()
        try:
            connection = engine.connection
            assert connection is not None
            await engine.submit("EHLO me.example")
            await asyncio.wait_for(cut.wait(), WAIT)
        finally:
            await engine.close()
    [notice] = [n for n in notices(engine, "error") if "nobody asked for" in n.text]
    octets = int(notice.text.split()[3])
    assert UNSOLICITED_LIMIT < octets <= UNSOLICITED_LIMIT + READ_CHUNK
    assert connection.peak_buffered <= UNSOLICITED_LIMIT + READ_CHUNK
    assert sent[0] < 10 * 1024 * 1024  # the flood was cut off, not read to its end
    assert len(unsolicited(engine)) <= UNSOLICITED_SHOWN
    assert not engine.connected


async def test_a_flood_while_awaiting_a_reply_is_cut_off_once_the_reply_is_read(smtpshell_home: Path) -> None:
    line = b"250 flood\r\n"

    async def floods_after_noop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 flood.example ESMTP\r\n")
        await reader.readline()
        writer.write(line * (2 * UNSOLICITED_LIMIT // len(line)))  # the answer, then far more than the cap
        await writer.drain()
        await reader.read()

    async with scripted_server(floods_after_noop) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        cut = record_seen(engine, lambda r: isinstance(r, Notice) and "nobody asked for" in r.text)
        await engine.start()
        try:
            await engine.submit("NOOP")
            await asyncio.wait_for(cut.wait(), WAIT)
        finally:
            await engine.close()
    assert answers(engine)["NOOP"] == "250 flood"
    assert not engine.connected


async def test_probe_takes_no_unsolicited_reply_for_an_answer() -> None:
    from smtpshell.net.probe import ProbeOptions, probe

    async with scripted_server(flood_after_ehlo) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, timeout=10))
    assert report.vrfy is not None and str(report.vrfy.reply) == "502 5.5.1 not here"
    assert report.expn is not None and str(report.expn.reply) == "502 5.5.1 not here"
    extras = [line for who, line in report.transcript if who == "-" and "unsolicited" in line]
    assert extras == [f"unsolicited, answers nothing: 250 unasked {n}" for n in ("one", "two", "three")]


async def test_an_unfinished_unsolicited_reply_is_not_glued_to_the_next_answer(smtpshell_home: Path) -> None:
    half = b"250-the start of a reply nobody asked for\r\n"

    async def half_a_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 half.example ESMTP\r\n")
        await reader.readline()
        writer.write(EHLO_REPLY + half)  # one write; the reply is never finished
        await writer.drain()
        while line := await reader.readline():
            writer.write(b"250 2.0.0 the real answer\r\n" if line.startswith(b"NOOP") else b"221 bye\r\n")
            await writer.drain()

    async with scripted_server(half_a_reply) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit("EHLO me.example\nNOOP")
        finally:
            await engine.close()
    assert answers(engine)["NOOP"] == "250 2.0.0 the real answer"
    [dropped] = [n for n in notices(engine, "warning") if "unfinished reply" in n.text]
    assert f"{len(half)} octets" in dropped.text
