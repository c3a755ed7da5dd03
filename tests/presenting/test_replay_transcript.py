"""A saved transcript replays as the commands it holds, and `smtpshell replay` steps through one with no server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.cli import main as cli_main
from smtpshell.handout.from_text import text_handout
from smtpshell.session.engine import ShellEngine
from smtpshell.session.replay import ScriptError, read_demo, script_steps, transcript_steps
from smtpshell.tui.demo_transcript import TranscriptReplayApp
from tests.session.helpers import exchanges, notices, run

SESSION = ("EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")
MESSAGE = ("Subject: replayed", "", "# a message line, not a note", ".dot-stuffed", ".")


async def _saved_session(home: Path, path: Path) -> list[str]:
    engine = ShellEngine(data_dir=home)
    await engine.start()
    try:
        await run(engine, *SESSION, *MESSAGE, "NOOP", "/explain 550", f"/save {path}")
        return [e.command for e in exchanges(engine)]
    finally:
        await engine.close()


async def test_a_saved_transcript_replays_as_its_commands(smtpshell_home: Path, tmp_path: Path) -> None:
    saved = tmp_path / "yesterday.txt"
    original = await _saved_session(smtpshell_home, saved)
    steps = read_demo(saved)
    assert [s.text for s in steps if s.kind == "send"] == [*SESSION, "Subject: replayed", "", *MESSAGE[2:], "NOOP"]
    engine = ShellEngine(data_dir=smtpshell_home / "second")
    await engine.start()
    try:
        await engine.submit(f"/replay {saved}")
        assert [e.command for e in exchanges(engine)] == original
        assert [e.reply.code for e in exchanges(engine) if e.reply] == [220, 250, 250, 250, 354, 250, 250]
        [message] = engine.mailbox()
        assert message.content.endswith(b"# a message line, not a note\r\n.dot-stuffed\r\n")
        assert not notices(engine, "error")
    finally:
        await engine.close()


async def test_without_a_key_to_press_a_disconnect_still_stops_the_script(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "drop.txt"
    script.write_text(
        "/faults disconnect:RCPT\nEHLO me\nMAIL FROM:<alice@sandbox.test>\nRCPT TO:<bob@sandbox.test>\nDATA\nQUIT\n"
    )
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit(f"/replay {script}")
        assert [e.command for e in exchanges(engine)][-1] == "RCPT TO:<bob@sandbox.test>"
        stopped = [n for n in notices(engine, "error") if n.text.startswith("Demo stopped")]
        assert len(stopped) == 1 and stopped[0].text.startswith(f"Demo stopped at {script}:4: ")
        assert "The 2 line(s) left were not sent." in stopped[0].detail
        assert not any(n.text.startswith("Not connected") for n in notices(engine))
    finally:
        await engine.close()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("EHLO me\n# wait\n", "demo.txt:2: unknown directive '# wait'"),
        ("EHLO me\n\n# pause now\n", "demo.txt:3: '# pause' takes nothing after it"),
        ("# only notes\n", "nothing to send"),
    ],
)
def test_bad_scripts_name_the_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "demo.txt"
    path.write_text(text)
    with pytest.raises(ScriptError) as caught:
        read_demo(path)
    assert problem in str(caught.value)


async def test_a_line_the_shell_warns_about_is_sent_anyway(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "early.txt"
    script.write_text("EHLO me\nDATA\n")  # DATA with no recipient: the shell warns, the demo means it
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit(f"/replay {script}")
        assert [e.command for e in exchanges(engine)][-1] == "DATA"
        assert notices(engine, "warning") and engine.suggestion is None
    finally:
        await engine.close()


def test_notes_and_directives_are_told_apart() -> None:
    steps = script_steps(["# Now we greet", "EHLO me", "# explain", "# pause", "DATA", "# pause", "."], "x")
    assert [(s.kind, s.text) for s in steps] == [
        ("note", "Now we greet"),
        ("send", "EHLO me"),
        ("explain", ""),
        ("pause", ""),
        ("send", "DATA"),
        ("send", "# pause"),  # inside the message: a message line
        ("send", "."),
    ]


def test_demo_command_reports_a_bad_file_before_opening_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.txt"
    path.write_text("EHLO me\n# expalin\n")
    assert cli_main(["demo", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"smtpshell demo: {path}:2: unknown directive '# expalin'")
    assert cli_main(["demo", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    assert cli_main(["replay", str(tmp_path / "missing.txt")]) == 2
    assert "No such file" in capsys.readouterr().err


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to open a connection or listen fails the test (the event loop's own self-pipe exists already)."""
    attempts: list[str] = []

    def refuse(name: str):  # type: ignore[no-untyped-def]
        def refused(*args: object, **kwargs: object) -> None:
            attempts.append(name)
            raise AssertionError(f"socket.{name} called during a replay")

        return refused

    for name in ("connect", "connect_ex", "bind", "listen"):
        monkeypatch.setattr(socket.socket, name, refuse(name))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    yield attempts


