"""MX lookup: preference order, implicit and null MX, and clean errors; DNS is a tiny server on loopback."""

from __future__ import annotations

import socket

import dns.asyncresolver
import dns.nameserver
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from dns.rdtypes.ANY.MX import MX

from smtpshell.net.mx import MXHost, MXLookupFailed, lookup_mx, nameserver_resolver, order_mx
from tests.client.dns_server import loopback_nameserver, loopback_resolver


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


async def test_a_nameserver_given_as_ip_and_port_is_the_only_one_asked() -> None:
    async with loopback_nameserver() as (address, server):
        result = await lookup_mx("loop.test", nameserver=address)
    assert [(h.preference, h.host) for h in result.hosts] == [(10, "127.0.0.1"), (20, "backup.loop.test")]
    assert server.questions == ["loop.test."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("192.0.2.53", ("192.0.2.53", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53))],
)
def test_nameserver_addresses(text: str, expected: tuple[str, int]) -> None:
    [server] = nameserver_resolver(text).nameservers
    assert isinstance(server, dns.nameserver.Do53Nameserver)
    assert (server.address, server.port) == expected


@pytest.mark.parametrize("text", ["dns.example", "127.0.0.1:99999", "127.0.0.1:", ""])
def test_a_nameserver_that_is_not_an_address_is_refused_clearly(text: str) -> None:
    with pytest.raises(MXLookupFailed) as caught:
        nameserver_resolver(text)
    assert caught.value.kind == "invalid-nameserver" and "IP address" in caught.value.advice
