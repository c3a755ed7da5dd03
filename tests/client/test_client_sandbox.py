"""The client and the probe against the project's own sandbox, over real loopback sockets."""

from __future__ import annotations

import base64
from pathlib import Path

from smtpshell.net.client import ClientConnection, TLSSettings
from smtpshell.net.probe import EXIT_OK, ProbeOptions, probe
from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.events import SendReply
from tests.client.conftest import PKI


async def test_a_whole_message_through_starttls_and_auth(pki: PKI, smtpshell_home: Path) -> None:
    with SandboxThread(certificate=pki.context(pki.leaf, "leaf"), data_dir=smtpshell_home) as sandbox:
        connection = await ClientConnection.open("127.0.0.1", sandbox.port)
        assert (await connection.read_reply()).code == 220
        await connection.send_line("EHLO client.test")
        assert "STARTTLS" in (await connection.read_reply()).lines
        await connection.send_line("STARTTLS")
        assert (await connection.read_reply()).code == 220
        details = await connection.starttls(TLSSettings(cafile=str(pki.cafile)))
        assert details.verified and details.discarded == 0
        await connection.send_line("EHLO client.test")
        assert any(line.startswith("AUTH") for line in (await connection.read_reply()).lines)
        await connection.send_line("AUTH PLAIN " + base64.b64encode(b"\0alice\0wonderland").decode())
        assert (await connection.read_reply()).code == 235
        for line in ("MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"):
            await connection.send_line(line)
            assert (await connection.read_reply()).code == 250
        await connection.send_line("DATA")
        assert (await connection.read_reply()).code == 354
        await connection.send_bytes(b"Subject: hello\r\n\r\nHi Bob.\r\n..dot-stuffed\r\n.\r\n")
        assert connection.reply_timeout_seconds() == 600
        assert (await connection.read_reply()).code == 250
        # The sandbox logs each reply (with its reason) before sending it, under our own ip:port.
        reasons = [e.item for e in sandbox.log.entries(peer=connection.local_address) if isinstance(e.item, SendReply)]
        assert [r.reply.code for r in reasons][-1] == 250 and all(r.reason for r in reasons)
        await connection.send_line("QUIT")
        assert (await connection.read_reply()).code == 221
        await connection.close()
        [message] = sandbox.store.messages()
        assert b"\r\n.dot-stuffed\r\n" in message.content and message.content.endswith(b"Hi Bob.\r\n.dot-stuffed\r\n")
        assert message.tls and message.authenticated_as == "alice" and message.protocol == "ESMTPSA"


async def test_probe_of_the_sandbox(pki: PKI, smtpshell_home: Path) -> None:
    with SandboxThread(certificate=pki.context(pki.leaf, "leaf"), data_dir=smtpshell_home) as sandbox:
        report = await probe(ProbeOptions("127.0.0.1", sandbox.port, cafile=str(pki.cafile), timeout=5))
        assert sandbox.store.messages() == []
    assert report.exit_code == EXIT_OK, report.failure
    assert report.banner_host == "sandbox.test"
    assert report.tls is not None and report.tls.verified
    assert not report.auth_over_plaintext and report.auth_after_tls
    for keyword in ("PIPELINING", "CHUNKING", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES"):
        assert report.offers(keyword), keyword
    assert report.vrfy is not None and report.expn is not None


async def test_probe_of_the_sandbox_with_its_own_self_signed_certificate(smtpshell_home: Path) -> None:
    with SandboxThread(data_dir=smtpshell_home) as sandbox:
        strict = await probe(ProbeOptions("127.0.0.1", sandbox.port, timeout=5))
        insecure = await probe(ProbeOptions("127.0.0.1", sandbox.port, insecure=True, timeout=5))
    assert strict.failure is not None and strict.failure.stage == "tls"
    assert strict.failure.kind in ("self-signed", "unknown-ca", "wrong-host")
    assert insecure.exit_code == EXIT_OK and insecure.tls is not None and not insecure.tls.verified
