"""Start-up stays light: the engine, and a session on the sandbox, import neither cryptography nor dnspython.

cryptography is needed only to make the sandbox's certificate or to read a server's after a TLS handshake;
dnspython only for --mx. Each check runs in a fresh interpreter, where sys.modules tells the truth.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from smtpshell.net.certs import CHECKED_NAME, sandbox_certificate

HEAVY = ("cryptography", "dns")


def heavy_modules_after(code: str, home: Path) -> list[str]:
    """Run ``code`` in a fresh interpreter; the heavy top-level packages it imported (the last line it prints)."""
    loaded = f"{{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}"
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({loaded})))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SMTPSHELL_HOME": str(home)},
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_importing_the_engine_and_the_explain_command_loads_neither(tmp_path: Path) -> None:
    assert heavy_modules_after("import smtpshell.session.engine, smtpshell.shell_command", tmp_path) == []
    assert heavy_modules_after("import smtpshell.explain_command", tmp_path) == []


def test_a_sandbox_session_with_its_certificate_made_earlier_loads_neither(smtpshell_home: Path) -> None:
    sandbox_certificate(smtpshell_home)  # the first start ever makes it (with cryptography)
    session = """
import asyncio
from smtpshell.session.engine import ShellEngine

async def session() -> None:
    engine = ShellEngine()
    await engine.start()
    await engine.submit("EHLO me.example")
    assert engine.state.esmtp and engine.state.advertised("STARTTLS"), engine.records
    await engine.close()

asyncio.run(session())
"""
    assert heavy_modules_after(session, smtpshell_home) == []


def test_the_certificate_check_trusts_its_record_only_for_the_same_files(smtpshell_home: Path) -> None:
    files = sandbox_certificate(smtpshell_home)
    record_path = files.certificate.parent / CHECKED_NAME
    record = json.loads(record_path.read_text())
    pem = files.certificate.read_bytes()
    # The record is what a later start reads the dates from: say the certificate is nearly over, and it is renewed.
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    record_path.write_text(json.dumps({**record, "not_after": soon.isoformat()}))
    renewed = sandbox_certificate(smtpshell_home)
    assert renewed.certificate.read_bytes() != pem
    # A record whose fingerprint is not that of the files is ignored: the files are checked in full again.
    pem = renewed.certificate.read_bytes()
    record_path = renewed.certificate.parent / CHECKED_NAME
    fresh = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**fresh, "fingerprint": "0" * 64, "not_after": soon.isoformat()}))
    assert sandbox_certificate(smtpshell_home).certificate.read_bytes() == pem  # still good: kept
    assert json.loads(record_path.read_text()) == fresh  # and the record is written again from the files
