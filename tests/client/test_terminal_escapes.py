"""Server text never reaches a terminal with its control characters: probe, the scripted shell, saved transcripts,
the REPL and the TUI all show ESC, BEL, NUL, C1 and DEL escaped, against a real server that sends them."""

from __future__ import annotations

import asyncio
import html
import io
import os
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from smtpshell.proto.visible_text import visible, visible_data, visible_lines
from smtpshell.repl.app import Repl
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange
from smtpshell.session.target import Target
from tests.client.hostile import HOSTILE, SHOWN_HOSTILE, SHOWN_TITLE, hostile_script, raw_controls
from tests.client.peers import scripted_server


def test_each_kind_of_control_character_is_written_out() -> None:
    assert visible("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert visible("\x00\x7f\x9b\x85") == "\\x00\\x7f\\x9b\\x85"
    assert visible("250 ok\r\n") == "250 ok\\x0d\\x0a"
    assert visible("not utf-8: " + b"\xff\x9b".decode("utf-8", "surrogateescape")) == "not utf-8: \\xff\\x9b"
    assert visible("250 \u202e1.0.5") == "250 \\u202e1.0.5"  # a bidi override would show it reversed
    assert visible("a\tb é ü 😀") == "a\tb é ü 😀"  # tabs and printable text stay as they are
    assert visible_lines("one\r\ntwo\x1b\nthree") == "one\ntwo\\x1b\nthree"


@given(st.text())
def test_nothing_a_terminal_obeys_survives_and_escaping_is_idempotent(text: str) -> None:
    shown = visible(text)
    assert all(char.isprintable() or char == "\t" or not _acts(char) for char in shown)
    assert visible(shown) == shown
    assert "\n" not in shown and all("\n" not in line for line in visible_lines(text).split("\n"))


def _acts(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029)


def test_visible_data_reaches_into_nested_records() -> None:
    data = {"k\x1b": [("a\x07", 3)], "n": None}
    assert visible_data(data) == {"k\\x1b": [("a\\x07", 3)], "n": None}


async def _run(*args: str, stdin: bytes = b"", home: Path) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "SMTPSHELL_HOME": str(home), "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smtpshell",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 60)
    assert process.returncode is not None
    return process.returncode, out, err


async def test_probe_report_shows_a_hostile_banner_escaped(tmp_path: Path) -> None:
    async with scripted_server(hostile_script) as port:
        code, out, err = await _run("probe", f"127.0.0.1:{port}", "--timeout", "10", "-v", home=tmp_path)
        _, json_out, _ = await _run("probe", f"127.0.0.1:{port}", "--timeout", "10", "--json", home=tmp_path)
    assert b"Traceback" not in err, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert SHOWN_TITLE in out.decode() and "X-\\x1b[2J" in out.decode()
    assert raw_controls(json_out) == [] and b"\\u001b]0;pwned\\u0007" in json_out
    assert code == 0, out.decode()


async def test_scripted_shell_and_saved_transcripts_show_it_escaped(tmp_path: Path) -> None:
    script = f"EHLO me.example\nNOOP\n/save {tmp_path}/t.txt\n/save {tmp_path}/t.md\nQUIT\n"
    async with scripted_server(hostile_script) as port:
        code, out, err = await _run("--plain", "--connect", f"127.0.0.1:{port}", stdin=script.encode(), home=tmp_path)
    assert b"Traceback" not in err, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    text = out.decode()
    assert f"S: 220 evil.example {SHOWN_HOSTILE}" in text and f"S: 221 bye {SHOWN_HOSTILE}" in text
    for saved in ("t.txt", "t.md"):
        content = (tmp_path / saved).read_bytes()
        assert raw_controls(content.replace(b"\r", b"")) == [] and SHOWN_HOSTILE.encode() in content
    assert code == 0, text


