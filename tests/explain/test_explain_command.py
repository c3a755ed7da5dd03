"""`smtpshell explain`: topics, --json, files and standard input, errors, and a start that imports no UI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell.explain.command import main

ROOT = Path(__file__).resolve().parents[2]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(["explain", *args], out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["550"], "550 Refused: mailbox unavailable, or refused by policy"),
        (["550", "5.7.1"], "550 5.7.1 Delivery not authorized, message refused"),
        (["550 5.7.1 Relay access denied"], "550 5.7.1 Delivery not authorized, message refused (Relay access denied)"),
        (["SIZE"], "EHLO keyword SIZE: Message size declaration"),
        (["RCPT"], "RCPT: add a recipient to the message"),
        (["5.7.26"], "5.7.26 Permanent failure: multiple authentication checks failed"),
    ],
)
def test_topics_print_a_readable_explanation(args: list[str], first_line: str) -> None:
    code, output = run(*args)
    assert code == 0
    assert output.splitlines()[0].startswith(first_line)
    assert "\x1b[" not in output  # not a terminal: no colour
    assert all(len(line) <= 80 for line in output.splitlines() if " " in line.strip())


def test_a_relay_denial_gets_its_known_text() -> None:
    _, output = run("550 5.7.1 Relay access denied")
    assert "Known text: Relay access denied" in output


def test_json_says_what_was_found() -> None:
    code, output = run("--json", "550", "5.7.708")
    data = json.loads(output)
    assert code == 1
    assert data["topic"] == "550 5.7.708"
    assert data["found"]["code"] == {"value": 550, "known": True}
    assert data["found"]["enhanced"] == {"value": "5.7.708", "known": False}
    assert data["found"]["known"] is False
    assert data["explanation"]["code"] == 550


@pytest.mark.parametrize(
    ("args", "found_key", "found"),
    [
        (["SIZE", "35882577"], "keyword", {"value": "SIZE", "known": True}),
        (["XWHATEVER"], "keyword", {"value": "XWHATEVER", "known": False}),
        (["rcpt"], "command", {"value": "RCPT", "known": True}),
        (["4.2.2"], "enhanced", {"value": "4.2.2", "known": True}),
    ],
)
def test_json_reports_keywords_commands_and_codes(args: list[str], found_key: str, found: dict[str, object]) -> None:
    _, output = run("--json", *args)
    assert json.loads(output)["found"][found_key] == found


def test_json_of_an_ehlo_reply_lists_each_keyword_and_whether_it_is_known() -> None:
    _, output = run("--json", "250-mx.example\n250-SIZE 1000\n250 XMADEUP")
    data = json.loads(output)
    assert data["found"]["keywords"] == [{"keyword": "SIZE", "known": True}, {"keyword": "XMADEUP", "known": False}]


def test_a_file_is_annotated_reply_by_reply(tmp_path: Path) -> None:
    log = tmp_path / "session.log"
    log.write_text("S: 220 mx.example ESMTP\nC: EHLO me.example\nS: 250 mx.example\nC: DATA\nS: 503 5.5.1 need MAIL\n")
    code, output = run(str(log))
    assert code == 0
    assert "line 1: S: 220 mx.example ESMTP" in output
    assert "(answer to DATA)" in output
    assert "=> DATA needs a sender and a recipient first" in output
    assert output.rstrip().endswith("3 replies and status codes explained.")


def test_full_mode_and_json_for_a_file(tmp_path: Path) -> None:
    log = tmp_path / "bounce.eml"
    log.write_text("Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n")
    _, output = run("--full", str(log))
    assert "    5xx" in output and "    x.1.1" in output
    code, output = run("--json", str(log))
    data = json.loads(output)
    assert code == 0
    assert [item["kind"] for item in data["items"]] == ["status", "diagnostic"]
    assert data["items"][1]["found"]["enhanced"] == {"value": "5.1.1", "known": True}


def test_standard_input_is_read_with_a_dash() -> None:
    code, output = run("-", stdin="220 mx ready\nQUIT\n221 bye\n")
    assert code == 0
    assert "(answer to QUIT)" in output


def test_a_file_named_like_a_topic_needs_the_file_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("550").write_text("S: 421 4.4.2 timeout\n")
    _, output = run("550")
    assert output.startswith("550 Refused")
    _, output = run("--file", "550")
    assert "line 1: S: 421 4.4.2 timeout" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "what should I explain?"),
        (["--bogus"], "unknown option '--bogus'"),
        (["--width"], "--width needs a value"),
        (["--width", "ten", "550"], "--width wants a number"),
        (["no/such/transcript.txt"], "no such file"),
        (["--file", "/nonexistent/file"], "cannot read /nonexistent/file"),
    ],
)
def test_bad_usage_gets_a_clear_message_and_status_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(*args)
    assert code == 2 and output == ""
    assert message in capsys.readouterr().err


def test_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("--file", str(tmp_path))
    assert code == 2 and "is a directory" in capsys.readouterr().err


def test_a_file_without_replies_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "letter.txt"
    empty.write_text("Hello,\nnothing to see here.\n")
    code, output = run(str(empty))
    assert code == 1 and "No SMTP reply or status code found" in output


def test_colour_only_when_asked_or_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = FakeTerminal()
    main(["explain", "550"], out=terminal)
    assert "\x1b[1;31m550" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    main(["explain", "550"], out=terminal)
    assert "\x1b[" not in terminal.getvalue()
    assert "\x1b[1;32m250" in run("--color", "250")[1]


def test_help() -> None:
    code, output = run("--help")
    assert code == 0 and output.startswith("usage: smtpshell explain")


def _python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=environment)


def test_the_command_runs_from_the_cli_and_imports_no_ui_toolkit() -> None:
    result = _python("-X", "importtime", "-m", "smtpshell", "explain", "250")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("250 OK: the command worked")
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    top_level = {name.split(".")[0] for name in imported}
    assert "smtpshell.explain.engine" in imported  # the check saw our own imports
    assert not top_level & {"textual", "prompt_toolkit", "rich", "pygments", "asyncio"}


def test_the_json_output_of_the_real_command_parses() -> None:
    result = _python("-m", "smtpshell", "explain", "--json", "SIZE 35882577")
    assert result.returncode == 0, result.stderr
    assert "34.2 MiB" in json.loads(result.stdout)["explanation"]["headline"]
