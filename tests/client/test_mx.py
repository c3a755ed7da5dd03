"""MX lookup: preference order, implicit and null MX, and clean errors; DNS is a tiny server on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import dns.asyncresolver
import dns.flags
import dns.message
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from dns.rdtypes.ANY.MX import MX

from smtpshell.net.mx import MXHost, MXLookupFailed, lookup_mx, order_mx

ZONE: dict[str, list[str]] = {
    "example.test.": ["20 backup.example.test.", "10 mx2.example.test.", "10 MX1.example.test.", "30 last.test."],
    "nomail.test.": ["0 ."],
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


@asynccontextmanager
async def loopback_resolver() -> AsyncIterator[tuple[dns.asyncresolver.Resolver, LoopbackDNS]]:
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(LoopbackDNS, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", port)]
    try:
        yield resolver, server
    finally:
        transport.close()


def mx(text: str) -> MX:
    record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.MX, text)
    assert isinstance(record, MX)
    return record


def test_lowest_preference_first_and_ties_by_name() -> None:
    records = [mx("20 b.test."), mx("10 z.test."), mx("10 A.test."), mx("5 only.test.")]
    assert order_mx(records) == (
        MXHost(5, "only.test"),
        MXHost(10, "a.test"),
        MXHost(10, "z.test"),
        MXHost(20, "b.test"),
    )


def test_a_null_mx_says_the_domain_takes_no_mail() -> None:
    with pytest.raises(MXLookupFailed) as caught:
        order_mx([mx("0 .")])
    assert caught.value.kind == "null-mx" and "RFC 7505" in caught.value.headline


async def test_lookup_over_real_udp_returns_hosts_in_preference_order() -> None:
    async with loopback_resolver() as (resolver, server):
        result = await lookup_mx("Example.TEST", resolver=resolver)
    assert [h.host for h in result.hosts] == [
        "mx1.example.test",
        "mx2.example.test",
        "backup.example.test",
        "last.test",
    ]
    assert [h.preference for h in result.hosts] == [10, 10, 20, 30]
    assert not result.implicit
    assert server.questions == ["example.test."]  # absolute: no search domain was tried
    assert result.describe()[1].split() == ["10", "mx1.example.test"]


async def test_no_mx_records_means_the_implicit_mx() -> None:
    async with loopback_resolver() as (resolver, _):
        result = await lookup_mx("a-only.test", resolver=resolver)
    assert result.implicit and result.hosts == (MXHost(0, "a-only.test"),)
    assert "implicit MX" in result.describe()[0]


@pytest.mark.parametrize(
    ("domain", "kind", "headline"),
    [
        ("nowhere.test", "nxdomain", "The domain nowhere.test does not exist (DNS answered NXDOMAIN)"),
        ("nomail.test", "null-mx", "The domain says it accepts no mail (a null MX, RFC 7505)"),
        ("servfail.test", "no-dns", "No DNS server gave an answer about servfail.test"),
        ("a..b", "invalid", "'a..b' is not a valid domain name"),
    ],
)
async def test_lookup_failures_are_explained(domain: str, kind: str, headline: str) -> None:
    async with loopback_resolver() as (resolver, _):
        with pytest.raises(MXLookupFailed) as caught:
            await lookup_mx(domain, resolver=resolver, lifetime=5)
    assert caught.value.kind == kind and caught.value.headline == headline and caught.value.advice


async def test_a_resolver_pointed_at_nothing_fails_cleanly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", port)]
    with pytest.raises(MXLookupFailed) as caught:
        await lookup_mx("example.test", resolver=resolver, lifetime=0.5)
    assert caught.value.kind in ("no-dns", "timeout") and "example.test" in caught.value.headline


async def test_a_resolver_with_no_servers_at_all_fails_cleanly() -> None:
    resolver = dns.asyncresolver.Resolver(configure=False)
    with pytest.raises(MXLookupFailed) as caught:
        await lookup_mx("example.test", resolver=resolver, lifetime=0.5)
    assert caught.value.kind == "no-dns"
