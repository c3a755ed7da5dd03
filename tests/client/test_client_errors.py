"""Every way a connection goes wrong, over real sockets: each is a ClientError with a headline and advice."""

from __future__ import annotations

import asyncio
import errno
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smtpshell.net.client import (
    BadReply,
    ClientConnection,
    ConnectFailed,
    ConnectionDropped,
    ServerSilent,
    TLSDetails,
    TLSFailed,
    TLSSettings,
)
from smtpshell.net.client_errors import connect_failed
from tests.client.conftest import PKI
from tests.client.peers import aiosmtpd_server, refused_port, scripted_server
from tests.tls_helpers import Issued, issue, make_ca


async def test_a_refused_port() -> None:
    with refused_port() as port, pytest.raises(ConnectFailed) as caught:
        await ClientConnection.open("127.0.0.1", port)
    assert caught.value.kind == "refused"
    assert caught.value.headline == f"Connection refused by 127.0.0.1:{port}"
    assert "587" in caught.value.advice


async def test_a_host_name_that_cannot_be_one_is_refused_before_any_lookup() -> None:
    with pytest.raises(ConnectFailed) as caught:
        await ClientConnection.open("a" * 64 + ".example", 25)
    assert caught.value.kind == "invalid" and "not a valid host name" in caught.value.headline


def test_a_name_that_does_not_resolve_is_explained() -> None:
    # The real lookup would ask this machine's DNS server, which the tests must not contact.
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    failed = connect_failed("no-such-host.invalid", 25, error, 30)
    assert failed.kind == "unresolved"
    assert failed.headline == "The name no-such-host.invalid does not resolve to an address"
    assert "--mx" in failed.advice
    assert connect_failed("x.test", 25, socket.gaierror(socket.EAI_AGAIN, "again"), 30).headline.startswith(
        "Could not look up x.test"
    )


@pytest.mark.parametrize(
    ("error", "kind", "headline"),
    [
        (TimeoutError(), "timeout", "No answer from mx.test:25 within 7 s"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "unreachable", "mx.test:25 cannot be reached"),
        (OSError(errno.EACCES, "Permission denied"), "connect", "Could not connect to mx.test:25: Permission"),
    ],
)
def test_other_connect_failures_are_explained(error: OSError, kind: str, headline: str) -> None:
    failed = connect_failed("mx.test", 25, error, 7)
    assert failed.kind == kind and failed.headline.startswith(headline) and failed.advice


async def test_a_server_that_closes_in_the_middle_of_a_reply() -> None:
    async def half_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"250-first line\r\n")
        await writer.drain()

    async with scripted_server(half_reply) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        with pytest.raises(ConnectionDropped) as caught:
            await connection.read_reply()
    assert caught.value.headline == "The server closed the connection in the middle of a reply"
    assert caught.value.partial == b"250-first line\r\n"
    assert "250-first line" in caught.value.detail
    assert connection.closed


async def test_a_server_that_closes_without_a_reply() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hello\r\n")
        await reader.readline()  # then hang up on the first command

    async with scripted_server(hang_up) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        await connection.send_line("NOOP")
        with pytest.raises(ConnectionDropped, match="without a reply"):
            await connection.read_reply()
        with pytest.raises(ConnectionDropped, match="nothing was sent"):
            await connection.send_line("NOOP")


async def test_a_server_that_never_answers_times_out_and_the_connection_is_closed() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up

    async with scripted_server(silent) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        assert connection.reply_timeout_seconds() == 300  # RFC 5321 §4.5.3.2.1 for the greeting
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ServerSilent) as caught:
            await connection.read_reply(timeout=0.2)
        assert 0.2 <= loop.time() - started < 5
    assert caught.value.waited == 0.2 and caught.value.waiting_for == "the 220 greeting"
    assert "§4.5.3.2.1" in caught.value.advice and "--tls" in caught.value.advice
    assert connection.closed


