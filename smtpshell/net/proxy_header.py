"""The HAProxy PROXY protocol header (versions 1 and 2), sent before the first SMTP byte.

Rule: the header says which client and server addresses a proxy saw, so a server behind one (Postfix's
smtpd_upstream_proxy_protocol = haproxy) logs and judges the real client. The format is HAProxy's
"proxy-protocol.txt": v1 is one text line ``PROXY TCP4 src dst sport dport\\r\\n``, v2 a binary block with a
12-octet signature. Here the addresses are this connection's own two ends, as a proxy in front would report them.
"""

from __future__ import annotations

import ipaddress
import struct

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
_V2_PROXY_COMMAND = 0x21  # version 2, command PROXY
_V2_TCP4 = 0x11  # AF_INET, STREAM
_V2_TCP6 = 0x21  # AF_INET6, STREAM


def split_address(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """``127.0.0.1:25`` or ``[::1]:25`` (net/addresses.py's form) -> (address, port)."""
    host, _, port = text.rpartition(":")
    return ipaddress.ip_address(host.strip("[]")), int(port)


def proxy_header(version: str, source: str, destination: str) -> bytes:
    """The header for a connection from ``source`` to ``destination`` (``ip:port`` forms); ValueError if unusable."""
    src, src_port = split_address(source)
    dst, dst_port = split_address(destination)
    if src.version != dst.version:  # an IPv4-mapped IPv6 pair, say: both must be of one family
        src, dst = _same_family(src), _same_family(dst)
    if version == "v1":
        family = "TCP4" if src.version == 4 else "TCP6"
        return f"PROXY {family} {src} {dst} {src_port} {dst_port}\r\n".encode("ascii")
    if version == "v2":
        body = src.packed + dst.packed + struct.pack("!HH", src_port, dst_port)
        family_octet = _V2_TCP4 if src.version == 4 else _V2_TCP6
        return V2_SIGNATURE + bytes([_V2_PROXY_COMMAND, family_octet]) + struct.pack("!H", len(body)) + body
    raise ValueError(f"PROXY protocol version {version!r}: use v1 or v2")


def _same_family(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address):
        return address
    return ipaddress.IPv6Address(f"::ffff:{address}")
