"""SMTP smuggling and STARTTLS injection, over real sockets: what one write holds must never become two things.

Smuggling: a fake end of data (<LF>.<LF> and its kin) followed by a whole second transaction and then the real
<CRLF>.<CRLF> must never yield two messages. Injection: commands pipelined behind STARTTLS in plaintext must never
be answered inside TLS (CVE-2011-0411).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.server_log import SessionClosed
from smtpshell.proto.events import CommandReceived
from smtpshell.proto.policy import SandboxPolicy
from tests.net.wire import WireClient
from tests.tls_helpers import ServerCertificates

FAKE_ENDINGS = {
    "LF.LF": b"\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "CRLF.LF": b"\r\n.\n",
    "CR.CRLF": b"\r.\r\n",
    "CRLF.CR": b"\r\n.\r",
    "CR.CR": b"\r.\r",
}
SMUGGLED = (
    b"MAIL FROM:<admin@sandbox.test>\r\nRCPT TO:<carol@sandbox.test>\r\nDATA\r\n"
    b"From: admin@sandbox.test\r\nSubject: smuggled\r\n\r\nI am not really from admin.\r\n"
)


def open_transaction(client: WireClient) -> None:
    assert client.reply()[0] == 220
    assert client.command("EHLO attacker.example")[0] == 250
    assert client.command("MAIL FROM:<alice@sandbox.test>")[0] == 250
    assert client.command("RCPT TO:<bob@sandbox.test>")[0] == 250
    assert client.command("DATA")[0] == 354


@pytest.mark.parametrize("ending", FAKE_ENDINGS.values(), ids=FAKE_ENDINGS.keys())
def test_a_fake_end_of_data_never_yields_a_second_message_and_is_refused(sandbox: SandboxThread, ending: bytes) -> None:
    client = WireClient(sandbox.port)
    try:
        open_transaction(client)
        client.send(b"Subject: first\r\n\r\nhello" + ending + SMUGGLED + b"\r\n.\r\n")
        code, _ = client.reply()  # the only reply: the smuggled MAIL, RCPT and DATA were message text
        assert 500 <= code <= 599
        assert client.command("NOOP")[0] == 250  # still in step: the next reply answers the next command
        assert client.command("QUIT")[0] == 221
    finally:
        client.close()
    assert sandbox.store.messages() == []
    commands = [e.item.line for e in sandbox.log.entries() if isinstance(e.item, CommandReceived)]
    assert "MAIL FROM:<admin@sandbox.test>" not in commands


@pytest.fixture
def permissive_sandbox(smtpshell_home: Path) -> Iterator[SandboxThread]:
    """Bare CR/LF accepted, as a lesson may set it to show the danger: still only <CRLF>.<CRLF> ends data."""
    with SandboxThread(SandboxPolicy(reject_bare_newlines=False), data_dir=smtpshell_home) as running:
        yield running


@pytest.mark.parametrize("ending", FAKE_ENDINGS.values(), ids=FAKE_ENDINGS.keys())
def test_even_when_bare_newlines_are_allowed_only_crlf_dot_crlf_ends_the_message(
    permissive_sandbox: SandboxThread, ending: bytes
) -> None:
    client = WireClient(permissive_sandbox.port)
    try:
        open_transaction(client)
        client.send(b"Subject: first\r\n\r\nhello" + ending + SMUGGLED + b"\r\n.\r\n")
        assert client.reply()[0] == 250
        assert client.command("QUIT")[0] == 221
    finally:
        client.close()
    [message] = permissive_sandbox.store.messages()
    assert message.envelope.sender == "alice@sandbox.test"
    assert b"I am not really from admin." in message.content  # the "second message" is text of the first


@pytest.fixture
def tls_sandbox(smtpshell_home: Path, certificates: ServerCertificates) -> Iterator[SandboxThread]:
    with SandboxThread(certificate=certificates.server_context(), data_dir=smtpshell_home) as running:
        yield running


def _greet(client: WireClient) -> None:
    assert client.reply()[0] == 220
    code, lines = client.command("EHLO client.example")
    assert code == 250 and "STARTTLS" in lines


def _first_reply_inside_tls(client: WireClient, certificates: ServerCertificates) -> tuple[int, list[str]]:
    client.starttls(certificates.client_context())
    return client.command("EHLO inside.example")


def test_commands_pipelined_after_starttls_in_one_write_are_never_answered_inside_tls(
    tls_sandbox: SandboxThread, certificates: ServerCertificates
) -> None:
    client = WireClient(tls_sandbox.port)
    try:
        _greet(client)
        client.send(b"STARTTLS\r\nNOOP\r\nMAIL FROM:<injected@sandbox.test>\r\n")
        assert client.reply()[0] == 220
        code, lines = _first_reply_inside_tls(client, certificates)
        # The first thing read inside TLS answers the EHLO sent inside TLS, not the injected NOOP.
        assert code == 250 and "sandbox.test Hello" in lines[0] and "AUTH PLAIN LOGIN CRAM-MD5" in lines
        assert client.command("NOOP") == (250, ["2.0.0 Ok"])
        assert client.command("QUIT")[0] == 221
    finally:
        client.close()
    commands = [e.item.line for e in tls_sandbox.log.entries() if isinstance(e.item, CommandReceived)]
    assert commands == ["EHLO client.example", "STARTTLS", "EHLO inside.example", "NOOP", "QUIT"]


def test_plaintext_that_arrives_after_the_220_breaks_the_handshake_and_is_never_a_command(
    tls_sandbox: SandboxThread, certificates: ServerCertificates
) -> None:
    # Once the 220 is out, the server reads only TLS: a plaintext NOOP is garbage to the handshake.
    closed = threading.Event()
    tls_sandbox.log.subscribe(lambda e: closed.set() if isinstance(e.item, SessionClosed) else None)
    client = WireClient(tls_sandbox.port)
    try:
        _greet(client)
        assert client.command("STARTTLS")[0] == 220
        client.send(b"NOOP\r\n")
        with pytest.raises(OSError):  # ssl.SSLError or a reset, depending on who notices first
            client.starttls(certificates.client_context())
    finally:
        client.close()
    assert closed.wait(10)
    items = [e.item for e in tls_sandbox.log.entries()]
    assert [i.line for i in items if isinstance(i, CommandReceived)] == ["EHLO client.example", "STARTTLS"]
    assert isinstance(items[-1], SessionClosed) and items[-1].reason.startswith("TLS handshake failed")


def test_plaintext_racing_the_220_is_never_answered_inside_tls(
    tls_sandbox: SandboxThread, certificates: ServerCertificates
) -> None:
    # The NOOP leaves in its own segment right behind STARTTLS: the server reads it together with STARTTLS
    # (the machine drops it) or after the 220 (the handshake fails). Never may it be answered inside TLS.
    for _ in range(20):
        client = WireClient(tls_sandbox.port)
        try:
            _greet(client)
            client.send(b"STARTTLS\r\n")
            client.send(b"NOOP\r\n")
            assert client.reply()[0] == 220
            try:
                code, lines = _first_reply_inside_tls(client, certificates)
            except OSError:
                continue
            assert code == 250 and "sandbox.test Hello" in lines[0]
        finally:
            client.close()
    commands = [e.item.line for e in tls_sandbox.log.entries() if isinstance(e.item, CommandReceived)]
    assert "NOOP" not in commands


def test_the_session_starts_over_inside_tls(tls_sandbox: SandboxThread, certificates: ServerCertificates) -> None:
    client = WireClient(tls_sandbox.port)
    try:
        _greet(client)
        assert client.command("STARTTLS")[0] == 220
        client.starttls(certificates.client_context())
        assert client.command("MAIL FROM:<alice@sandbox.test>")[0] == 503  # EHLO must come again (RFC 3207)
    finally:
        client.close()


def test_a_failed_handshake_ends_only_that_session(tls_sandbox: SandboxThread) -> None:
    client = WireClient(tls_sandbox.port)
    try:
        _greet(client)
        assert client.command("STARTTLS")[0] == 220
        client.send(b"this is not a TLS ClientHello\r\n" * 4)
        client.sock.shutdown(socket.SHUT_WR)
        assert client.at_eof()
    finally:
        client.close()
    other = WireClient(tls_sandbox.port)
    try:
        assert other.reply()[0] == 220
    finally:
        other.close()