async def test_replay_steps_through_a_saved_transcript_with_no_server(tmp_path: Path, no_sockets: list[str]) -> None:
    saved = tmp_path / "class.txt"
    saved.write_text(TRANSCRIPT)
    handout = text_handout(saved.read_text(), str(saved))
    app = TranscriptReplayApp(handout)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not app.query(".replay-block")
        for number, item in enumerate(handout.exchanges(), start=1):
            await pilot.press("enter" if number % 2 else "space")
            await pilot.pause()
            shown = str(app.query(".replay-block").last().visual.plain)  # type: ignore[attr-defined]
            assert item.lines[-1] in shown
            explained = str(app.query_one("#replay-explanation-body").visual.plain)  # type: ignore[attr-defined]
            assert item.explanation is not None and item.explanation.headline in explained
        await pilot.press("left")
        await pilot.pause()
        assert app.current() is handout.exchanges()[-2]
        await pilot.press("escape")
    assert no_sockets == []
    assert [e.title for e in handout.exchanges()] == [
        "Greeting",
        "EHLO me.example",
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<nobody@elsewhere.test>",
        "QUIT",
    ]


TRANSCRIPT = """\
# smtpshell transcript: sandbox; saved 2026-11-30 06:00:00 +0000; credentials redacted
# columns: time, TLS when encrypted, C: client / S: server
06:00:00.001     *** connected to sandbox (127.0.0.1:2525)
06:00:00.002     S: 220 sandbox.test ESMTP smtpshell sandbox
06:00:01.000     C: EHLO me.example
06:00:01.001     S: 250-sandbox.test greets me.example
06:00:01.001     S: 250-PIPELINING
06:00:01.001     S: 250 SIZE 10485760
06:00:02.000     C: MAIL FROM:<alice@sandbox.test>
06:00:02.001     S: 250 2.1.0 Sender <alice@sandbox.test> ok
06:00:03.000     C: RCPT TO:<nobody@elsewhere.test>
06:00:03.001     S: 554 5.7.1 <nobody@elsewhere.test>: Relay access denied
06:00:04.000     C: QUIT
06:00:04.001     S: 221 2.0.0 Bye
06:00:04.002     *** disconnected from sandbox (the server closed the connection after QUIT)
"""


def test_notices_in_a_saved_transcript_are_not_replayed() -> None:
    steps = [s.text for s in transcript_steps(TRANSCRIPT.splitlines()) if s.kind == "send"]
    assert steps == ["EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<nobody@elsewhere.test>", "QUIT"]


def test_redacted_credentials_become_notes_not_commands() -> None:
    saved = [
        "06:00:01.000 TLS C: EHLO me.example",
        "06:00:01.001 TLS S: 250 AUTH PLAIN LOGIN",
        "06:00:02.000 TLS C: AUTH LOGIN",
        "06:00:02.001 TLS S: 334 VXNlcm5hbWU6",
        "06:00:03.000 TLS C: [credentials hidden]",
        "06:00:03.001 TLS S: 334 UGFzc3dvcmQ6",
        "06:00:04.000 TLS C: [credentials hidden]",
        "06:00:04.001 TLS S: 235 2.7.0 Authentication successful",
        "06:00:05.000 TLS C: AUTH PLAIN [credentials hidden]",
    ]
    steps = transcript_steps(saved)
    assert [s.text for s in steps if s.kind == "send"] == ["EHLO me.example", "AUTH LOGIN"]
    notes = [s for s in steps if s.kind == "note"]
    assert [n.line for n in notes] == [5, 7, 9] and all("/auth" in n.text for n in notes)
