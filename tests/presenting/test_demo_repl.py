"""/replay in the plain prompt: each line waits on the command line; Enter sends it, another line goes out in
its place without moving the demo on, Ctrl-C ends the demo."""

from __future__ import annotations

import io
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.repl.app import Repl
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange, Notice


async def _type(home: Path, keys: str) -> tuple[ShellEngine, str]:
    out = io.StringIO()
    engine = ShellEngine(data_dir=home)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        await Repl(engine, input=pipe, output=DummyOutput(), out=out).run()
    return engine, out.getvalue()


def _commands(engine: ShellEngine) -> list[str]:
    return [r.command for r in engine.records if isinstance(r, Exchange)]


async def test_enter_sends_each_line_of_the_demo(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("# Say hello first\nEHLO me.example\n# Then do nothing, politely\nNOOP\nRSET\n")
    keys = f"/replay {script}\r" + "\r" + "\x15HELP\r" + "\r" + "\r" + "/quit\r"  # Ctrl-U clears the offered line
    engine, printed = await _type(smtpshell_home, keys)
    assert _commands(engine) == ["<greeting>", "EHLO me.example", "HELP", "NOOP", "RSET"]
    assert printed.count("Say hello first") == 1 and printed.count("Then do nothing, politely") == 1
    assert printed.index("Say hello first") < printed.index("S: 250-")
    assert "Demo finished: all 3 line(s)" in printed
    assert not any(isinstance(r, Notice) and "Say hello" in r.text for r in engine.records)  # notes are not kept


async def test_ctrl_c_ends_the_demo(smtpshell_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("EHLO me.example\nNOOP\nRSET\n")
    engine, printed = await _type(smtpshell_home, f"/replay {script}\r\r\x03NOOP\r/quit\r")
    assert _commands(engine) == ["<greeting>", "EHLO me.example", "NOOP"]
    assert "Demo ended after 1 of 3 line(s)." in printed
