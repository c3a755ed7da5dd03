"""The scripted summary names each failed line once, with why, also when a hostile server breaks the reply to it
(an endless multi-line reply, a line that never ends): one entry, 'no reply' joined with the reason."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.client.peers import scripted_server
from tests.repl.test_script_truth import run_shell, summary_of


async def endless_ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 hostile.example ready\r\n")
    await reader.readline()
    writer.write(b"".join(b"250-X-KEYWORD%d\r\n" % i for i in range(2_000)) + b"250 END\r\n")
    await writer.drain()
    await reader.read()


async def unended_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 hostile.example ready\r\n")
    await reader.readline()
    writer.write(b"250 " + b"y" * 100_000)
    await writer.drain()
    await reader.read()


@pytest.mark.parametrize("script", [endless_ehlo, unended_line])
async def test_a_broken_reply_fails_its_line_once_with_the_reason(tmp_path: Path, script: object) -> None:
    async with scripted_server(script) as port:  # type: ignore[arg-type]
        code, out, _ = await run_shell(tmp_path, "EHLO me.example\nNOOP\nQUIT\n", "--connect", f"127.0.0.1:{port}")
    summary = summary_of(out)
    assert code == 1
    assert summary.count("line 1 ") == 1, summary
    assert "EHLO me.example: no reply: The server's answer is not a valid SMTP reply" in summary
    assert "line 2 (not run: no connection; nor the 1 after it)" in summary


async def test_a_huge_failed_line_is_named_in_short(tmp_path: Path) -> None:
    huge = "NOOP " + "x" * 100_000
    code, out, _ = await run_shell(tmp_path, f"EHLO me.example\n{huge}\nQUIT\n")
    summary = summary_of(out)
    assert code == 1
    assert len(summary) < 300, len(summary)
    assert "line 2 (NOOP xxx" in summary and "…: 500" in summary
