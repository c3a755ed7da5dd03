"""The shell engine against the real sandbox (on its own thread, over loopback): sessions typed line by line."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.proto.client_state import DATA_END, GREETING
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange, Exchange, Notice
from smtpshell.session.redact import HIDDEN
from tests.session.helpers import changes, codes, commands_received, exchanges, last, notices, run

# A password of this test's own: the sandbox's default one also appears in the command table's AUTH example.
PASSWORD = "c0rrect-h0rse"
SECRETS = (
    PASSWORD,
    base64.b64encode(f"\0alice\0{PASSWORD}".encode()).decode(),
    base64.b64encode(PASSWORD.encode()).decode(),
)


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(policy=SandboxPolicy(users={"alice": PASSWORD}), data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


async def test_greeting_is_an_exchange_with_the_sandboxs_reason(engine: ShellEngine) -> None:
    greeting = exchanges(engine)[0]
    assert greeting.kind == "greeting" and greeting.command == GREETING
    assert greeting.reply is not None and greeting.reply.code == 220
    assert greeting.server_reason and greeting.explanation is not None
    assert greeting.state.connected and engine.state.greeted
    assert isinstance(engine.records[0], ConnectionChange) and engine.records[0].event == "connected"


async def test_a_whole_message_typed_line_by_line(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")
    assert codes(engine) == [220, 250, 250, 250, 354]
    assert engine.mode == "data" and engine.prompt == "data> "
    await run(engine, "Subject: dots", "", ".x", "..two", "body")
    assert len(exchanges(engine)) == 5  # nothing was sent yet: the message is collected until "."
    await engine.submit(".")
    end = last(engine)
    assert end.command == DATA_END and end.kind == "data" and end.reply and end.reply.code == 250
    assert end.payload_lines == ("Subject: dots", "", "..x", "...two", "body")
    told = [n for n in notices(engine) if "<CRLF>.<CRLF>" in n.text]
    assert told and "2 line(s) starting with '.'" in told[-1].detail
    assert engine.mode == "command" and engine.state.sender is None
    [message] = engine.mailbox()
    assert message.envelope.recipients == ("bob@sandbox.test",)
    assert message.content.endswith(b"Subject: dots\r\n\r\n.x\r\n..two\r\nbody\r\n")
    await engine.submit("QUIT")
    assert last(engine).reply.code == 221  # type: ignore[union-attr]
    assert not engine.connected and changes(engine)[-1].event == "disconnected"


async def test_every_sandbox_reply_carries_its_reason_in_order(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "RCPT TO:<bob@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "NOOP")
    replies = exchanges(engine)
    assert [e.reply.code for e in replies if e.reply] == [220, 250, 503, 250]
    assert all(e.server_reason for e in replies)
    assert len({e.server_reason for e in replies}) == 4


async def test_pointless_command_is_held_once_then_sent_when_insisted(engine: ShellEngine) -> None:
    await engine.submit("EHLO me.example")
    await engine.submit("RCPT TO:<bob@sandbox.test>")
    warning = notices(engine, "warning")[-1]
    assert "RCPT before MAIL" in warning.text
    assert "RCPT TO:<bob@sandbox.test>" not in commands_received(engine.server_log(this_connection=True))
    await engine.submit("RCPT TO:<bob@sandbox.test>")
    assert last(engine).reply.code == 503  # type: ignore[union-attr]
    assert commands_received(engine.server_log(this_connection=True))[-1] == "RCPT TO:<bob@sandbox.test>"


async def test_insisting_only_counts_right_after_the_warning(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "DATA", "NOOP", "DATA")
    assert codes(engine) == [220, 250, 250]  # the second DATA was warned about again, not sent
    assert len([n for n in notices(engine, "warning") if "no transaction" in n.text]) == 2


@pytest.mark.parametrize("line", ["NOOP\rRSET", "NOOP\x00", "RSET\r", "MAIL FROM:<a@sandbox.test>\r\rRSET"])
async def test_bare_cr_and_nul_are_refused_before_sending(engine: ShellEngine, line: str) -> None:
    await engine.submit(line)
    assert "Not sent" in notices(engine, "error")[-1].text
    assert commands_received(engine.server_log(this_connection=True)) == []
    assert codes(engine) == [220]


async def test_a_line_feed_ends_a_line_so_each_part_goes_with_its_own_crlf(engine: ShellEngine) -> None:
    # A pasted block: the LF never reaches the wire; each line is sent as a command of its own.
    await engine.submit("NOOP\nRSET\r\nNOOP")
    assert commands_received(engine.server_log(this_connection=True)) == ["NOOP", "RSET", "NOOP"]
    assert codes(engine) == [220, 250, 250, 250]


async def test_raw_mode_sends_what_safety_would_refuse(engine: ShellEngine) -> None:
    await run(engine, "/raw on", "RCPT TO:<bob@sandbox.test>")
    assert last(engine).reply.code == 503  # type: ignore[union-attr]
    await run(engine, "/raw off", "RCPT TO:<bob@sandbox.test>")
    assert codes(engine) == [220, 503]


async def test_send_message_after_354_stuffs_and_ends_it(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "MAIL FROM:<>", "RCPT TO:<carol@sandbox.test>", "DATA")
    await engine.send_message("Subject: whole\r\n\r\n.hidden dot\r\n")
    assert last(engine).payload_lines == ("Subject: whole", "", "..hidden dot")
    [message] = engine.mailbox()
    assert message.content.endswith(b"\r\n\r\n.hidden dot\r\n") and message.envelope.sender == ""


async def test_send_message_without_354_is_refused(engine: ShellEngine) -> None:
    await engine.send_message("Subject: early\n\nbody\n")
    assert "No message is expected" in notices(engine, "error")[-1].text
    assert codes(engine) == [220]


async def test_message_template_goes_into_the_message(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")
    await run(engine, "/message", ".")
    [message] = engine.mailbox()
    assert b"From: <alice@sandbox.test>\r\nTo: <bob@sandbox.test>\r\n" in message.content
    assert b"Message-ID: <" in message.content


async def test_bdat_chunk_of_the_announced_size(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>")
    await run(engine, "BDAT 9 LAST", "1234567")
    assert "announced 9 octets but the chunk has 7" in notices(engine, "error")[-1].text
    assert engine.mode == "command" and not engine.mailbox()
    await run(engine, "BDAT 9 LAST", "Subject:x")
    exchange = last(engine)
    assert exchange.command == "BDAT 9 LAST" and exchange.payload_lines == ("Subject:x",)
    assert exchange.reply and exchange.reply.code == 250
    assert engine.mailbox()[0].content.endswith(b"Subject:x")


async def test_auth_helper_over_tls_keeps_no_secret(engine: ShellEngine, smtpshell_home: Path, tmp_path: Path) -> None:
    await run(engine, "EHLO me.example", "STARTTLS")
    assert engine.state.tls and engine.connection is not None and engine.connection.tls is not None
    assert engine.connection.tls.verified  # the sandbox's own certificate, checked like any other
    await engine.submit("/tls")
    shown = notices(engine)[-1]
    assert shown.text.startswith("TLS: TLSv1.") and "sandbox.test" in shown.detail
    assert any(isinstance(r, ConnectionChange) and r.event == "tls" for r in engine.records)
    await run(engine, "EHLO me.example", "/auth PLAIN alice")
    assert engine.mode == "secret" and engine.prompt == "password: "
    await engine.submit(PASSWORD)
    assert engine.mode == "command" and engine.state.authenticated == "PLAIN"
    auth = last(engine)
    assert auth.kind == "auth" and auth.command == f"AUTH PLAIN {HIDDEN}" and auth.tls
    assert any("\\0alice\\0********" in n.text for n in notices(engine))
    await run(engine, f"/save {tmp_path / 'session.md'}", f"/save {tmp_path / 'session.txt'}")
    saved = [(tmp_path / name).read_text() for name in ("session.md", "session.txt")]
    saved.append((smtpshell_home / "history").read_text())
    saved.append(repr(engine.records))
    for text in saved:
        for secret in SECRETS:
            assert secret not in text
    assert "AUTH PLAIN [credentials hidden]" in saved[0] and "## " in saved[0]
    assert "TLS C: AUTH PLAIN" in saved[1]


@pytest.mark.parametrize("mechanism", ["LOGIN", "CRAM-MD5"])
async def test_auth_helper_multi_step_mechanisms(engine: ShellEngine, mechanism: str) -> None:
    await run(engine, "EHLO me.example", "STARTTLS", "EHLO me.example", f"/auth {mechanism} alice", PASSWORD)
    steps = [e for e in exchanges(engine) if e.kind == "auth"]
    assert [e.reply.code for e in steps if e.reply] == [334, 334, 235] if mechanism == "LOGIN" else [334, 235]
    assert all(e.command in (f"AUTH {mechanism}", HIDDEN) for e in steps)
    assert engine.state.authenticated == mechanism
    assert PASSWORD not in repr(engine.records)


async def test_wrong_password_is_a_535_and_empty_password_cancels(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "STARTTLS", "EHLO me.example", "/auth PLAIN alice", "")
    assert "cancelled" in notices(engine)[-1].text and last(engine).command == "EHLO me.example"
    await run(engine, "/auth PLAIN alice", "not-the-password")
    assert last(engine).reply.code == 535 and engine.state.authenticated is None  # type: ignore[union-attr]


async def test_auth_typed_by_hand_hides_the_answers(engine: ShellEngine, smtpshell_home: Path) -> None:
    user, password = base64.b64encode(b"alice").decode(), base64.b64encode(PASSWORD.encode()).decode()
    await run(engine, "EHLO me.example", "STARTTLS", "EHLO me.example", "AUTH LOGIN", user, password)
    assert codes(engine)[-3:] == [334, 334, 235]
    assert [e.command for e in exchanges(engine)[-2:]] == [HIDDEN, HIDDEN]
    history = (smtpshell_home / "history").read_text()
    assert "AUTH LOGIN" in history and user not in history and password not in history


async def test_greylist_fault_then_retry(engine: ShellEngine) -> None:
    await run(engine, "/faults greylist", "EHLO me.example", "MAIL FROM:<alice@sandbox.test>")
    await run(engine, "RCPT TO:<bob@sandbox.test>", "RCPT TO:<bob@sandbox.test>")
    assert codes(engine)[-2:] == [451, 250]
    assert exchanges(engine)[-2].server_reason and exchanges(engine)[-1].server_reason
    assert exchanges(engine)[-2].server_reason != exchanges(engine)[-1].server_reason
    await engine.submit("/faults clear")
    assert engine.policy.faults.rules == []


async def test_server_hanging_up_leaves_the_engine_running(engine: ShellEngine) -> None:
    await run(engine, "/faults disconnect:NOOP", "NOOP")
    assert not engine.connected
    assert isinstance(engine.records[-1], (Notice, ConnectionChange))
    assert any(isinstance(r, Notice) and "/sandbox" in (r.text + r.detail) for r in engine.records[-3:])
    await engine.submit("NOOP")
    assert "Not connected" in notices(engine, "error")[-1].text
    await run(engine, "/faults clear", "/sandbox", "NOOP")
    assert engine.connected and last(engine).reply.code == 250  # type: ignore[union-attr]


async def test_connect_to_a_refused_port_explains_and_keeps_running(engine: ShellEngine) -> None:
    from tests.client.peers import refused_port

    with refused_port() as port:
        await engine.submit(f"/connect 127.0.0.1:{port}")
    error = notices(engine, "error")[-1]
    assert error.text and error.detail
    assert not engine.connected
    await engine.submit("/sandbox")
    assert engine.connected and last(engine).kind == "greeting"


async def test_meta_commands_answer_with_notices(engine: ShellEngine) -> None:
    await run(
        engine,
        "EHLO me.example",
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<bob@sandbox.test>",
        "DATA",
        "Subject: hello",
        "",
        "hi",
        ".",
    )
    for line, expected in [
        ("/mailbox", "holds 1 message"),
        ("/mailbox 1", "Message 1"),
        ("/mailbox 7", "Choose a message"),
        ("/server", "sandbox's side"),
        ("/state", "as the client sees it"),
        ("/tls", "not encrypted"),
        ("/help", "Type SMTP commands"),
        ("/help RCPT", "RCPT TO:"),
        ("/help /save", "/save [--brief] FILE"),
        ("/explain 550", "550"),
        ("/explanations off", "Explanations off"),
        ("/bogus", "Unknown shell command"),
        ("/raw maybe", "Say on or off"),
        ("/auth", "Give a mechanism"),
    ]:
        await engine.submit(line)
        notice = engine.records[-1]
        assert isinstance(notice, Notice), line
        assert expected in notice.text + notice.detail, (line, notice)
    assert engine.explanations is False
    await engine.submit("/explain")
    explained = engine.records[-1]
    assert isinstance(explained, Notice) and explained.explanation is not None
    assert explained.explanation.code == 250


async def test_replay_runs_a_script_with_comments(engine: ShellEngine, tmp_path: Path) -> None:
    script = tmp_path / "demo.smtp"
    script.write_text(
        "# greet the server\nEHLO me.example\n\nMAIL FROM:<alice@sandbox.test>\n"
        "RCPT TO:<bob@sandbox.test>\nDATA\n# not a comment: a message line\n.\nQUIT\n"
    )
    await engine.submit(f"/replay {script}")
    assert codes(engine) == [220, 250, 250, 250, 354, 250, 221]
    assert any(n.text == "greet the server" for n in notices(engine))
    assert engine.mailbox()[0].content.endswith(b"# not a comment: a message line\r\n")
    await engine.submit(f"/replay {tmp_path / 'missing'}")
    assert "no such file" in notices(engine, "error")[-1].text


async def test_quit_meta_command_ends_the_session(engine: ShellEngine) -> None:
    await engine.submit("/quit")
    assert engine.quit_requested and not engine.connected


async def test_completions_offer_sandbox_addresses(engine: ShellEngine) -> None:
    await run(engine, "EHLO me.example", "MAIL FROM:<alice@sandbox.test>")
    texts = [c.text for c in engine.completions("RCPT TO:<b")]
    assert any("bob@sandbox.test" in t for t in texts)
    assert "RCPT TO:<" in [c.text for c in engine.completions("rc")]
    assert all(c.meaning for c in engine.completions("rc"))


async def test_implicit_tls_port_of_the_sandbox(smtpshell_home: Path) -> None:
    from smtpshell.session.target import Target

    engine = ShellEngine(Target("sandbox", tls="implicit"), data_dir=smtpshell_home)
    await engine.start()
    try:
        greeting = exchanges(engine)[0]
        assert greeting.tls and greeting.reply and greeting.reply.code == 220
        await engine.submit("EHLO me.example")
        assert engine.state.advertised("AUTH")
    finally:
        await engine.close()


async def test_sandbox_with_starttls_greets_and_upgrades_at_once(engine: ShellEngine) -> None:
    await engine.submit("/sandbox --starttls")
    assert [e.command for e in exchanges(engine)[-3:]] == [GREETING, "EHLO client.example", "STARTTLS"]
    assert engine.state.tls and engine.state.helo is None  # RFC 3207: greet again after the upgrade
    await engine.submit("EHLO me.example")
    assert last(engine).tls and engine.state.advertised("AUTH")


async def test_records_are_plain_data(engine: ShellEngine) -> None:
    assert all(isinstance(r, (Exchange, Notice, ConnectionChange)) for r in engine.records)


async def test_the_prompt_says_auth_while_a_334_waits_for_a_typed_answer(engine: ShellEngine) -> None:
    await run(engine, "EHLO client.example", "STARTTLS", "EHLO client.example")
    assert engine.prompt == "smtp> "
    await run(engine, "AUTH LOGIN")
    assert last(engine).reply is not None and last(engine).reply.code == 334  # type: ignore[union-attr]
    assert engine.prompt == "auth> "
    await run(engine, "*")
    assert engine.prompt == "smtp> "
