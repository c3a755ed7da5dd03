"""Abandoning a message half typed after DATA in the plain shell: Ctrl-C says how, Ctrl-C again hangs up, and
nothing is delivered (a line with only '.' would have delivered it)."""

from __future__ import annotations

import io
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.repl.app import Repl
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange


async def test_ctrl_c_twice_in_data_abandons_the_message_by_closing_the_connection(smtpshell_home: Path) -> None:
    keys = "EHLO me\rMAIL FROM:<alice@sandbox.test>\rRCPT TO:<bob@sandbox.test>\rDATA\rSubject: half\r"
    keys += "\x03\x03/mailbox\r/quit\r"
    out = io.StringIO()
    engine = ShellEngine(data_dir=smtpshell_home)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        status = await Repl(engine, input=pipe, output=DummyOutput(), out=out).run()
    printed = " ".join(out.getvalue().split())
    assert status == 0
    assert "a line with only '.' would deliver it" in printed and "Press Ctrl+C again" in printed
    assert "(RSET afterwards)" not in printed  # the old advice: ending it with '.' delivered the message
    assert "Message abandoned" in printed
    assert "The sandbox's mailbox is empty." in printed  # nothing was delivered
    changes = [r for r in engine.records if isinstance(r, ConnectionChange) and r.event == "disconnected"]
    assert changes and "abandon" in changes[-1].detail
