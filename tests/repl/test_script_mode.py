"""`smtpshell` with standard input that is not a terminal: lines run as typed, the exit status tells the outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SESSION = """EHLO script.example
MAIL FROM:<alice@sandbox.test>
RCPT TO:<bob@sandbox.test>
DATA
Subject: from a pipe

.a line with a leading dot
.
QUIT
"""


def run_shell(home: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMTPSHELL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "smtpshell", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


def test_piped_session_prints_the_transcript_and_succeeds(tmp_path: Path) -> None:
    result = run_shell(tmp_path, SESSION)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("C: EHLO script.example", "S: 250-", "S: 354", "C: ..a line with a leading dot", "S: 221"):
        assert expected in out
    assert "Traceback" not in result.stderr
    explained = [line for line in out.splitlines() if line.startswith("    ")]
    assert explained  # explanations under the replies


def test_a_failing_reply_makes_the_exit_status_1(tmp_path: Path) -> None:
    script = "EHLO script.example\nMAIL FROM:<a@sandbox.test>\nRCPT TO:<nobody@sandbox.test>\nQUIT\n"
    result = run_shell(tmp_path, script, "--no-explain")
    assert result.returncode == 1
    assert "S: 550 5.1.1" in result.stdout and "S: 221" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("    ")]


def test_crlf_script_and_unfinished_message(tmp_path: Path) -> None:
    result = run_shell(
        tmp_path,
        "EHLO a.example\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\n"
        "DATA\r\nSubject: never ended\r\n",
    )
    assert result.returncode == 1
    assert "ended inside a message" in result.stdout


def test_bad_options_give_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "", "--connect", "host:99999")
    assert result.returncode == 2 and "port" in result.stderr and "Traceback" not in result.stderr
    result = run_shell(tmp_path, "", "--fault", "nonsense")
    assert result.returncode == 2 and "unknown fault" in result.stderr


def test_connect_subcommand_talks_to_aiosmtpd(tmp_path: Path) -> None:
    from tests.client.peers import aiosmtpd_server

    with aiosmtpd_server(auth_require_tls=False) as (server, collector):
        result = run_shell(
            tmp_path, SESSION.replace("sandbox.test", "example.org"), "connect", f"127.0.0.1:{server.port}"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The server's reason" not in result.stdout  # only the sandbox can say why
    [envelope] = collector.messages
    assert envelope.rcpt_tos == ["bob@example.org"]
    assert envelope.original_content is not None
    assert envelope.original_content.endswith(b"\r\n\r\n.a line with a leading dot\r\n")
