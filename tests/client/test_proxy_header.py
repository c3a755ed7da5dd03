"""--proxy-protocol v1|v2: a HAProxy PROXY header goes out before anything else, byte for byte as HAProxy's
proxy-protocol.txt defines it, read back here by a server that checks it before greeting."""

from __future__ import annotations

import asyncio
import struct

import pytest

from smtpshell.net.probe import EXIT_OK, ProbeOptions, probe
from smtpshell.net.proxy_header import V2_SIGNATURE, proxy_header
from smtpshell.session.engine import ShellEngine
from smtpshell.session.target import parse_connect_args
from tests.client.peers import scripted_server

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter


def test_v1_is_one_text_line() -> None:
    assert proxy_header("v1", "127.0.0.1:40000", "127.0.0.2:25") == b"PROXY TCP4 127.0.0.1 127.0.0.2 40000 25\r\n"
    assert proxy_header("v1", "[::1]:40000", "[::1]:25") == b"PROXY TCP6 ::1 ::1 40000 25\r\n"


def test_v2_is_the_signature_then_addresses_in_network_order() -> None:
    header = proxy_header("v2", "127.0.0.1:40000", "127.0.0.2:25")
    assert header == (
        b"\r\n\r\n\x00\r\nQUIT\n"  # the 12-octet signature
        + b"\x21"  # version 2, PROXY
        + b"\x11"  # TCP over IPv4
        + b"\x00\x0c"  # 12 octets follow
        + bytes([127, 0, 0, 1, 127, 0, 0, 2])
        + struct.pack("!HH", 40000, 25)
    )
    six = proxy_header("v2", "[::1]:40000", "[::1]:25")
    assert six[12:16] == b"\x21\x21\x00\x24" and len(six) == 16 + 36


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="v1 or v2"):
        proxy_header("v3", "127.0.0.1:1", "127.0.0.1:2")


ANSWERS = {b"EHLO": b"250-behind.proxy.test\r\n250 8BITMIME\r\n", b"QUIT": b"221 bye\r\n"}


class HeaderReader:
    """A server that reads a PROXY v2 header before greeting, and keeps what it read and whom it came from."""

    def __init__(self) -> None:
        self.headers: list[bytes] = []
        self.peers: list[tuple[str, int]] = []
        self.local: list[tuple[str, int]] = []

    async def __call__(self, reader: Reader, writer: Writer) -> None:
        fixed = await reader.readexactly(16)
        if not fixed.startswith(V2_SIGNATURE):
            writer.write(b"421 4.3.0 no PROXY header\r\n")
            return
        (length,) = struct.unpack("!H", fixed[14:16])
        self.headers.append(fixed + await reader.readexactly(length))
        self.peers.append(writer.get_extra_info("peername"))
        self.local.append(writer.get_extra_info("sockname"))
        writer.write(b"220 behind.proxy.test ESMTP\r\n")
        while line := await reader.readline():
            verb = line.split()[0].upper() if line.split() else b""
            writer.write(
                {b"EHLO": b"250-behind.proxy.test\r\n250 8BITMIME\r\n", b"QUIT": b"221 bye\r\n"}.get(
                    verb, b"502 no\r\n"
                )
            )
            await writer.drain()
            if verb == b"QUIT":
                return

    def expected(self, index: int = 0) -> bytes:
        (src, sport), (dst, dport) = self.peers[index], self.local[index]
        return proxy_header("v2", f"{src}:{sport}", f"{dst}:{dport}")


async def test_probe_sends_a_v2_header_first() -> None:
    server = HeaderReader()
    async with scripted_server(server) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, timeout=5, proxy_protocol="v2"))
    assert report.exit_code == EXIT_OK and report.banner_host == "behind.proxy.test"
    assert server.headers == [server.expected()]


async def test_without_the_option_no_header_is_sent() -> None:
    server = HeaderReader()
    async with scripted_server(server) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, timeout=0.5))
    assert report.exit_code != EXIT_OK and server.headers == []  # it waited for a header that never came


async def test_connect_sends_it_too(smtpshell_home: object) -> None:
    server = HeaderReader()
    async with scripted_server(server) as port:
        engine = ShellEngine(parse_connect_args([f"127.0.0.1:{port}", "--proxy-protocol", "v2"]))
        assert await engine.connect(engine.target)
        await engine.submit("QUIT")
        await engine.close()
    assert server.headers == [server.expected()]
