"""The command line as a user meets it: help, unknown subcommands, and output piped into a reader that leaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _smtpshell(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"SMTPSHELL_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "smtpshell", *args], capture_output=True, text=True, env=env)


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = _smtpshell("--help", home=tmp_path)
    assert result.returncode == 0
    for name in ("explain", "serve", "probe", "connect", "lessons", "learn"):
        assert f"  {name} " in result.stdout


def test_an_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = _smtpshell("frobnicate", home=tmp_path)
    assert result.returncode == 2 and "unknown subcommand 'frobnicate'" in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    env = {"SMTPSHELL_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "-m", "smtpshell", "explain", "550"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head -0`: nobody reads what it prints
    error = process.stderr.read().decode()
    assert process.wait() == 0
    assert "Traceback" not in error and "BrokenPipe" not in error
