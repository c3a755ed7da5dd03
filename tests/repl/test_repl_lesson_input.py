"""The plain shell as a learner meets it in the lessons: a /showme group fills the line, an answer to 334 is not
echoed, Ctrl-V then Enter types a lone CR, and a message holding one is printed without moving the cursor."""

from __future__ import annotations

import io
from pathlib import Path

from prompt_toolkit.formatted_text import fragment_list_to_text
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.repl.app import Repl
from smtpshell.repl.styles import styled_lines
from smtpshell.session.engine import AUTH_PROMPT, ShellEngine
from smtpshell.session.records import Exchange
from smtpshell.session.transcript import display_lines

CTRL_V, CTRL_D = "\x16", "\x04"


async def type_keys(home: Path, keys: str) -> tuple[ShellEngine, str]:
    out = io.StringIO()
    engine = ShellEngine(data_dir=home)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        await Repl(engine, input=pipe, output=DummyOutput(), out=out).run()
    return engine, out.getvalue()


async def test_showme_puts_a_pipelined_group_on_the_line_and_enter_sends_it(smtpshell_home: Path) -> None:
    keys = "/lesson pipelining\rEHLO client.example\r/showme\r\r" + CTRL_D
    engine, printed = await type_keys(smtpshell_home, keys)
    assert "The shell sends these 5 commands in one go" in printed
    assert "Step 2 done" in printed
    groups = {e.sent_at for e in engine.records if isinstance(e, Exchange) and e.command.startswith("RCPT")}
    assert len(groups) == 1  # the three RCPT went out together


async def test_an_answer_to_a_334_is_typed_hidden(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home)
    with create_pipe_input() as pipe:
        repl = Repl(engine, input=pipe, output=DummyOutput(), out=io.StringIO())
        await engine.start()
        try:
            assert not repl.session.is_password()
            for line in ("EHLO me", "STARTTLS", "EHLO me", "AUTH LOGIN"):
                await engine.submit(line)
            assert engine.prompt == AUTH_PROMPT
            assert repl.session.is_password()  # prompt_toolkit shows asterisks, not cmFiYml0
        finally:
            await engine.close()


async def test_ctrl_v_then_enter_types_a_lone_cr(smtpshell_home: Path) -> None:
    _, printed = await type_keys(smtpshell_home, "NOOP" + CTRL_V + "\rRSET\r" + CTRL_D)
    assert "Not sent: the line contains a carriage return (CR)." in printed


async def test_a_message_with_lone_crs_prints_visibly_and_keeps_the_reply_in_place(smtpshell_home: Path) -> None:
    lines = ["/raw on", "EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"]
    message = "Hello Bob," + CTRL_V + "\r." + CTRL_V + "\rMAIL FROM:<ceo@sandbox.test>\r.\r"
    engine, printed = await type_keys(smtpshell_home, "".join(line + "\r" for line in lines) + message + CTRL_D)
    assert "\r" not in printed and "S: 554 5.6.0" in printed
    end = [e for e in engine.records if isinstance(e, Exchange)][-1]
    assert end.reply is not None and end.reply.code == 554
    shown = display_lines(end, explanations=False)
    # One line, its CRs written out visibly (as a control picture or an escape), none left raw.
    assert shown[0].text.startswith("C: Hello Bob,") and shown[0].text.endswith("MAIL FROM:<ceo@sandbox.test>")
    assert not any("\r" in line.text for line in shown)
    styled = [fragment_list_to_text(fragments) for fragments in styled_lines(shown)]
    assert styled == [line.text for line in shown]  # the lexer keeps one line per line: the 554 stays in place
    assert styled[-1].startswith("S: 554 5.6.0")
