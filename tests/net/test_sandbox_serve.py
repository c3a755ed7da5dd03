"""`smtpshell serve`: clear errors for bad flags, a report per session, a clean stop, and Maildir crash safety."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.serve_command import DEFAULT_PORT, build_parser, build_policy, main
from tests.net.wire import WireClient

posix_only = pytest.mark.skipif(os.name != "posix", reason="signals and SIGKILL as on POSIX")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "70000 is not a port number"),
        (["--port", "smtp"], "'smtp' is not a port number"),
        (["--port", "٢٥"], "is not a port number"),
        (["--port", "2_5"], "'2_5' is not a port number"),
        (["--user", "alice"], "NAME:PASSWORD"),
        (["--user", "al ice:pw"], "cannot contain spaces"),
        (["--fault", "volcano"], "unknown fault 'volcano'"),
        (["--fault", "delay:DATA:soon"], "delay:VERB:SECONDS"),
        (["--faults", "/nonexistent/faults.toml"], "cannot read"),
        (["--max-connections", "0"], "from 1"),
        (["--max-connections", "1_0"], "from 1"),
        (["--max-per-address", "١٠"], "from 1"),
        (["--max-per-address", "0"], "from 1"),
        (["--mailbox-memory", "none"], "from 1"),
        (["--command-deadline", "nan"], "number of seconds"),
        (["--message-deadline", "-1"], "number of seconds"),
        (["--message-deadline", "²"], "number of seconds"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_flags_get_one_clear_line_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("smtpshell serve: ")
    assert "Traceback" not in err


def test_a_maildir_path_that_cannot_be_used_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["serve", "--port", "0", "--maildir", str(blocker / "Maildir")]) == 2
    assert "cannot use" in capsys.readouterr().err


def test_a_port_in_use_is_reported_not_raised(sandbox: SandboxThread, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(sandbox.port)]) == 1
    err = capsys.readouterr().err
    assert f"127.0.0.1:{sandbox.port}" in err and "already in use" in err


def test_help_names_the_default_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    assert str(DEFAULT_PORT) in capsys.readouterr().out


def test_flags_make_the_policy(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text('[[fault]]\npreset = "mailbox-full"\naddress = "bob@*"\n')
    args = build_parser().parse_args(
        ["--user", "bob:builder", "--auth-plaintext", "--faults", str(faults), "--fault", "greylist"]
    )
    policy = build_policy(args)
    assert policy.users["bob"] == "builder" and "alice" in policy.users
    assert policy.auth_over_plaintext
    assert [rule.name for rule in policy.faults.rules] == ["mailbox-full", "greylist"]


class ServeProcess:
    """`python -m smtpshell serve` in a child process, its port read from what it prints."""

    def __init__(self, home: Path, *args: str) -> None:
        env = {**os.environ, "SMTPSHELL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smtpshell", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert match, (
            f"unexpected first line {first!r}; stderr: {self.process.stderr.read() if self.process.stderr else ''}"
        )
        self.port = int(match[1])
        self.banner = [first]
        for line in self.process.stdout:
            self.banner.append(line)
            if line.startswith("Press Ctrl-C"):
                break

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, "".join(self.banner) + out, err


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@posix_only
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_reports_each_session_and_stops_cleanly(home: Path, stop_signal: signal.Signals) -> None:
    serve = ServeProcess(home, "--user", "bob:builder")
    try:
        with smtplib.SMTP("127.0.0.1", serve.port, timeout=10) as smtp:
            smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: hi\r\n\r\nx\r\n")
        lingering = WireClient(serve.port)
        assert lingering.reply()[0] == 220
        serve.process.send_signal(stop_signal)
        assert lingering.reply()[0] == 421
        lingering.close()
        status, out, err = serve.finish()
    finally:
        serve.process.kill()
    assert status == 0, err
    assert err == ""
    assert "AUTH users (after STARTTLS): alice, bob" in out
    assert "5 commands, 1 message delivered; client sent QUIT" in out
    assert "0 commands, 0 messages delivered; the sandbox is stopping" in out
    assert out.rstrip().endswith("stopped.")


@posix_only
def test_a_message_that_got_250_survives_the_server_being_killed(home: Path, tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    serve = ServeProcess(home, "--maildir", str(maildir))
    try:
        with smtplib.SMTP("127.0.0.1", serve.port, timeout=10) as smtp:
            smtp.ehlo()
            smtp.mail("alice@sandbox.test")
            smtp.rcpt("bob@sandbox.test")
            code, _ = smtp.data(b"Subject: durable\r\n\r\nwritten before the 250\r\n")
            assert code == 250
            serve.process.send_signal(signal.SIGKILL)  # no clean-up of any kind
            serve.process.wait(timeout=10)
    finally:
        serve.process.kill()
        serve.process.communicate()
    [path] = (maildir / "new").iterdir()
    assert path.read_bytes().endswith(b"Subject: durable\n\nwritten before the 250\n")
    assert list((maildir / "tmp").iterdir()) == []


def test_deadline_flags_make_the_policy() -> None:
    args = build_parser().parse_args(["--command-deadline", "2.5", "--message-deadline", "60"])
    policy = build_policy(args)
    assert (policy.command_deadline, policy.message_deadline) == (2.5, 60.0)
    assert build_parser().parse_args(["--max-per-address", "30"]).max_per_address == 30