async def test_sandbox_views_show_what_a_client_sent_escaped(tmp_path: Path) -> None:
    script = (
        "EHLO me.example\nNOOP \x1b[2J\nMAIL FROM:<alice@sandbox.test>\nRCPT TO:<bob@sandbox.test>\nDATA\n"
        "Subject: \x1b]0;pwned\x07\n\nbody \x9b31m\n.\n/mailbox 1\n/server\nQUIT\n"
    )
    code, out, err = await _run("--plain", stdin=script.encode(), home=tmp_path)
    assert b"Traceback" not in err, err
    assert raw_controls(out) == [], out.decode(errors="replace")[-3000:]
    text = out.decode()
    assert "Subject: \\x1b]0;pwned\\x07" in text and "body \\x9b31m" in text  # /mailbox
    assert "\n   C: NOOP \\x1b[2J\n" in text  # the sandbox's log, as /server lists it
    assert code == 0, text


async def test_the_repl_prints_replies_escaped(smtpshell_home: Path) -> None:
    written = io.StringIO()
    output = Vt100_Output(written, lambda: Size(rows=40, columns=200), term="xterm")
    async with scripted_server(hostile_script) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        with create_pipe_input() as pipe:
            pipe.send_text("EHLO me.example\rQUIT\r/quit\r")
            await Repl(engine, input=pipe, output=output).run()
    printed = written.getvalue()
    assert SHOWN_TITLE in printed
    for sequence in ("\x1b]0;pwned", "\x07", "\x1b[2J", "\x00", "\x9b", "\x7f"):
        assert sequence not in printed


async def test_the_tui_renders_server_text_escaped(smtpshell_home: Path) -> None:
    from smtpshell.tui.app import SMTPShellApp
    from tests.tui.shell_driver import settle, transcript_entry, type_line, wait_for

    async with scripted_server(hostile_script) as port:
        app = SMTPShellApp(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: any(isinstance(r, Exchange) for r in app.engine.records), "the banner")
            await type_line(pilot, app, "EHLO me.example")
            await settle(pilot, app)
            ehlo = app.engine.last_exchange()
            assert ehlo is not None and ehlo.reply is not None and ehlo.reply.code == 250
            entry = transcript_entry(app, ehlo)
            screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
    assert SHOWN_TITLE in entry and "\x1b" not in entry
    assert SHOWN_TITLE in screen
    for control in ("\x1b", "\x07", "\x00", "\x9b", "\x7f", "\udc9b"):
        assert control not in screen


async def test_explain_shows_a_hostile_bounce_escaped(tmp_path: Path) -> None:
    bounce = b"S: 550 5.7.1 " + HOSTILE + b" relay denied\nS: 421 4.3.2 " + HOSTILE + b"\n"
    code, out, err = await _run("explain", "-", stdin=bounce, home=tmp_path)
    assert b"Traceback" not in err, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert f"line 1: S: 550 5.7.1 {SHOWN_HOSTILE} relay denied" in out.decode()
    assert code == 0, out.decode()


async def test_completion_offers_a_hostile_mechanism_escaped(smtpshell_home: Path) -> None:
    async with scripted_server(hostile_script) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit("EHLO me.example")
            offered = engine.completions("AUTH ")
        finally:
            await engine.close()
    shown = [text for c in offered for text in (c.text, c.display, c.meaning)]
    assert any(SHOWN_TITLE.upper() in text.upper() for text in shown)
    assert not [text for text in shown if not text.isprintable()]


async def test_the_tui_mailbox_and_server_views_show_client_text_escaped(smtpshell_home: Path) -> None:
    from smtpshell.tui.mailbox import render_body, render_envelope, render_headers, render_raw, summary
    from smtpshell.tui.server_view import render_log

    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    try:
        for line in ("EHLO me.example", "NOOP \x1b[2J", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"):
            await engine.submit(line)
        await engine.submit("DATA")
        await engine.send_message("Subject: \x1b]0;pwned\x07\n\nbody \x9b31m and \x07")
        [message] = engine.mailbox()
        views = [render_body(message), render_headers(message), render_raw(message), render_log(engine.server_log())]
        views.append(render_envelope(message, str))
        texts = [view.plain for view in views] + [summary(message)]
    finally:
        await engine.close()
    assert any("\\x1b]0;pwned\\x07" in text for text in texts[1:3])
    assert "and \\x07" in texts[0] and "NOOP \\x1b[2J" in texts[3]
    for text in texts:
        assert not [char for char in text if not (char.isprintable() or char in "\n\t")], text
