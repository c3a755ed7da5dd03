"""The authentication lab end to end: the shell signs with the composer, the sandbox (over loopback) verifies SPF,
DKIM and DMARC with pyspf and dkimpy, refuses as a strict receiver and says why, and stores Authentication-Results.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.authlab.receiver import AuthLab
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from tests.session.helpers import last, notices, run


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(policy=SandboxPolicy(), data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


async def send(engine: ShellEngine, sender: str, *message: str) -> None:
    await run(engine, "EHLO client.example", f"MAIL FROM:<{sender}>", "RCPT TO:<bob@sandbox.test>", "DATA")
    await run(engine, *message, ".")


async def test_a_signed_message_passes_and_a_broken_header_is_refused_by_dmarc(engine: ShellEngine) -> None:
    await run(engine, "/dns on")
    await send(engine, "alice@nospf.test", "/message --dkim nospf.test")
    accepted = last(engine)
    assert accepted.reply is not None and accepted.reply.code == 250, accepted.server_reason
    assert "DKIM pass for d=nospf.test" in (accepted.server_reason or "")
    stored = engine.mailbox()[-1].content.decode()
    assert "Authentication-Results: sandbox.test;" in stored and "dkim=pass header.d=nospf.test" in stored
    assert "dmarc=pass header.from=nospf.test" in stored

    await send(engine, "alice@nospf.test", "/message --dkim nospf.test --tamper")
    refused = last(engine)
    assert refused.reply is not None and (refused.reply.code, str(refused.reply.enhanced)) == (550, "5.7.26")
    assert "DMARC policy" in refused.reply.text
    reason = refused.server_reason or ""
    assert "DKIM fail for d=nospf.test" in reason and "changed after signing" in reason
    assert "SPF none for nospf.test" in reason and "p=reject" in reason
    assert len(engine.mailbox()) == 1


async def test_spf_fail_turns_into_250_once_the_right_ip4_is_added(engine: ShellEngine) -> None:
    await run(engine, "/dns on")
    await send(engine, "carol@badspf.test", "From: <carol@badspf.test>", "Subject: hi", "", "hello")
    refused = last(engine)
    assert refused.reply is not None and (refused.reply.code, str(refused.reply.enhanced)) == (550, "5.7.23")
    assert "matched by -all (record 'v=spf1 ip4:192.0.2.1 -all', client 127.0.0.1)" in (refused.server_reason or "")
    await run(engine, "RSET", '/dns set badspf.test TXT "v=spf1 ip4:192.0.2.1 ip4:127.0.0.1 -all"')
    await send(engine, "carol@badspf.test", "From: <carol@badspf.test>", "Subject: hi", "", "hello")
    accepted = last(engine)
    assert accepted.reply is not None and accepted.reply.code == 250
    assert "SPF pass for badspf.test, matched by ip4:127.0.0.1" in (accepted.server_reason or "")


async def test_dmarc_alignment_names_the_domain_that_failed(engine: ShellEngine) -> None:
    # SPF passes for good.test (the envelope), but the From: says nospf.test, which has p=reject.
    await run(engine, "/dns on")
    await send(engine, "alice@good.test", "From: <alice@nospf.test>", "Subject: hi", "", "hello")
    refused = last(engine)
    assert refused.reply is not None and refused.reply.code == 550
    assert "SPF passed for good.test, which is not aligned with From: nospf.test" in (refused.server_reason or "")


async def test_forwarded_mail_fails_spf_but_passes_dmarc_through_dkim(engine: ShellEngine) -> None:
    await run(engine, "/dns on")
    await send(engine, "news@forwarded.test", "/message --dkim forwarded.test")
    accepted = last(engine)
    assert accepted.reply is not None and accepted.reply.code == 250
    reason = accepted.server_reason or ""
    assert "SPF fail for forwarded.test" in reason and "aligned DKIM pass" in reason


async def test_without_the_lab_and_for_other_domains_nothing_changes(engine: ShellEngine) -> None:
    await send(engine, "alice@badspf.test", "Subject: hi", "", "hello")  # the lab is off
    assert last(engine).reply is not None and last(engine).reply.code == 250  # type: ignore[union-attr]
    await run(engine, "/dns on")
    await send(engine, "alice@sandbox.test", "Subject: hi", "", "hello")  # not a lab domain
    assert last(engine).reply is not None and last(engine).reply.code == 250  # type: ignore[union-attr]
    assert "Authentication-Results" not in engine.mailbox()[-1].content.decode()


async def test_dns_shows_and_explains_the_zone(engine: ShellEngine) -> None:
    await run(engine, "/dns")
    shown = notices(engine)[-1]
    assert "the authentication lab is off" in shown.text
    assert "_dmarc.good.test TXT v=DMARC1; p=reject" in shown.detail and "DMARC: policy" in shown.detail
    assert all(len(line) < 60 for line in shown.detail.splitlines())  # the TUI keeps short lines as they are
    await run(engine, '/dns set _dmarc.good.test TXT "v=DMARC1; p=none"', "/dns bogus")
    assert "v=DMARC1; p=none" in notices(engine)[-2].text
    assert notices(engine)[-1].level == "error"


async def test_a_signature_for_a_domain_without_a_key_is_refused(engine: ShellEngine) -> None:
    await run(engine, "/message --dkim badspf.test")
    assert notices(engine)[-1].level == "error" and "no DKIM key" in notices(engine)[-1].text


async def test_the_mailbox_explains_authentication_results_line_by_line(engine: ShellEngine) -> None:
    await run(engine, "/dns on")
    await send(engine, "alice@good.test", "/message --dkim good.test")
    await run(engine, "/mailbox 1")
    detail = notices(engine)[-1].detail
    assert "Authentication-Results explained:" in detail
    assert "spf=pass: SPF: may the client's IP address send mail" in detail
    assert "header.d=good.test: the d= domain of the DKIM signature" in detail


async def test_dkim_without_spf_and_without_dmarc_gets_the_spf_rule_5_7_27(engine: ShellEngine) -> None:
    await run(engine, "/dns del _dmarc.nospf.test")
    await send(engine, "dave@nospf.test", "/message --dkim nospf.test")
    refused = last(engine)
    assert refused.reply is not None and (refused.reply.code, str(refused.reply.enhanced)) == (550, "5.7.27")
    assert "SPF authentication didn't pass" in refused.reply.text
    assert "DKIM pass for d=nospf.test" in (refused.server_reason or "")


async def test_a_helo_name_with_spf_is_checked_too(engine: ShellEngine) -> None:
    await run(engine, "/dns on", "EHLO mail.good.test", "MAIL FROM:<alice@good.test>", "RCPT TO:<bob@sandbox.test>")
    await run(engine, "DATA", "From: <alice@good.test>", "", "hi", ".")
    await run(engine, '/dns set mail.good.test TXT "v=spf1 a -all"')
    await run(engine, "MAIL FROM:<alice@good.test>", "RCPT TO:<bob@sandbox.test>", "DATA", "From: <alice@good.test>")
    await run(engine, "", "hi", ".")
    first, second = (m.content.decode() for m in engine.mailbox()[-2:])
    assert "spf=none smtp.helo=mail.good.test" in first
    assert "spf=pass smtp.helo=mail.good.test" in second


async def test_the_tui_mailbox_headers_explain_authentication_results(engine: ShellEngine) -> None:
    from smtpshell.tui.mailbox import render_headers

    await run(engine, "/dns on")
    await send(engine, "alice@good.test", "/message --dkim good.test")
    shown = render_headers(engine.mailbox()[-1]).plain
    assert "Authentication-Results explained:" in shown and "dmarc=pass: DMARC:" in shown


async def test_a_trusted_arc_seal_carries_a_list_s_change_through_dmarc(engine: ShellEngine) -> None:
    await run(engine, "/dns on")
    await send(engine, "news@forwarded.test", "/message --dkim forwarded.test --tamper --arc lists.test")
    accepted = last(engine)
    assert accepted.reply is not None and accepted.reply.code == 250, accepted.server_reason
    reason = accepted.server_reason or ""
    assert "DKIM fail for d=forwarded.test" in reason and "ARC pass, sealed by lists.test (trusted)" in reason
    assert "overridden" in reason
    stored = engine.mailbox()[-1].content.decode()
    assert "arc=pass header.as-d=lists.test" in stored and "dmarc=fail" in stored

    # The same seal from a sealer the receiver does not trust changes nothing.
    assert isinstance(engine.policy.message_check, AuthLab)
    engine.policy.message_check.zone.trusted_sealers.clear()
    await send(engine, "news@forwarded.test", "/message --dkim forwarded.test --tamper --arc lists.test")
    refused = last(engine)
    assert refused.reply is not None and refused.reply.code == 550
    assert "not trusted by this receiver" in (refused.server_reason or "")


async def test_p_quarantine_accepts_but_marks_the_message_as_spam(engine: ShellEngine) -> None:
    await run(engine, '/dns set _dmarc.nospf.test TXT "v=DMARC1; p=quarantine"')
    await send(engine, "alice@good.test", "From: <alice@nospf.test>", "Subject: hi", "", "hello")
    accepted = last(engine)
    assert accepted.reply is not None and accepted.reply.code == 250
    assert "quarantined it" in (accepted.server_reason or "")
    stored = engine.mailbox()[-1].content.decode()
    assert "X-Spam-Flag: YES (DMARC p=quarantine)" in stored and "dmarc=fail" in stored
