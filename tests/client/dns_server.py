"""A real DNS server on 127.0.0.1 (UDP, dnspython) with a tiny zone, so MX lookups are tested without the real DNS.

Use it in a test's own event loop (loopback_resolver) or, for code that runs its own loop (asyncio.run in a
command's main), on a thread of its own (dns_thread).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import cast

import dns.asyncresolver
import dns.flags
import dns.message
import dns.nameserver
import dns.rcode
import dns.rrset

ZONE: dict[str, list[str]] = {
    "example.test.": ["20 backup.example.test.", "10 mx2.example.test.", "10 MX1.example.test.", "30 last.test."],
    "nomail.test.": ["0 ."],
    # MX hosts that need no DNS to reach: a connection test goes to a server on loopback.
    "loop.test.": ["20 backup.loop.test.", "10 127.0.0.1."],
}
NO_MX = {"a-only.test."}  # the name exists, but has no MX records
BROKEN = {"servfail.test."}


class LoopbackDNS(asyncio.DatagramProtocol):
    """Answers MX questions from ZONE; NXDOMAIN for names it does not know."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.questions: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        question = query.question[0]
        name = question.name.to_text().lower()
        self.questions.append(name)
        if name in ZONE:
            response.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", "MX", ZONE[name]))
        elif name in BROKEN:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in NO_MX:
            response.set_rcode(dns.rcode.NXDOMAIN)
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


async def serve_dns() -> tuple[asyncio.DatagramTransport, LoopbackDNS, int]:
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(LoopbackDNS, local_addr=("127.0.0.1", 0))
    return transport, server, int(transport.get_extra_info("sockname")[1])


@asynccontextmanager
async def loopback_resolver() -> AsyncIterator[tuple[dns.asyncresolver.Resolver, LoopbackDNS]]:
    """A resolver that asks only the loopback server, which runs in the test's loop."""
    transport, server, port = await serve_dns()
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", port)]
    try:
        yield resolver, server
    finally:
        transport.close()


@asynccontextmanager
async def loopback_nameserver() -> AsyncIterator[tuple[str, LoopbackDNS]]:
    """The loopback server in the test's loop, as the ``IP:PORT`` a user would give to --nameserver."""
    transport, server, port = await serve_dns()
    try:
        yield f"127.0.0.1:{port}", server
    finally:
        transport.close()


@contextmanager
def dns_thread() -> Iterator[tuple[str, LoopbackDNS]]:
    """The loopback server on its own thread and loop; yields ``IP:PORT`` and the server (read its questions)."""
    loop = asyncio.new_event_loop()
    started = loop.run_until_complete(serve_dns())
    thread = threading.Thread(target=loop.run_forever, name="loopback-dns", daemon=True)
    thread.start()
    transport, server, port = started
    try:
        yield f"127.0.0.1:{port}", server
    finally:
        loop.call_soon_threadsafe(transport.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
