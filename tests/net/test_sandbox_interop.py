"""The sandbox against clients nobody here wrote: smtplib and aiosmtplib, over real loopback sockets and TLS."""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from smtpshell.net.sandbox import Sandbox, SandboxThread
from tests.tls_helpers import ServerCertificates

RECIPIENTS = ["bob@sandbox.test", "carol@sandbox.test", "postmaster@sandbox.test"]


@pytest.fixture
def tls_sandbox(smtpshell_home: Path, certificates: ServerCertificates) -> Iterator[SandboxThread]:
    """The sandbox presenting a certificate signed by the test CA, with an implicit-TLS port as well."""
    with SandboxThread(certificate=certificates.server_context(), tls_port=0, data_dir=smtpshell_home) as running:
        yield running


def test_sendmail_to_several_recipients_delivers_one_message_with_the_whole_envelope(sandbox: SandboxThread) -> None:
    with smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp:
        refused = smtp.sendmail("alice@sandbox.test", RECIPIENTS, b"Subject: three\r\n\r\nHello all.\r\n")
    assert refused == {}
    [message] = sandbox.store.messages()
    assert message.envelope.sender == "alice@sandbox.test"
    assert list(message.envelope.recipients) == RECIPIENTS
    assert message.content.endswith(b"Subject: three\r\n\r\nHello all.\r\n")
    assert b"\r\nReceived: from " in message.content


def test_lines_starting_with_a_dot_arrive_exactly_as_written(sandbox: SandboxThread) -> None:
    body = b"Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\n...three\r\nmiddle . dot\r\n. \r\nend\r\n"
    with smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp:
        smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], body)  # smtplib dot-stuffs; the sandbox undoes it
    [message] = sandbox.store.messages()
    assert message.content.endswith(body)


def test_starttls_is_verified_against_the_test_ca(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    with smtplib.SMTP("localhost", tls_sandbox.port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls") and not smtp.has_extn("auth")
        assert smtp.starttls(context=certificates.client_context())[0] == 220
        smtp.ehlo()
        assert smtp.has_extn("auth") and not smtp.has_extn("starttls")
        smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: secret\r\n\r\nover TLS\r\n")
    [message] = tls_sandbox.store.messages()
    assert message.tls and message.protocol == "ESMTPS"


def test_starttls_with_an_untrusted_certificate_fails_on_the_client(tls_sandbox: SandboxThread) -> None:
    with smtplib.SMTP("localhost", tls_sandbox.port, timeout=10) as smtp:
        smtp.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError):
            smtp.starttls(context=ssl.create_default_context())  # the system CAs do not know the test CA


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_smtplib_login_with_each_mechanism(
    tls_sandbox: SandboxThread, certificates: ServerCertificates, mechanism: str
) -> None:
    with smtplib.SMTP("localhost", tls_sandbox.port, timeout=10) as smtp:
        smtp.starttls(context=certificates.client_context())
        smtp.ehlo()
        assert mechanism in smtp.esmtp_features["auth"].split()
        smtp.esmtp_features["auth"] = mechanism  # smtplib.login tries what is advertised: offer it only this one
        code, _ = smtp.login("alice", "wonderland")
        assert code == 235
        smtp.sendmail("alice@sandbox.test", ["someone@elsewhere.example"], b"Subject: relayed\r\n\r\nx\r\n")
    message, report = tls_sandbox.store.messages()
    assert message.authenticated_as == "alice"
    assert message.envelope.recipients == ("someone@elsewhere.example",)  # captured, never sent on
    assert report.envelope.sender == ""  # and reported back to Alice as undeliverable
    secrets = (
        "wonderland",
        base64.b64encode(b"\0alice\0wonderland").decode(),
        base64.b64encode(b"wonderland").decode(),
    )
    logged = repr(tls_sandbox.log.entries())
    assert "alice" in logged and not any(secret in logged for secret in secrets)


def test_a_wrong_password_is_refused_with_535(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    with smtplib.SMTP("localhost", tls_sandbox.port, timeout=10) as smtp:
        smtp.starttls(context=certificates.client_context())
        smtp.ehlo()
        smtp.esmtp_features["auth"] = "PLAIN"
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.login("alice", "looking-glass")
    assert refused.value.smtp_code == 535
    assert "looking-glass" not in repr(tls_sandbox.log.entries())


def test_relaying_without_auth_is_refused_and_nothing_is_captured(sandbox: SandboxThread) -> None:
    with (
        smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        smtp.sendmail("alice@sandbox.test", ["victim@elsewhere.example"], b"Subject: x\r\n\r\nx\r\n")
    assert refused.value.recipients["victim@elsewhere.example"][0] == 554
    assert sandbox.store.messages() == []


def test_implicit_tls_port_with_smtplib(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    assert tls_sandbox.tls_port is not None
    with smtplib.SMTP_SSL("localhost", tls_sandbox.tls_port, context=certificates.client_context(), timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("auth") and not smtp.has_extn("starttls")
        smtp.login("alice", "wonderland")
        smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: 465\r\n\r\nimplicit\r\n")
    [message] = tls_sandbox.store.messages()
    assert message.tls and message.authenticated_as == "alice"


def _email(subject: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = "alice@sandbox.test"
    email["To"] = "bob@sandbox.test, carol@sandbox.test"
    email["Subject"] = subject
    email.set_content("Hello from aiosmtplib.\n.a line with a dot\n")
    return email


async def test_aiosmtplib_send_message_plain(sandbox: SandboxThread) -> None:
    errors, reply = await aiosmtplib.send(
        _email("plain"), hostname="127.0.0.1", port=sandbox.port, start_tls=False, timeout=10
    )
    assert errors == {} and reply.startswith("2.0.0 Ok")
    [message] = sandbox.store.messages()
    assert message.envelope.recipients == ("bob@sandbox.test", "carol@sandbox.test")
    assert b"\r\n.a line with a dot\r\n" in message.content


async def test_aiosmtplib_starttls_and_login(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    client = aiosmtplib.SMTP(
        hostname="localhost", port=tls_sandbox.port, start_tls=True, tls_context=certificates.client_context()
    )
    async with client:
        assert client.get_transport_info("sslcontext") is not None
        await client.ehlo()  # aiosmtplib forgets the extensions at STARTTLS and asks again when told to
        assert client.supports_extension("auth") and not client.supports_extension("starttls")
        await client.login("alice", "wonderland")
        errors, _ = await client.send_message(_email("starttls"))
        assert errors == {}
    [message] = tls_sandbox.store.messages()
    assert message.tls and message.authenticated_as == "alice"


async def test_aiosmtplib_implicit_tls(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    assert tls_sandbox.tls_port is not None
    errors, _ = await aiosmtplib.send(
        _email("implicit"),
        hostname="localhost",
        port=tls_sandbox.tls_port,
        use_tls=True,
        tls_context=certificates.client_context(),
        timeout=10,
    )
    assert errors == {}
    assert tls_sandbox.store.messages()[0].tls


async def test_the_sandbox_runs_on_the_callers_event_loop_too(smtpshell_home: Path) -> None:
    sandbox = Sandbox(data_dir=smtpshell_home)
    await sandbox.start()
    try:
        errors, _ = await aiosmtplib.send(
            _email("same loop"), hostname="127.0.0.1", port=sandbox.port, start_tls=False, timeout=10
        )
        assert errors == {}
        assert len(sandbox.store) == 1
    finally:
        await sandbox.stop()
    with pytest.raises(OSError):  # stopped: nobody listens any more
        await aiosmtplib.send(_email("late"), hostname="127.0.0.1", port=sandbox.port, start_tls=False, timeout=5)
