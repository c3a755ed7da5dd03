"""ClientConnection against aiosmtpd over real loopback sockets: plain, STARTTLS, implicit TLS, AUTH."""

from __future__ import annotations

import asyncio
import base64
import socket

import pytest

from smtpshell.net.client import ClientConnection, TLSSettings, check_line, split_host_port
from smtpshell.proto.errors import LocalProtocolError
from tests.client.conftest import PKI
from tests.client.peers import BANNER_HOST, PASSWORD, USER, aiosmtpd_server, scripted_server


def plain_auth(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


async def test_greeting_and_multiline_ehlo_reply_from_aiosmtpd() -> None:
    with aiosmtpd_server(auth_require_tls=False) as (server, _):
        connection = await ClientConnection.open("127.0.0.1", server.port)
        greeting = await connection.read_reply()
        assert greeting.code == 220 and greeting.lines[0].startswith(BANNER_HOST)
        sent = await connection.send_line("EHLO client.test")
        assert sent == b"EHLO client.test\r\n"
        ehlo = await connection.read_reply()
        assert ehlo.code == 250 and len(ehlo.lines) > 3
        assert any(line.startswith("AUTH") for line in ehlo.lines)
        assert connection.peer_address == f"127.0.0.1:{server.port}"
        assert connection.local_address.startswith("127.0.0.1:")
        assert connection.tls is None
        await connection.send_line("QUIT")
        assert (await connection.read_reply()).code == 221
        await connection.close()
        assert connection.closed


async def test_a_host_name_resolves_through_the_hosts_file() -> None:
    with aiosmtpd_server() as (server, _):
        connection = await ClientConnection.open("localhost", server.port)
        assert (await connection.read_reply()).code == 220
        await connection.close()


async def test_starttls_upgrades_the_same_connection_and_verifies_the_certificate(pki: PKI) -> None:
    context = pki.context(pki.leaf, "leaf")
    with aiosmtpd_server(tls_context=context) as (server, _):
        connection = await ClientConnection.open("127.0.0.1", server.port)
        await connection.read_reply()
        await connection.send_line("EHLO client.test")
        before = await connection.read_reply()
        assert "STARTTLS" in before.lines and not any(line.startswith("AUTH") for line in before.lines)
        local = connection.local_address
        await connection.send_line("STARTTLS")
        assert (await connection.read_reply()).code == 220
        details = await connection.starttls(TLSSettings(cafile=str(pki.cafile)))
        assert connection.tls is details and connection.local_address == local
        assert details.version in ("TLSv1.2", "TLSv1.3") and details.cipher and details.bits
        assert details.subject == "CN=localhost" and details.issuer == "CN=smtpshell test CA"
        assert details.verified and details.discarded == 0 and not details.implicit
        assert details.not_after == pki.leaf.cert.not_valid_after_utc
        assert "127.0.0.1" in details.names and "localhost" in details.names
        await connection.send_line("EHLO client.test")
        after = await connection.read_reply()
        assert "AUTH LOGIN PLAIN" in after.lines  # aiosmtpd offers AUTH only over TLS
        await connection.send_line(f"AUTH PLAIN {plain_auth(USER, PASSWORD)}")
        assert (await connection.read_reply()).code == 235
        await connection.close()


async def test_auth_with_a_wrong_password_gets_535_and_the_connection_stays_usable(pki: PKI) -> None:
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, _):
        connection = await ClientConnection.open("127.0.0.1", server.port)
        await connection.read_reply()
        for line in ("EHLO client.test", "STARTTLS"):
            await connection.send_line(line)
            await connection.read_reply()
        await connection.starttls(TLSSettings(cafile=str(pki.cafile)))
        await connection.send_line("EHLO client.test")
        await connection.read_reply()
        await connection.send_line(f"AUTH PLAIN {plain_auth(USER, 'guess')}")
        assert (await connection.read_reply()).code == 535
        await connection.send_line("NOOP")
        assert (await connection.read_reply()).code == 250
        await connection.close()


async def test_implicit_tls_from_the_first_byte(pki: PKI) -> None:
    # aiosmtpd only counts STARTTLS as TLS for AUTH, so it must be told AUTH is fine on this port.
    with aiosmtpd_server(ssl_context=pki.context(pki.leaf, "leaf"), auth_require_tls=False) as (server, _):
        connection = await ClientConnection.open(
            "127.0.0.1", server.port, implicit_tls=TLSSettings(cafile=str(pki.cafile))
        )
        assert connection.tls is not None and connection.tls.implicit and connection.tls.verified
        assert (await connection.read_reply()).code == 220
        await connection.send_line("EHLO client.test")
        ehlo = await connection.read_reply()
        assert "AUTH LOGIN PLAIN" in ehlo.lines
        await connection.close()


async def test_ipv6_loopback_with_brackets() -> None:
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 six ESMTP\r\n")
        await reader.read()

    async with scripted_server(greet, host="::1") as port:
        host, parsed_port = split_host_port(f"[::1]:{port}")
        connection = await ClientConnection.open(host, parsed_port)
        assert (await connection.read_reply()).lines == ("six ESMTP",)
        assert connection.peer_address == f"[::1]:{port}"
        await connection.close()


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>", "carriage return"),
        ("MAIL FROM:<a@b>\nRCPT TO:<c@d>", "line feed"),
        ("NOOP\0", "NUL"),
        ("NOOP\r", "carriage return"),
    ],
)
def test_a_bare_cr_lf_or_nul_inside_a_line_is_refused(line: str, what: str) -> None:
    with pytest.raises(LocalProtocolError, match=what) as caught:
        check_line(line)
    assert "command injection" in str(caught.value)


async def test_refused_lines_are_not_sent_but_raw_lines_are_sent_exactly() -> None:
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 ok\r\n")
        while data := await reader.read(1024):
            await received.put(data)

    async with scripted_server(record) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        with pytest.raises(LocalProtocolError):
            await connection.send_line("NOOP\nQUIT")
        sent = await connection.send_line("NOOP\nRSET", raw=True)
        assert sent == b"NOOP\nRSET\r\n"
        assert await asyncio.wait_for(received.get(), 5) == b"NOOP\nRSET\r\n"  # the refused line never left
        await connection.send_bytes(b"Subject: x\r\n\r\nhi\r\n.\r\n")
        assert await asyncio.wait_for(received.get(), 5) == b"Subject: x\r\n\r\nhi\r\n.\r\n"
        await connection.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail.example.com", ("mail.example.com", 25)),
        ("mail.example.com:587", ("mail.example.com", 587)),
        ("127.0.0.1:2525", ("127.0.0.1", 2525)),
        ("[::1]:465", ("::1", 465)),
        ("[::1]", ("::1", 25)),
        ("::1", ("::1", 25)),
        ("2001:db8::25", ("2001:db8::25", 25)),
    ],
)
def test_host_and_port_are_split(text: str, expected: tuple[str, int]) -> None:
    assert split_host_port(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mail.example.com:", "port is missing"),
        ("mail.example.com:99999", "1 to 65535"),
        ("mail.example.com:smtp", "1 to 65535"),
        ("[::1", "brackets"),
        ("[::1]x", "brackets"),
        ("a:b:c", r"\[address\]:port"),
        (":25", "host name is missing"),
        ("", "host name is missing"),
    ],
)
def test_bad_host_and_port_give_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_host_port(text)
