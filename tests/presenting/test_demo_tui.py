"""A demo in the full-screen UI, stepped by the presenter's keys against the real sandbox: one line per key, the
notes shown before their line, # explain opens the explanation, a disconnect stops the demo with one message."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from smtpshell.session.records import ConnectionChange, Notice
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.demo_panel import DemoPanel
from tests.tui.shell_driver import exchanges, explanation_text, records, settle, wait_for

SIZE = (120, 36)

SCRIPT = """\
# Say hello: the server lists what it can do
EHLO me.example
# explain
# Now the envelope
MAIL FROM:<alice@sandbox.test>
# pause
RCPT TO:<bob@sandbox.test>
QUIT
"""


def _panel_text(app: SMTPShellApp) -> str:
    return str(app.query_one(DemoPanel).visual.plain)  # type: ignore[attr-defined]


def _commands(app: SMTPShellApp) -> list[str]:
    return [e.command for e in exchanges(app)]


def _app(home: Path, script: Path, *options: str) -> SMTPShellApp:
    app = SMTPShellApp(data_dir=home)
    app.engine.startup_lines.append(" ".join(["/replay", *options, str(script)]))
    return app


async def _key(pilot: Pilot[int], app: SMTPShellApp, key: str) -> None:
    await pilot.press(key)
    await settle(pilot, app)


async def test_each_key_sends_one_line_with_its_reply_and_explanation(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text(SCRIPT)
    app = _app(smtpshell_home, script)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: bool(app.query(DemoPanel)), "the demo panel")
        assert _commands(app) == ["<greeting>"]  # nothing is sent before the presenter's first key
        shown = _panel_text(app)
        assert "Say hello: the server lists what it can do" in shown and "Next (1/4): EHLO me.example" in shown
        assert app.focused is app.query_one(DemoPanel)

        await _key(pilot, app, "enter")
        assert _commands(app) == ["<greeting>", "EHLO me.example"]
        ehlo = exchanges(app)[-1]
        assert ehlo.reply is not None and ehlo.reply.code == 250 and ehlo.explanation is not None
        explained = records(app)[-1]  # "# explain" opened the reply's full explanation
        assert isinstance(explained, Notice) and explained.explanation == ehlo.explanation
        assert ehlo.explanation.headline in explanation_text(app)
        assert "Now the envelope" in _panel_text(app) and "Next (2/4): MAIL FROM:" in _panel_text(app)

        await _key(pilot, app, "space")
        await _key(pilot, app, "right")
        assert _commands(app)[-2:] == ["MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"]
        assert [e.reply.code for e in exchanges(app) if e.reply] == [220, 250, 250, 250]
        assert "Next (4/4): QUIT" in _panel_text(app)

        await _key(pilot, app, "enter")
        await wait_for(pilot, lambda: not app.query(DemoPanel), "the panel to close at the end")
        assert _commands(app)[-1] == "QUIT"
        assert app.focused is not None and app.focused.id == "command-input"


async def test_a_disconnect_stops_the_demo_with_one_message(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "drop.txt"
    script.write_text(
        "/faults disconnect:MAIL\nEHLO me.example\nMAIL FROM:<alice@sandbox.test>\n"
        "RCPT TO:<bob@sandbox.test>\nDATA\nQUIT\n"
    )
    app = _app(smtpshell_home, script)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: bool(app.query(DemoPanel)), "the demo panel")
        for _ in range(3):
            await _key(pilot, app, "enter")
        await wait_for(pilot, lambda: not app.query(DemoPanel), "the demo to stop")
        assert _commands(app)[-1] == "MAIL FROM:<alice@sandbox.test>"
        assert app.engine.sandbox is not None
        sandbox_saw = [e.item.line for e in app.engine.server_log() if hasattr(e.item, "line")]
        assert not any(line.startswith(("RCPT", "DATA", "QUIT")) for line in sandbox_saw)
        stopped = [r for r in records(app) if isinstance(r, Notice) and r.text.startswith("Demo stopped")]
        assert len(stopped) == 1 and f"{script}:3" in stopped[0].text
        assert "3 line(s) left were not sent" in stopped[0].detail
        assert not any(isinstance(r, Notice) and r.text.startswith("Not connected") for r in records(app))
        assert any(isinstance(r, ConnectionChange) and r.event == "disconnected" for r in records(app))
        await _key(pilot, app, "enter")  # the key goes back to the command line: nothing more is sent
        assert _commands(app)[-1] == "MAIL FROM:<alice@sandbox.test>"


async def test_escape_ends_the_demo_and_auto_advances_by_itself(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "auto.txt"
    script.write_text("EHLO me.example\nNOOP\n# pause\nNOOP\nRSET\n")
    app = _app(smtpshell_home, script, "--auto", "0.1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: len(exchanges(app)) == 3, "two lines sent by --auto", rounds=2000)
        await settle(pilot, app)
        assert _commands(app) == ["<greeting>", "EHLO me.example", "NOOP"]
        assert "Next (3/4): NOOP" in _panel_text(app)  # "# pause" holds --auto until a key
        await _key(pilot, app, "escape")
        assert not app.query(DemoPanel)
        assert _commands(app) == ["<greeting>", "EHLO me.example", "NOOP"]


async def test_a_bad_directive_is_reported_with_file_and_line(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "typo.txt"
    script.write_text("EHLO me.example\n# pasue\nQUIT\n")
    app = _app(smtpshell_home, script)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        errors = [r for r in records(app) if isinstance(r, Notice) and r.level == "error"]
        assert [e.text.split(": ", 1)[0] for e in errors] == [f"{script}:2"]
        assert "unknown directive '# pasue'" in errors[0].text
        assert not app.query(DemoPanel) and _commands(app) == ["<greeting>"]


async def test_typing_shows_the_line_appear_before_it_is_sent(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "typed.txt"
    script.write_text("NOOP\n")
    app = _app(smtpshell_home, script, "--typing")
    shown: list[str] = []
    put = app.put_on_command_line

    def recording(text: str) -> None:
        shown.append(text)
        put(text)

    app.put_on_command_line = recording  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: bool(app.query(DemoPanel)), "the demo panel")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _commands(app)[-1:] == ["NOOP"], "the typed line to be sent", rounds=2000)
        await settle(pilot, app)
        assert shown[:4] == ["N", "NO", "NOO", "NOOP"] and shown[-1] == ""  # typed, then the line is cleared
        assert app.query_one(CommandLine).input.value == ""


async def test_a_replay_inside_a_demo_runs_whole_and_the_demo_goes_on(smtpshell_home: Path, tmp_path: Path) -> None:
    inner = tmp_path / "inner.txt"
    inner.write_text("NOOP\nRSET\n")
    script = tmp_path / "outer.txt"
    script.write_text(f"EHLO me.example\n/replay {inner}\nQUIT\n")
    app = _app(smtpshell_home, script)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: bool(app.query(DemoPanel)), "the demo panel")
        await _key(pilot, app, "enter")
        await _key(pilot, app, "enter")
        assert _commands(app)[-3:] == ["EHLO me.example", "NOOP", "RSET"]
        panel = app.query_one(DemoPanel)
        assert panel.run.source == str(script) and "Next (3/3): QUIT" in _panel_text(app)
