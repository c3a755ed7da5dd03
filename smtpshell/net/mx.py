"""Which servers take mail for a domain: its MX records in preference order (RFC 5321 §5.1).

Rule: lower preference first, ties in any order (we sort by name so the list is stable); a domain without MX
records gets mail at its own address (the implicit MX); a single MX of "." means the domain takes no mail
(null MX, RFC 7505).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.MX import MX

from smtpshell.net.client import split_host_port
from smtpshell.net.client_errors import ClientError

DNS_PORT = 53


class MXLookupFailed(ClientError):
    """The domain's mail servers could not be found: no such domain, null MX, or DNS did not answer."""

    kind = "mx"


@dataclass(frozen=True)
class MXHost:
    preference: int
    host: str  # without the final dot


@dataclass(frozen=True)
class MXResult:
    domain: str
    hosts: tuple[MXHost, ...]  # most preferred first
    implicit: bool = False  # no MX records: the domain's own address takes the mail

    def describe(self) -> list[str]:
        """One line per host, for a learner choosing where to connect."""
        if self.implicit:
            return [
                f"{self.domain} has no MX records; RFC 5321 §5.1 sends its mail to the domain's own address "
                f"(the implicit MX): {self.domain}"
            ]
        lines = [f"mail for {self.domain} goes to (lowest preference first; try the next if one fails):"]
        lines += [f"  {h.preference:>5}  {h.host}" for h in self.hosts]
        return lines


def order_mx(records: Iterable[MX]) -> tuple[MXHost, ...]:
    """MX rdata -> hosts in preference order; raises MXLookupFailed for a null MX."""
    hosts = sorted(
        # DNS names are case-insensitive, and name compression may echo the question's case: show lower case.
        (MXHost(record.preference, record.exchange.to_text(omit_final_dot=True).lower()) for record in records),
        key=lambda h: (h.preference, h.host),
    )
    if len(hosts) == 1 and hosts[0].host in ("", "."):
        raise MXLookupFailed(
            "The domain says it accepts no mail (a null MX, RFC 7505)",
            "Its only MX record points at '.', the way a domain announces it never receives mail. "
            "There is no server to talk to.",
            kind="null-mx",
        )
    return tuple(h for h in hosts if h.host not in ("", "."))


def nameserver_resolver(text: str) -> dns.asyncresolver.Resolver:
    """A resolver that asks only the DNS server at ``IP[:PORT]`` (port 53 by default; ``[v6]:PORT``)."""
    try:
        host, port = split_host_port(text, DNS_PORT)
        address = ipaddress.ip_address(host)
    except ValueError as error:
        raise MXLookupFailed(
            f"{text!r} is not a DNS server address",
            "Give the DNS server as an IP address, with a port if it is not 53: 192.0.2.53, 127.0.0.1:5353, "
            "[2001:db8::53]:53.",
            kind="invalid-nameserver",
            detail=str(error),
        ) from None
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(str(address), port)]
    return resolver


async def lookup_mx(
    domain: str,
    *,
    resolver: dns.asyncresolver.Resolver | None = None,
    nameserver: str | None = None,
    lifetime: float = 10.0,
) -> MXResult:
    """Ask DNS for ``domain``'s MX records: the system's resolver, unless a resolver or a ``nameserver``
    (``IP[:PORT]``, see nameserver_resolver) is given."""
    if resolver is None and nameserver is not None:
        resolver = nameserver_resolver(nameserver)
    domain = domain.strip().rstrip(".")
    try:
        name = dns.name.from_text(domain)
    except (dns.exception.SyntaxError, dns.exception.FormError) as error:
        raise MXLookupFailed(
            f"{domain!r} is not a valid domain name",
            "A domain is labels of letters, digits and hyphens (1 to 63 each) joined by dots.",
            kind="invalid",
            detail=str(error),
        ) from error
    try:
        active = resolver or dns.asyncresolver.Resolver()
        answer = await active.resolve(name, dns.rdatatype.MX, search=False, lifetime=lifetime)
    except dns.resolver.NXDOMAIN as error:
        raise MXLookupFailed(
            f"The domain {domain} does not exist (DNS answered NXDOMAIN)",
            "Check the spelling: the part after the @ of an address is the domain to look up.",
            kind="nxdomain",
            detail=str(error),
        ) from error
    except dns.resolver.NoAnswer:
        return MXResult(domain, (MXHost(0, domain),), implicit=True)
    except dns.resolver.NoNameservers as error:
        raise MXLookupFailed(
            f"No DNS server gave an answer about {domain}",
            "The DNS servers refused or failed the question (SERVFAIL). The domain's own DNS may be broken; "
            "try again later, or connect to a host you know.",
            kind="no-dns",
            detail=str(error),
        ) from error
    except dns.exception.Timeout as error:
        raise MXLookupFailed(
            f"DNS did not answer about {domain} within {lifetime:g} s",
            "Check this computer's network and DNS settings, or connect to a host you know.",
            kind="timeout",
            detail=str(error),
        ) from error
    except dns.resolver.NoResolverConfiguration as error:
        raise MXLookupFailed(
            "This computer has no DNS server configured",
            "Connect to a host by address instead.",
            kind="no-dns",
            detail=str(error),
        ) from error
    return MXResult(domain, order_mx(record for record in answer if isinstance(record, MX)))
