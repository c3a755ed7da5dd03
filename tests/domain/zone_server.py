"""A real DNS server on 127.0.0.1 (UDP and TCP, dnspython) answering from a zone a test writes.

The zone maps (name, type) to record texts: {("example.test", "TXT"): ["v=spf1 -all"]}; a TXT text is given
unquoted and split into strings of 255 octets as DNS requires. It runs on a thread of
its own, so code that runs its own event loop (a command's asyncio.run) and blocking resolvers can both ask it.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

Zone = dict[tuple[str, str], list[str]]


def _normal(name: str) -> str:
    return name.lower().rstrip(".")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def answer(zone: Zone, wire: bytes) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA | dns.flags.AA
    question = query.question[0]
    name = _normal(question.name.to_text())
    kind = dns.rdatatype.to_text(question.rdtype)
    records = zone.get((name, kind))
    if records and kind == "TXT":
        records = [" ".join(_quoted(text[i : i + 255]) for i in range(0, max(len(text), 1), 255)) for text in records]
    if records:
        response.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", kind, records))
    elif not any(_normal(key[0]) == name or _normal(key[0]).endswith("." + name) for key in zone):
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response.to_wire()


class _ReusableTCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # a port in TIME_WAIT from an earlier test is fine to listen on again


def _bind_pair(
    udp_handler: type[socketserver.BaseRequestHandler], tcp_handler: type[socketserver.BaseRequestHandler]
) -> tuple[socketserver.ThreadingUDPServer, socketserver.ThreadingTCPServer]:
    """UDP and TCP servers on one ephemeral port: the UDP port is chosen by the system, and tried again when its
    TCP twin is taken by another program."""
    for _ in range(50):
        udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), udp_handler)
        try:
            return udp, _ReusableTCPServer(("127.0.0.1", udp.server_address[1]), tcp_handler)
        except OSError:
            udp.server_close()
    raise OSError("no free port for both UDP and TCP on 127.0.0.1")


@contextmanager
def zone_server(zone: Zone) -> Iterator[tuple[str, int]]:
    """Serve ``zone`` on 127.0.0.1 over UDP and TCP on one ephemeral port; yields (address, port)."""
    normal = {(_normal(name), kind.upper()): records for (name, kind), records in zone.items()}

    class UDPHandler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            sock.sendto(answer(normal, data), self.client_address)

    class TCPHandler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            size = int.from_bytes(self.rfile.read(2), "big")
            reply = answer(normal, self.rfile.read(size))
            self.wfile.write(len(reply).to_bytes(2, "big") + reply)

    udp, tcp = _bind_pair(UDPHandler, TCPHandler)
    port = udp.server_address[1]
    threads = [threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True) for server in (udp, tcp)]
    for thread in threads:
        thread.start()
    try:
        yield "127.0.0.1", port
    finally:
        for server in (udp, tcp):
            server.shutdown()
            server.server_close()
