"""What Python's ssl module cannot say about a handshake: the key exchange group and a stapled OCSP response.

Python 3.11's ssl reports neither the group (X25519, P-256, ...) the two sides agreed nor asks the server for a
stapled OCSP response, so the probe looks once more with pyOpenSSL, which asks for a staple (the status_request
extension) and reads the group back, as `openssl s_client -status` does. That handshake checks nothing (the
certificate was, or was not, verified by the first one) and sends no mail: banner, EHLO, STARTTLS, handshake,
then it hangs up.

pyOpenSSL is imported only here, and only when a probe reaches TLS: a script or the sandbox never loads it.
The group must be the one the probe's own session agreed, so this look offers the groups Python's ssl offers:
pyOpenSSL carries its own, newer OpenSSL, whose default offer leads with a post-quantum hybrid
(X25519MLKEM768) that an OpenSSL before 3.5 (Python's, here) never offers; a server that knows it would pick it
here and X25519 in the real session.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smtpshell.net.addresses import address_literal
from smtpshell.proto.grammar import is_ascii_digits

__all__ = ["HandshakeFacts", "OCSPStaple", "handshake_facts", "read_ocsp_staple"]

# OpenSSL names the curve groups in lower case; `openssl s_client` and administrators write them so.
_GROUP_NAMES = {"x25519": "X25519", "x448": "X448"}
_REPLY_LIMIT = 64 * 1024  # a banner or EHLO reply longer than this is not worth reading for this look
# OpenSSL 3.0 to 3.4's default group list (ssl/t1_lib.c), in its order: what Python's ssl offers when linked
# against one of them. From 3.5 on both sides share the new default and nothing is set.
_CLASSIC_GROUPS = b"X25519:P-256:X448:P-521:P-384:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192"


@dataclass(frozen=True)
class OCSPStaple:
    """A stapled OCSP response (RFC 6960) as read; its signature is not checked, this says what it claims."""

    response_status: str  # successful, malformed_request, internal_error, try_later, sig_required, unauthorized
    certificate_status: str | None = None  # good, revoked, unknown; None unless the response is successful
    this_update: datetime | None = None
    next_update: datetime | None = None
    revocation_time: datetime | None = None
    for_this_certificate: bool | None = None  # its serial number is the leaf's; None when not known
    error: str | None = None  # set when the octets stapled were not an OCSP response at all

    def summary(self) -> str:
        if self.error:
            return f"stapled, but unreadable: {self.error}"
        if self.certificate_status is None:
            return f"stapled, response status {self.response_status}"
        text = f"stapled: {self.certificate_status}"
        if self.revocation_time is not None:
            text += f" (revoked {self.revocation_time:%Y-%m-%d %H:%M} UTC)"
        if self.next_update is not None:
            text += f", next update {self.next_update:%Y-%m-%d %H:%M} UTC"
        if self.for_this_certificate is False:
            text += ", but for another certificate (serial number differs)"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "response_status": self.response_status,
            "certificate_status": self.certificate_status,
            "this_update": self.this_update.isoformat() if self.this_update else None,
            "next_update": self.next_update.isoformat() if self.next_update else None,
            "revocation_time": self.revocation_time.isoformat() if self.revocation_time else None,
            "for_this_certificate": self.for_this_certificate,
            "error": self.error,
        }


@dataclass(frozen=True)
class HandshakeFacts:
    group: str | None  # "X25519", "secp256r1", ...; None when OpenSSL did not name one
    ocsp_stapled: bool
    ocsp: OCSPStaple | None  # None when nothing was stapled


def read_ocsp_staple(der: bytes, leaf_serial: int | None = None) -> OCSPStaple:
    """Read a stapled response; never raises on what the server sent."""
    from cryptography.x509 import ocsp

    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as error:
        return OCSPStaple("unreadable", error=str(error) or "not an OCSP response")
    status = response.response_status.name.lower()
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OCSPStaple(status)
    try:
        return OCSPStaple(
            status,
            certificate_status=response.certificate_status.name.lower(),
            this_update=response.this_update_utc,
            next_update=response.next_update_utc,
            revocation_time=response.revocation_time_utc,
            for_this_certificate=None if leaf_serial is None else response.serial_number == leaf_serial,
        )
    except ValueError as error:  # a response holding several single responses, or none
        return OCSPStaple(status, error=str(error))


def handshake_facts(
    host: str,
    port: int,
    *,
    implicit: bool,
    sni: str | None,
    helo: str | None,
    lmtp: bool = False,
    tls_version: str | None = None,
    preamble: Callable[[str, str], bytes] | None = None,
    timeout: float = 30.0,
) -> HandshakeFacts | None:
    """Blocking (run it in a thread): None when pyOpenSSL is missing or the server would not get as far as TLS.

    ``helo`` is the name to greet with (default: our address literal); ``preamble`` makes a PROXY header from
    (local, peer) addresses.
    """
    try:
        from OpenSSL import SSL
    except ImportError:
        return None
    if not hasattr(SSL.Connection, "get_group_name"):  # pyOpenSSL before 24.3
        return None
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None
    with sock:
        try:
            local = _address(sock.getsockname())
            if preamble is not None:
                sock.sendall(preamble(local, _address(sock.getpeername())))
            greeting = f"{'LHLO' if lmtp else 'EHLO'} {helo or address_literal(local)}"
            if not implicit and not _starttls(sock, greeting):
                return None
            return _handshake(sock, sni, tls_version, deadline)
        except (OSError, ValueError, SSL.Error):
            return None


def _address(raw: Any) -> str:
    host, port = raw[0], raw[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _starttls(sock: socket.socket, greeting: str) -> bool:
    reader = sock.makefile("rb")
    if _code(reader) != 220:
        return False
    sock.sendall(greeting.encode("ascii", "replace") + b"\r\n")
    if _code(reader) != 250:
        return False
    sock.sendall(b"STARTTLS\r\n")
    return _code(reader) == 220


def _code(reader: Any) -> int | None:
    """The code of one whole reply (its last line), or None."""
    read = 0
    while True:
        line: bytes = reader.readline(1024)
        read += len(line)
        if not line or read > _REPLY_LIMIT:
            return None
        if len(line) < 4 or line[3:4] != b"-":
            head = line[:3]
            return int(head) if is_ascii_digits(head.decode("latin-1")) else None


def _handshake(sock: socket.socket, sni: str | None, tls_version: str | None, deadline: float) -> HandshakeFacts:
    from OpenSSL import SSL

    stapled: list[bytes] = []

    def keep_staple(_connection: Any, data: bytes, _extra: Any) -> bool:
        stapled.append(data)
        return True  # the verdict on the certificate is the first handshake's; this one only reads

    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_verify(SSL.VERIFY_NONE)
    if tls_version is not None:
        version = {"1.2": SSL.TLS1_2_VERSION, "1.3": SSL.TLS1_3_VERSION}[tls_version]
        context.set_min_proto_version(version)
        context.set_max_proto_version(version)
    else:
        context.set_min_proto_version(SSL.TLS1_2_VERSION)  # as the first handshake: nothing older
    context.set_ocsp_client_callback(keep_staple)
    _offer_what_python_offers(context)
    connection = SSL.Connection(context, sock)
    if sni and not _is_address(sni):  # no SNI for an address literal (RFC 6066 §3), as Python's ssl
        connection.set_tlsext_host_name(sni.encode("idna"))
    connection.request_ocsp()
    connection.set_connect_state()
    sock.setblocking(False)
    while True:
        try:
            connection.do_handshake()
            break
        except SSL.WantReadError:
            _wait(sock, deadline, write=False)
        except SSL.WantWriteError:
            _wait(sock, deadline, write=True)
    group = connection.get_group_name()
    leaf = connection.get_peer_certificate()
    serial = leaf.get_serial_number() if leaf is not None else None
    data = stapled[0] if stapled else b""
    try:
        connection.sendall(b"QUIT\r\n")  # polite: the server's log shows a normal end, not a lost connection
    except SSL.Error:
        pass
    return HandshakeFacts(
        group=_GROUP_NAMES.get(group, group) if group else None,
        ocsp_stapled=bool(data),
        ocsp=read_ocsp_staple(data, serial) if data else None,
    )


def _offer_what_python_offers(context: Any) -> None:
    import ssl

    if ssl.OPENSSL_VERSION_INFO >= (3, 5):
        return
    # pyOpenSSL has no public call to set the groups; its binding of OpenSSL's own does (as curves_list).
    from OpenSSL._util import lib

    set_groups = getattr(lib, "SSL_CTX_set1_curves_list", None)
    if set_groups is not None:
        set_groups(context._context, _CLASSIC_GROUPS)


def _is_address(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _wait(sock: socket.socket, deadline: float, *, write: bool) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the TLS handshake did not finish in time")
    ready = select.select([], [sock], [], left) if write else select.select([sock], [], [], left)
    if not any(ready):
        raise TimeoutError("the TLS handshake did not finish in time")
