"""Scripted mode tells the truth: every line is sent as written, the exit status follows the replies, a summary
ends the run, and a lost connection stops it with one message."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.client.peers import refused_port, scripted_server

SUMMARY = "== "


async def run_shell(home: Path, stdin: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "SMTPSHELL_HOME": str(home), "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smtpshell",
        "--no-explain",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    assert b"Traceback" not in err, err.decode()
    return process.returncode, out.decode(), err.decode()


def summary_of(out: str) -> str:
    last = out.rstrip("\n").splitlines()[-1]
    assert last.startswith(SUMMARY), out
    return last


async def test_rcpt_before_mail_is_sent_and_its_503_fails_the_run(tmp_path: Path) -> None:
    script = "EHLO me.example\nRCPT TO:<bob@sandbox.test>\nMAIL FROM:<alice@sandbox.test>\nQUIT\n"
    code, out, _ = await run_shell(tmp_path, script)
    assert "RCPT before MAIL" in out and "Sent anyway" in out  # the explanation still says it is out of order
    assert "C: RCPT TO:<bob@sandbox.test>\nS: 503 5.5.1" in out  # ... and the server's own answer follows
    assert "S: 221" in out
    assert code == 1
    assert summary_of(out) == (
        "== 5 replies: 4 2xx/3xx, 0 4xx, 1 5xx; failed: line 2 (RCPT TO:<bob@sandbox.test>: 503 5.5.1)"
    )


async def test_a_clean_run_ends_with_a_summary_of_nothing_failed(tmp_path: Path) -> None:
    code, out, _ = await run_shell(tmp_path, "EHLO me.example\nNOOP\nQUIT\n")
    assert code == 0
    assert summary_of(out) == "== 4 replies: 4 2xx/3xx, 0 4xx, 0 5xx; nothing failed"


async def test_the_summary_counts_4xx_and_5xx_and_names_each_failed_line(tmp_path: Path) -> None:
    script = (
        "EHLO me.example\nMAIL FROM:<alice@sandbox.test>\nRCPT TO:<nobody@sandbox.test>\n"
        "RCPT TO:<bob@sandbox.test>\nQUIT\n"
    )
    code, out, _ = await run_shell(tmp_path, script, "--fault", "greylist")
    assert code == 1
    summary = summary_of(out)
    assert summary.startswith("== 6 replies: 4 2xx/3xx, 1 4xx, 1 5xx; failed: ")
    assert "line 3 (RCPT TO:<nobody@sandbox.test>: 550 5.1.1)" in summary
    assert "line 4 (RCPT TO:<bob@sandbox.test>: 45" in summary


async def test_no_connection_stops_the_script_with_one_message(tmp_path: Path) -> None:
    script = "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nhello\n.\nQUIT\n"
    with refused_port() as port:
        code, out, _ = await run_shell(tmp_path, script, "--plain", "--connect", f"127.0.0.1:{port}")
    assert code == 1
    assert "Not connected" not in out
    assert out.count("xx Stopped at line 1:") == 1 and "this line and the 6 after it were not run" in out
    assert "C: " not in out
    assert summary_of(out).endswith("line 1 (not run: no connection; nor the 6 after it)")
    assert summary_of(out).startswith("== 0 replies: 0 2xx/3xx, 0 4xx, 0 5xx; failed: the start (Connection refused")


async def test_a_tls_failure_stops_the_script_at_once(tmp_path: Path) -> None:
    async def starttls_then_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 broken.example ESMTP\r\n")
        while line := await reader.readline():
            if line.upper().startswith(b"EHLO"):
                writer.write(b"250-broken.example\r\n250 STARTTLS\r\n")
            elif line.upper().startswith(b"STARTTLS"):
                writer.write(b"220 go ahead\r\n")
                await writer.drain()
                await reader.read(1)  # the client's hello has come: answer it with something that is not TLS
                writer.write(b"this is not a TLS handshake at all\r\n" * 4)
            await writer.drain()

    script = "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nQUIT\n"
    async with scripted_server(starttls_then_garbage) as port:
        code, out, _ = await run_shell(
            tmp_path, script, "--plain", "--connect", f"127.0.0.1:{port}", "--starttls", "--insecure"
        )
    assert code == 1
    assert "Not connected" not in out
    assert "TLS" in out and out.count("xx Stopped at line 1:") == 1
    assert "C: MAIL" not in out and "C: QUIT" not in out


async def test_a_meta_command_may_connect_again_after_quit(tmp_path: Path) -> None:
    code, out, _ = await run_shell(tmp_path, "EHLO a.example\nQUIT\n/sandbox\nEHLO b.example\nQUIT\n")
    assert code == 0, out
    assert "C: EHLO b.example" in out and out.count("S: 221") == 2
