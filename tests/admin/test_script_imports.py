"""A script to a real server (`smtpshell --plain --connect HOST:PORT < session.txt`) imports only what it needs:
no sandbox (server, mail store, certificates), no fault tables, no meta commands or lessons, no full-screen UI.
The benchmark beside swaks is benchmarks/bench_script_vs_swaks.py; this pins the imports that make it fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.peers import aiosmtpd_server

NOT_NEEDED = (
    "smtpshell.net.sandbox",
    "smtpshell.net.mailstore",
    "smtpshell.net.certs",
    "smtpshell.proto.server",
    "smtpshell.proto.faults",
    "smtpshell.proto.policy",
    "smtpshell.session.meta",
    "smtpshell.net.server_log",  # the class channel's, needed once a channel answers
    "smtpshell.proto.events",
    "smtpshell.lessons",
    "smtpshell.tui",
    "textual",
    "prompt_toolkit",
    "cryptography",
    "OpenSSL",
    "dns",
    "platformdirs",
    "email.utils",
)

RUN = """
import json, sys
from smtpshell.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in {prefixes!r}))
print("MODULES " + json.dumps(loaded), file=sys.stderr)
sys.exit(code)
"""


def test_a_script_to_a_real_server_imports_no_sandbox_faults_meta_or_ui(tmp_path: Path) -> None:
    session = "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.net>\nDATA\nSubject: x\n\nhi\n.\nQUIT\n"
    env = {k: v for k, v in os.environ.items() if k not in ("SMTPSHELL_HOME", "XDG_DATA_HOME")} | {
        "HOME": str(tmp_path)
    }
    with aiosmtpd_server() as (server, collector):
        done = subprocess.run(
            [sys.executable, "-c", RUN.format(prefixes=NOT_NEEDED), "--plain", "--connect", f"127.0.0.1:{server.port}"],
            input=session,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(collector.messages) == 1  # the script really ran the transaction
    [line] = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    assert json.loads(line.removeprefix("MODULES ")) == []
    assert (tmp_path / ".local/share/smtpshell/history").exists()  # found without importing platformdirs


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is the Linux one")
@pytest.mark.parametrize("xdg", [None, "", "  ", "/srv/data"])
def test_the_data_directory_is_where_platformdirs_puts_it(
    xdg: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    from smtpshell.paths import HOME_VARIABLE, data_dir

    monkeypatch.delenv(HOME_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert data_dir() == Path(platformdirs.user_data_dir("smtpshell", False))
