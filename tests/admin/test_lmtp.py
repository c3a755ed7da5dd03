"""LMTP (RFC 2033): `connect --lmtp` and `probe --lmtp` greet with LHLO and read one reply per recipient after
the data; the sandbox serves LMTP (`serve --lmtp`); aiosmtpd's LMTP server is the peer nobody here wrote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from smtpshell.explain import explain_topic
from smtpshell.net.probe import EXIT_OK, ProbeOptions, probe
from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.serve_command import build_parser, build_policy, describe
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.target import parse_connect_args
from tests.session.helpers import codes, exchanges, run


@pytest.fixture
def lmtp_sandbox(smtpshell_home: Path) -> Iterator[SandboxThread]:
    with SandboxThread(SandboxPolicy(lmtp=True), data_dir=smtpshell_home) as running:
        yield running


MESSAGE = ("Subject: lmtp", "", "hello", ".")


async def test_connect_lmtp_reads_one_reply_per_recipient(lmtp_sandbox: SandboxThread, smtpshell_home: Path) -> None:
    engine = ShellEngine(parse_connect_args([f"127.0.0.1:{lmtp_sandbox.port}", "--lmtp"]), data_dir=smtpshell_home)
    await engine.start()
    try:
        assert engine.state.next_verbs() == ["LHLO", "QUIT"]
        await run(
            engine,
            "LHLO me.example",
            "MAIL FROM:<carol@sandbox.test>",
            "RCPT TO:<alice@sandbox.test>",
            "RCPT TO:<bob@sandbox.test>",
            "DATA",
            *MESSAGE,
            "NOOP",
        )
        assert codes(engine) == [220, 250, 250, 250, 250, 354, 250, 250, 250]
        first, second = exchanges(engine)[6:8]
        assert first.reply is not None and "<alice@sandbox.test> delivered" in first.reply.text
        assert second.command == "(LMTP: reply for <bob@sandbox.test>)"
        assert second.reply is not None and "<bob@sandbox.test> delivered" in second.reply.text
        assert second.explanation is not None and "recipient 2 of 2" in second.explanation.meaning
        assert exchanges(engine)[-1].command == "NOOP"  # the NOOP's reply was not taken for a recipient's
        assert engine.state.sender is None and engine.state.recipients == []
    finally:
        await engine.close()
    [message] = lmtp_sandbox.store.messages()
    assert message.envelope.recipients == ("alice@sandbox.test", "bob@sandbox.test")


async def test_each_protocol_refuses_the_others_greeting(lmtp_sandbox: SandboxThread, smtpshell_home: Path) -> None:
    engine = ShellEngine(parse_connect_args([f"127.0.0.1:{lmtp_sandbox.port}", "--lmtp"]), data_dir=smtpshell_home)
    await engine.start()
    try:
        await run(engine, "EHLO me.example", "HELO me.example")
        replies = [e.reply for e in exchanges(engine)[1:]]
        assert all(r is not None and r.code == 500 and "greet with LHLO" in r.text for r in replies)
    finally:
        await engine.close()
    smtp = ShellEngine(data_dir=smtpshell_home)
    await smtp.start()
    try:
        await run(smtp, "LHLO me.example")
        reply = exchanges(smtp)[-1].reply
        assert reply is not None and reply.code == 500 and "this is SMTP: use EHLO" in reply.text
    finally:
        await smtp.close()


async def test_probe_lmtp_greets_with_lhlo(lmtp_sandbox: SandboxThread) -> None:
    options = ProbeOptions("127.0.0.1", lmtp_sandbox.port, timeout=5, lmtp=True, insecure=True)
    report = await probe(options)
    assert report.exit_code == EXIT_OK and report.greeting == "LHLO"
    assert [line.split()[0] for who, line in report.transcript if who == "C"][:3] == ["LHLO", "STARTTLS", "LHLO"]
    assert report.to_dict()["protocol"] == "lmtp"


def test_serve_lmtp_says_so() -> None:
    policy = build_policy(build_parser().parse_args(["--lmtp"]))
    assert policy.lmtp
    with SandboxThread(policy) as running:
        assert f"listening on 127.0.0.1:{running.port}, LMTP with STARTTLS" in describe(running.sandbox)[0]


def test_explanations_know_lhlo() -> None:
    explanation = explain_topic("LHLO")
    assert explanation.known and "RFC 2033" in " ".join(explanation.references)
    assert "once for every recipient" in explanation.meaning + " ".join(explanation.next_steps)


class SplitDecision:
    """aiosmtpd's LMTP handler answers per recipient: the first mailbox takes it, the second is over quota."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        first, *others = envelope.rcpt_tos
        return "\r\n".join([f"250 2.0.0 <{first}> delivered", *(f"552 5.2.2 <{r}> mailbox full" for r in others)])


class LMTPController(Controller):
    def __init__(self, handler: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0)

    def factory(self) -> LMTP:
        return LMTP(self.handler)

    def _trigger_server(self) -> None:
        # Controller connects to its own port to check the server is up; with port 0 the kernel picked it.
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


async def test_against_aiosmtpd_lmtp_a_refused_recipient_is_told_apart(smtpshell_home: Path) -> None:
    controller = LMTPController(SplitDecision())
    controller.start()
    try:
        target = parse_connect_args([f"127.0.0.1:{controller.port}", "--lmtp"])
        engine = ShellEngine(target, data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(
                engine,
                "LHLO me.example",
                "MAIL FROM:<a@example.org>",
                "RCPT TO:<b@example.org>",
                "RCPT TO:<c@example.org>",
                "DATA",
                *MESSAGE,
                "QUIT",
            )
        finally:
            await engine.close()
    finally:
        controller.stop()
    assert codes(engine) == [220, 250, 250, 250, 250, 354, 250, 552, 221]
    refused = exchanges(engine)[7]
    assert refused.command == "(LMTP: reply for <c@example.org>)"
    assert refused.explanation is not None and "only the refused ones need sending again" in refused.explanation.meaning


async def test_lhlo_typed_by_hand_makes_the_session_lmtp(lmtp_sandbox: SandboxThread, smtpshell_home: Path) -> None:
    engine = ShellEngine(parse_connect_args([f"127.0.0.1:{lmtp_sandbox.port}"]), data_dir=smtpshell_home)
    await engine.start()
    try:
        assert not engine.state.lmtp
        await run(
            engine,
            "LHLO me.example",
            "MAIL FROM:<carol@sandbox.test>",
            "RCPT TO:<alice@sandbox.test>",
            "RCPT TO:<bob@sandbox.test>",
            "DATA",
            *MESSAGE,
        )
        assert engine.state.lmtp
        assert codes(engine)[-2:] == [250, 250]  # both recipients' replies read, none left for the next command
        await run(engine, "NOOP")
        assert exchanges(engine)[-1].command == "NOOP" and codes(engine)[-1] == 250
    finally:
        await engine.close()


async def test_probe_without_lmtp_against_an_lmtp_server_says_to_add_it(lmtp_sandbox: SandboxThread) -> None:
    report = await probe(ProbeOptions("127.0.0.1", lmtp_sandbox.port, timeout=5))
    assert report.failure is not None and report.failure.stage == "ehlo" and "--lmtp" in report.failure.advice
