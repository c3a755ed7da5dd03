"""The plain REPL driven through prompt_toolkit's pipe input: a whole session typed, then what was printed."""

from __future__ import annotations

import io
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.proto.client_state import DATA_END
from smtpshell.repl.app import Repl
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange


async def type_session(home: Path, keys: str) -> tuple[ShellEngine, str, int]:
    out = io.StringIO()
    engine = ShellEngine(data_dir=home)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        status = await Repl(engine, input=pipe, output=DummyOutput(), out=out).run()
    return engine, out.getvalue(), status


async def test_a_typed_session_sends_a_message_and_prints_replies(smtpshell_home: Path) -> None:
    keys = "".join(
        line + "\r"
        for line in [
            "EHLO me.example",
            "MAIL FROM:<alice@sandbox.test>",
            "RCPT TO:<bob@sandbox.test>",
            "DATA",
            "Subject: typed in the repl",
            "",
            ".leading dot",
            ".",
            "/mailbox 1",
            "QUIT",
            "/quit",
        ]
    )
    engine, printed, status = await type_session(smtpshell_home, keys)
    assert status == 0
    sent = [r for r in engine.records if isinstance(r, Exchange)]
    assert [e.reply.code for e in sent if e.reply] == [220, 250, 250, 250, 354, 250, 221]
    assert sent[5].command == DATA_END and sent[5].payload_lines[-1] == "..leading dot"
    # what the sandbox captured, as /mailbox printed it: the dot-stuffing was undone by the server
    assert "Subject: typed in the repl" in printed and "\n   .leading dot\n" in printed
    assert "S: 354" in printed and "S: 221" in printed
    assert "C: EHLO me.example" not in printed  # the typed line is already on screen at the prompt
    assert "<CRLF>.<CRLF>" in printed  # the shell said it ended the message
    history = (smtpshell_home / "history").read_text().splitlines()
    assert history[:4] == ["EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"]
    assert "Subject: typed in the repl" not in history  # message lines are not commands


async def test_explanations_print_under_replies_and_toggle_off(smtpshell_home: Path) -> None:
    _, printed, _ = await type_session(smtpshell_home, "NOOP\r/explanations off\rNOOP\r\x04")
    first, _, second = printed.partition("Explanations off")
    noop_explained = [line for line in first.splitlines() if line.startswith("    ")]
    assert noop_explained  # the explanation of the 250, indented under it
    assert "S: 250" in second and not [line for line in second.splitlines() if line.startswith("    ")]


async def test_password_prompt_keeps_nothing(smtpshell_home: Path) -> None:
    keys = "EHLO me.example\rSTARTTLS\rEHLO me.example\r/auth PLAIN alice\rwonderland\r\x04"
    engine, printed, _ = await type_session(smtpshell_home, keys)
    codes = [r.reply.code for r in engine.records if isinstance(r, Exchange) and r.reply]
    assert codes[-1] == 235
    assert "wonderland" not in printed
    assert "wonderland" not in (smtpshell_home / "history").read_text()


async def test_warning_then_insisting_in_the_repl(smtpshell_home: Path) -> None:
    # After the warning the line is back at the prompt: Enter alone sends it.
    engine, printed, _ = await type_session(smtpshell_home, "RCPT TO:<bob@sandbox.test>\r\r\x04")
    assert "RCPT before MAIL" in printed
    assert printed.count("S: 503") == 1
    assert [r.command for r in engine.records if isinstance(r, Exchange)][-1] == "RCPT TO:<bob@sandbox.test>"


async def test_bare_carriage_return_cannot_be_typed_through(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home)
    out = io.StringIO()
    with create_pipe_input() as pipe:
        repl = Repl(engine, input=pipe, output=DummyOutput(), out=out)
        await engine.start()
        await engine.submit("NOOP\rRSET")
        await engine.close()
    assert "Not sent: the line contains a carriage return (CR)." in out.getvalue()
    assert repl.toolbar()  # the toolbar renders the state without a running prompt


async def test_completer_and_toolbar_read_the_engine(smtpshell_home: Path) -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    engine = ShellEngine(data_dir=smtpshell_home)
    with create_pipe_input() as pipe:
        repl = Repl(engine, input=pipe, output=DummyOutput(), out=io.StringIO())
        await engine.start()
        try:
            assert repl.session.completer is not None
            found = list(repl.session.completer.get_completions(Document("eh"), CompleteEvent()))
            assert found and found[0].text.upper().startswith("EHLO") and found[0].display_meta_text
            toolbar = "".join(text for _, text in repl.toolbar())
            assert "sandbox" in toolbar and "no transaction" in toolbar and "TLS off" in toolbar
        finally:
            await engine.close()


async def test_history_from_an_earlier_session_is_searchable_with_ctrl_r(smtpshell_home: Path) -> None:
    await type_session(smtpshell_home, "EHLO earlier.example\rNOOP\r\x04")
    # Ctrl-R, type part of the old line, Enter ends the search, Enter sends the line found.
    engine, printed, _ = await type_session(smtpshell_home, "\x12earlier\r\r\x04")
    sent = [r.command for r in engine.records if isinstance(r, Exchange)]
    assert sent[-1] == "EHLO earlier.example"
    assert "S: 250-sandbox.test Hello earlier.example" in printed
