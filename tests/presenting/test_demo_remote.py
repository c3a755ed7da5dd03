"""Demos against servers nobody here wrote: aiosmtpd with a certificate the shell does not trust (the TLS
handshake fails: the demo stops with one message), and `smtpshell demo --connect` run as a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.cli import main as cli_main
from smtpshell.net.sandbox import SandboxThread
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Notice
from smtpshell.session.target import Target
from tests.client.peers import aiosmtpd_server
from tests.session.helpers import exchanges
from tests.tls_helpers import ServerCertificates


async def test_a_failed_tls_handshake_stops_the_demo_with_one_message(
    smtpshell_home: Path, certificates: ServerCertificates, tmp_path: Path
) -> None:
    script = tmp_path / "tls.txt"
    script.write_text("EHLO me.example\nSTARTTLS\n# explain\nEHLO me.example\nMAIL FROM:<a@example.org>\nQUIT\n")
    with aiosmtpd_server(tls_context=certificates.server_context()) as (server, _):
        # No --cafile: the test CA is unknown to the shell, so the certificate check fails.
        engine = ShellEngine(Target("remote", "localhost", server.port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit(f"/replay {script}")
            assert [e.command for e in exchanges(engine)] == ["<greeting>", "EHLO me.example", "STARTTLS"]
            errors = [r for r in engine.records if isinstance(r, Notice) and r.level == "error"]
            stopped = [n for n in errors if n.text.startswith("Demo stopped")]
            assert len(stopped) == 1 and stopped[0].text.startswith(f"Demo stopped at {script}:2: ")
            assert "certificate" in stopped[0].text.lower()
            assert "The 3 line(s) left were not sent." in stopped[0].detail
            assert not any(n.text.startswith("Not connected") for n in errors)
        finally:
            await engine.close()


def test_demo_connect_runs_against_another_server(
    sandbox: SandboxThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "class.txt"
    script.write_text("# A note for the presenter\nEHLO me.example\nNOOP\nQUIT\n")
    assert cli_main(["demo", str(script), "--connect", f"127.0.0.1:{sandbox.port}"]) == 0
    out = capsys.readouterr().out
    assert f"127.0.0.1:{sandbox.port}" in out
    assert "A note for the presenter" in out and "250" in out and "221" in out
    sent = [line.split("C: ", 1)[1] for line in out.splitlines() if "C: " in line]
    assert sent == ["EHLO me.example", "NOOP", "QUIT"]