async def test_the_wait_follows_the_command_sent() -> None:
    async def echo_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hi\r\n")
        await reader.read()

    async with scripted_server(echo_nothing) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        expected = [("DATA", 120), ("MAIL FROM:<a@b.test>", 300), ("rcpt to:<c@d.test>", 300), ("NOOP", 300)]
        for line, seconds in expected:
            await connection.send_line(line)
            assert connection.reply_timeout_seconds() == seconds
        await connection.send_bytes(b"Subject: hi\r\n\r\nbody\r\n.\r\n")
        assert connection.reply_timeout_seconds() == 600  # DATA termination, RFC 5321 §4.5.3.2.6
        await connection.send_line("NOOP")
        await connection.send_bytes(b"BDAT 4 LAST\r\nbody")
        assert connection.reply_timeout_seconds() == 600
        with pytest.raises(ServerSilent, match=r"<CRLF>\.<CRLF>"):
            await connection.read_reply(timeout=0.05)
        overridden = await ClientConnection.open("127.0.0.1", port, reply_timeout=7)
        assert overridden.reply_timeout_seconds() == 7
        await overridden.close()


@pytest.mark.parametrize(
    ("sent", "kind"),
    [
        (b"220 " + b"x" * 5000 + b"\r\n", "too-long"),
        (b"220-" + b"y" * 3000, "too-long"),  # no line end at all
        (b"HTTP/1.1 400 Bad Request\r\n", "garbage"),
        (b"220-one\r\n250 two\r\n", "garbage"),
        (b"999 nine\r\n", "garbage"),
    ],
)
async def test_garbage_or_an_over_long_line_is_a_bad_reply(sent: bytes, kind: str) -> None:
    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(sent)
        await reader.read()

    async with scripted_server(send) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        with pytest.raises(BadReply) as caught:
            await connection.read_reply(timeout=5)
    assert caught.value.kind == kind
    assert caught.value.headline.startswith("The server's answer is not a valid SMTP reply")
    assert connection.closed


