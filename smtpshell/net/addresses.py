"""How a socket address is written everywhere in smtpshell: ``ip:port``, an IPv6 address in brackets.

The sandbox logs its clients this way and the client engine looks its own replies up by the same string, so the
two must never format it differently.
"""

from __future__ import annotations


def format_address(address: object) -> str:
    """A socket address as ``ip:port``, with IPv6 addresses in brackets; "?" when it is not an address."""
    if not isinstance(address, tuple) or len(address) < 2:
        return "?"
    ip, port = str(address[0]), address[1]
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def address_literal(local_address: str) -> str:
    """Our own address as an EHLO argument (RFC 5321 §4.1.3): [192.0.2.1] or [IPv6:2001:db8::1]."""
    ip = local_address.rpartition(":")[0]
    if ip.startswith("["):
        return f"[IPv6:{ip.strip('[]')}]"
    return f"[{ip}]"
