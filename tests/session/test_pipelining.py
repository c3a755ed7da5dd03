"""A pasted block of commands: one pipelined group when the server offers PIPELINING (RFC 2920)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.proto.client_state import DATA_END
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.pipelining import group_length
from smtpshell.session.target import Target
from tests.client.peers import scripted_server
from tests.session.helpers import codes, exchanges, notices

ENVELOPE = "MAIL FROM:<alice@sandbox.test>\nRCPT TO:<bob@sandbox.test>\nRCPT TO:<zoe@sandbox.test>\nDATA"


@pytest.mark.parametrize(
    ("lines", "length"),
    [
        (["MAIL FROM:<a@b.c>", "RCPT TO:<d@e.f>", "DATA", "Subject: x"], 3),
        (["RSET", "MAIL FROM:<a@b.c>", "RCPT TO:<d@e.f>"], 3),
        (["EHLO a.example", "MAIL FROM:<a@b.c>"], 1),
        (["MAIL FROM:<a@b.c>", "/state", "RCPT TO:<d@e.f>"], 1),
        (["MAIL FROM:<a@b.c>", "AUTH PLAIN x"], 1),
        (["BDAT 5 LAST", "hello"], 0),
        (["/help", "NOOP"], 0),
        (["MAIL FROM:<a@b.c>", "", "RCPT TO:<d@e.f>"], 1),
        (["RSET", "STARTTLS", "EHLO a"], 2),
    ],
)
def test_group_length(lines: list[str], length: int) -> None:
    assert group_length(lines) == length


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


async def test_pasted_envelope_goes_as_one_group_and_replies_pair_in_order(engine: ShellEngine) -> None:
    await engine.submit("EHLO me.example")
    await engine.submit(ENVELOPE)
    group = exchanges(engine)[-4:]
    assert [e.command for e in group] == ENVELOPE.split("\n")
    assert [e.reply.code for e in group if e.reply] == [250, 250, 550, 354]
    assert all(e.server_reason for e in group) and len({e.server_reason for e in group}) == 4
    assert "PIPELINING" in notices(engine)[-1].text
    assert engine.mode == "data" and engine.state.recipients == ["bob@sandbox.test"]


async def test_a_whole_pasted_session_including_the_message(engine: ShellEngine) -> None:
    block = f"EHLO me.example\n{ENVELOPE}\nSubject: pasted\n\n.dot\n.\nQUIT\n"
    await engine.submit(block)
    assert codes(engine) == [220, 250, 250, 250, 550, 354, 250, 221]
    end = next(e for e in exchanges(engine) if e.command == DATA_END)
    assert end.payload_lines == ("Subject: pasted", "", "..dot")
    assert not engine.connected


async def test_without_pipelining_a_block_runs_line_by_line(smtpshell_home: Path) -> None:
    policy = SandboxPolicy()
    policy.extensions = tuple(e for e in policy.extensions if e != "PIPELINING")
    engine = ShellEngine(policy=policy, data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit("EHLO me.example")
        await engine.submit(ENVELOPE)
        group = exchanges(engine)[-4:]
        assert [e.reply.code for e in group if e.reply] == [250, 250, 550, 354]
        assert len({e.sent_at for e in group}) == 4
        assert not any("PIPELINING" in n.text for n in notices(engine))
    finally:
        await engine.close()


async def test_a_bare_cr_inside_a_pasted_group_stops_it(engine: ShellEngine) -> None:
    await engine.submit("EHLO me.example")
    await engine.submit("MAIL FROM:<alice@sandbox.test>\rRSET\nRCPT TO:<bob@sandbox.test>")
    assert codes(engine) == [220, 250]
    assert "carriage return" in notices(engine, "error")[-1].text


async def test_a_pasted_group_reaches_the_wire_before_any_reply(smtpshell_home: Path) -> None:
    """A server that answers nothing until it has read the whole group: only a pipelining client gets replies."""
    group = ENVELOPE.split("\n")
    read_before_first_reply: list[bytes] = []

    async def answer_after_the_whole_group(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 pipeline.test ESMTP\r\n")
        await reader.readline()
        writer.write(b"250-pipeline.test\r\n250 PIPELINING\r\n")
        for _ in group:
            read_before_first_reply.append(await reader.readline())
        writer.write(b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
        await writer.drain()
        await reader.read()

    async with scripted_server(answer_after_the_whole_group) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit("EHLO me.example")
            await asyncio.wait_for(engine.submit(ENVELOPE), timeout=30)
            assert [line.decode().rstrip() for line in read_before_first_reply] == group
            assert codes(engine)[-4:] == [250, 250, 250, 354]
        finally:
            await engine.close()