async def test_replies_that_arrive_together_come_out_one_by_one() -> None:
    async def pipelined(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hi\r\n")
        await reader.readline()
        writer.write(b"250 first\r\n250-second\r\n250 second end\r\n")
        await reader.read()

    async with scripted_server(pipelined) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        await connection.send_line("NOOP\r\nNOOP", raw=True)
        assert (await connection.read_reply()).lines == ("first",)
        assert (await connection.read_reply()).lines == ("second", "second end")
        await connection.close()


async def test_starttls_throws_away_what_the_server_sent_after_its_220(pki: PKI) -> None:
    context = pki.context(pki.leaf, "leaf")

    async def injecting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 tiny ESMTP\r\n")
        await reader.readline()
        writer.write(b"250-tiny\r\n250 STARTTLS\r\n")
        await reader.readline()
        writer.write(b"220 go ahead\r\n250 injected\r\n")  # one write: the 250 rides with the 220
        await writer.drain()
        await writer.start_tls(context)
        assert (await reader.readline()).startswith(b"EHLO")
        writer.write(b"250 real\r\n")
        await reader.read()

    async with scripted_server(injecting) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        await connection.send_line("EHLO client.test")
        await connection.read_reply()
        await connection.send_line("STARTTLS")
        assert (await connection.read_reply()).lines == ("go ahead",)
        details = await connection.starttls(TLSSettings(cafile=str(pki.cafile)))
        assert details.discarded == len(b"250 injected\r\n")
        await connection.send_line("EHLO client.test")
        assert (await connection.read_reply()).lines == ("real",)
        await connection.close()


async def test_plaintext_sent_once_the_handshake_began_breaks_it_and_is_never_read_as_a_reply() -> None:
    async def late_injection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hi\r\n")
        await reader.readline()
        writer.write(b"220 go ahead\r\n")
        await reader.read(1)  # the client's TLS ClientHello has begun to arrive
        writer.write(b"250 injected\r\n")
        await reader.read()

    async with scripted_server(late_injection) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        await connection.send_line("STARTTLS")
        await connection.read_reply()
        with pytest.raises(TLSFailed):
            await connection.starttls(TLSSettings(verify=False))
        assert connection.closed


# -- certificates ---------------------------------------------------------------------------------------


async def _starttls_against(pki: PKI, context_stem: str, issued: Issued, settings: TLSSettings) -> TLSDetails:
    with aiosmtpd_server(tls_context=pki.context(issued, context_stem)) as (server, _):
        connection = await ClientConnection.open("127.0.0.1", server.port)
        await connection.read_reply()
        for line in ("EHLO client.test", "STARTTLS"):
            await connection.send_line(line)
            await connection.read_reply()
        try:
            return await connection.starttls(settings)
        finally:
            await connection.close()


async def test_a_certificate_for_another_host_name_fails_with_the_reason(pki: PKI) -> None:
    wrong = issue(pki.ca, ("mail.example.test",))
    with pytest.raises(TLSFailed) as caught:
        await _starttls_against(pki, "wrong", wrong, TLSSettings(cafile=str(pki.cafile)))
    assert caught.value.kind == "wrong-host"
    assert caught.value.headline.startswith("The certificate is not for 127.0.0.1")
    assert "--insecure" in caught.value.advice


async def test_the_host_name_checked_can_be_given(pki: PKI) -> None:
    wrong = issue(pki.ca, ("mail.example.test",))
    settings = TLSSettings(cafile=str(pki.cafile), server_hostname="mail.example.test")
    details = await _starttls_against(pki, "wrong", wrong, settings)
    assert details.verified and details.server_hostname == "mail.example.test"
    with pytest.raises(TLSFailed, match="not for localhost") as caught:
        await _starttls_against(pki, "wrong", wrong, TLSSettings(cafile=str(pki.cafile), server_hostname="localhost"))
    assert caught.value.kind == "wrong-host"


async def test_insecure_accepts_a_wrong_certificate_and_says_so(pki: PKI) -> None:
    wrong = issue(pki.ca, ("mail.example.test",))
    details = await _starttls_against(pki, "wrong", wrong, TLSSettings(verify=False))
    assert not details.verified
    assert details.subject == "CN=mail.example.test" and details.names == ("mail.example.test",)
    assert ("verified", "NO: --insecure, anyone in between could pose as this server") in details.rows()


async def test_an_expired_certificate(pki: PKI) -> None:
    now = datetime.now(UTC)
    expired = issue(pki.ca, valid_from=now - timedelta(days=60), valid_until=now - timedelta(days=2))
    with pytest.raises(TLSFailed) as caught:
        await _starttls_against(pki, "expired", expired, TLSSettings(cafile=str(pki.cafile)))
    assert caught.value.kind == "expired" and "expired" in caught.value.headline
    details = await _starttls_against(pki, "expired", expired, TLSSettings(verify=False))
    assert "EXPIRED" in dict(details.rows())["valid"]


async def test_a_self_signed_certificate(pki: PKI) -> None:
    with pytest.raises(TLSFailed) as caught:
        await _starttls_against(pki, "self", issue(None), TLSSettings())
    assert caught.value.kind == "self-signed" and "--cafile" in caught.value.advice


async def test_a_certificate_from_an_unknown_ca(pki: PKI) -> None:
    stranger = issue(make_ca("some other CA"))
    with pytest.raises(TLSFailed) as caught:
        await _starttls_against(pki, "stranger", stranger, TLSSettings(cafile=str(pki.cafile)))
    assert caught.value.kind == "unknown-ca"
    assert "does not trust" in caught.value.headline


async def test_a_cafile_that_is_not_a_certificate(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    for path in (str(bogus), str(tmp_path / "missing.pem")):
        with pytest.raises(TLSFailed) as caught:
            await ClientConnection.open("127.0.0.1", 1, implicit_tls=TLSSettings(cafile=path))
        assert caught.value.kind == "cafile" and path in caught.value.headline


async def test_implicit_tls_to_a_plaintext_port_says_so() -> None:
    with aiosmtpd_server() as (server, _), pytest.raises(TLSFailed) as caught:
        await ClientConnection.open("127.0.0.1", server.port, implicit_tls=TLSSettings(), timeout=5)
    assert caught.value.kind == "not-tls"
    assert "plain text" in caught.value.headline and "STARTTLS" in caught.value.advice
