"""The plain REPL waiting at its prompt while the server hangs up: the news is printed at once, not at the next line."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.repl.app import Repl
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Notice, Record
from smtpshell.session.target import Target
from tests.client.peers import scripted_server


def toolbar_text(repl: Repl) -> str:
    return "".join(text for _, text, *_ in repl.toolbar())


async def test_a_hang_up_at_the_prompt_is_printed_and_the_toolbar_says_disconnected(smtpshell_home: Path) -> None:
    close_now = asyncio.Event()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quiet.test ESMTP\r\n")
        await writer.drain()
        await close_now.wait()
        writer.write(b"421 4.4.2 quiet.test idle for too long\r\n")

    async with scripted_server(script) as port:
        out = io.StringIO()
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        with create_pipe_input() as pipe:
            repl = Repl(engine, input=pipe, output=DummyOutput(), out=out)
            greeted, told = asyncio.Event(), asyncio.Event()
            show = engine.on_record

            def seen(record: Record) -> None:
                assert show is not None
                show(record)
                if isinstance(record, Notice) and "while you were idle" in record.text:
                    told.set()
                elif engine.state.greeted:
                    greeted.set()

            engine.on_record = seen
            running = asyncio.create_task(repl.run())
            await asyncio.wait_for(greeted.wait(), 10)
            assert f"connection 127.0.0.1:{port} │" in toolbar_text(repl)
            close_now.set()
            await asyncio.wait_for(told.wait(), 10)
            assert "connection disconnected │" in toolbar_text(repl)
            pipe.send_text("NOOP\r/quit\r")
            assert await asyncio.wait_for(running, 10) == 0
    printed = out.getvalue()
    idle, _, after = printed.partition("while you were idle")
    assert "S: 421 4.4.2 quiet.test idle for too long" in idle
    assert f"*** disconnected from 127.0.0.1:{port}" in idle
    assert f"/connect 127.0.0.1:{port}" in after
    assert "Not connected: nothing was sent." in after  # the NOOP typed afterwards
