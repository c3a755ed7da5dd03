"""The key exchange group and OCSP stapling in a probe's report, against a TLS server that staples.

Python's ssl cannot staple on the server side, so the server here is pyOpenSSL's: it answers the client's
status request with an OCSP response the test makes and signs with the test CA, and records the group it
agreed, which the report must name.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from smtpshell.net.probe import EXIT_OK, EXIT_TLS
from smtpshell.net.probe_command import main
from smtpshell.net.tls_handshake_facts import read_ocsp_staple
from tests.client.test_probe_monitoring import valid
from tests.tls_helpers import Issued, issue, make_ca

SSL = pytest.importorskip("OpenSSL.SSL", reason="pyOpenSSL is not installed (pip install '.[test]')")


@dataclass
class StaplingServer:
    port: int
    groups: list[str | None] = field(default_factory=list)  # the group each handshake agreed, server side
    asked: list[bool] = field(default_factory=list)  # whether the client asked for a staple


def ocsp_response(ca: Issued, leaf: x509.Certificate, *, revoked: bool = False) -> bytes:
    now = datetime.now(UTC)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=leaf,
        issuer=ca.cert,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=now - timedelta(hours=1),
        next_update=now + timedelta(days=3),
        revocation_time=now - timedelta(days=2) if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    )
    response = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.cert).sign(ca.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _lines(read: Callable[[], bytes]) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = read()
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.rstrip(b"\r")


def _converse(send: Callable[[bytes], object], read: Callable[[], bytes], extensions: list[str]) -> bool:
    """Answer SMTP until STARTTLS (True) or QUIT (False)."""
    for line in _lines(read):
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            send(b"".join(f"250-{e}\r\n".encode() for e in ["stapler.test", *extensions[:-1]]))
            send(f"250 {extensions[-1]}\r\n".encode())
        elif verb == b"STARTTLS":
            send(b"220 2.0.0 go ahead\r\n")
            return True
        elif verb == b"QUIT":
            send(b"221 2.0.0 bye\r\n")
            return False
        else:
            send(b"252 2.1.5 cannot verify\r\n")
    return False


@contextmanager
def stapling_server(leaf: Issued, staple: bytes) -> Iterator[StaplingServer]:
    """A STARTTLS server on loopback; ``staple`` is sent when asked (b"": the server staples nothing)."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate(leaf.cert)
    context.use_privatekey(leaf.key)
    listener = socket.create_server(("127.0.0.1", 0))
    server = StaplingServer(listener.getsockname()[1])

    def answer(_connection: object, _data: object) -> bytes:
        server.asked.append(True)
        return staple

    context.set_ocsp_server_callback(answer)

    def serve(sock: socket.socket) -> None:
        with sock:
            sock.sendall(b"220 stapler.test ESMTP\r\n")
            if not _converse(sock.sendall, lambda: sock.recv(4096), ["PIPELINING", "STARTTLS"]):
                return
            tls = SSL.Connection(context, sock)
            tls.set_accept_state()
            try:
                tls.do_handshake()
                server.groups.append(tls.get_group_name())
                _converse(tls.sendall, lambda: _recv(tls), ["PIPELINING"])
            except SSL.Error:
                return

    def accept() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server
    finally:
        listener.close()


def _recv(tls: SSL.Connection) -> bytes:
    try:
        data: bytes = tls.recv(4096)
    except (SSL.ZeroReturnError, SSL.SysCallError):
        return b""
    return data


@pytest.fixture
def pki(tmp_path: Path) -> tuple[Issued, Issued, Path]:
    ca = make_ca()
    leaf = issue(ca, ("localhost", "127.0.0.1"))
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    return ca, leaf, ca_file


def probe_json(port: int, ca_file: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["probe", f"127.0.0.1:{port}", "--cafile", str(ca_file), "--timeout", "10", "--json", *extra])
    return code, valid(json.loads(capsys.readouterr().out))


def test_a_stapled_good_response_and_the_group_are_reported(
    pki: tuple[Issued, Issued, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ca, leaf, ca_file = pki
    with stapling_server(leaf, ocsp_response(ca, leaf.cert)) as server:
        code, data = probe_json(server.port, ca_file, capsys)
    tls = data["tls"]
    assert code == EXIT_OK and tls["verified"] is True
    assert server.asked == [True]  # the probe's own handshake does not ask; the second look does
    # Two handshakes reached the server: the probe's session (Python's ssl) and the look that asks for the
    # group; both agreed the same group, the one reported.
    assert len(server.groups) == 2 and server.groups[0] == server.groups[1] is not None
    assert tls["key_exchange_group"] is not None
    assert tls["key_exchange_group"].lower() == (server.groups[0] or "").lower()
    assert tls["ocsp_stapled"] is True
    assert tls["ocsp"]["response_status"] == "successful"
    assert tls["ocsp"]["certificate_status"] == "good" and tls["ocsp"]["for_this_certificate"] is True
    assert tls["ocsp"]["revocation_time"] is None and tls["ocsp"]["next_update"] is not None


def test_a_revoked_staple_is_shown_in_the_text_report(
    pki: tuple[Issued, Issued, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ca, leaf, ca_file = pki
    with stapling_server(leaf, ocsp_response(ca, leaf.cert, revoked=True)) as server:
        main(["probe", f"127.0.0.1:{server.port}", "--cafile", str(ca_file), "--timeout", "10"])
    out = capsys.readouterr().out
    assert "OCSP                  stapled: revoked (revoked " in out
    assert f"key exchange          {server.groups[-1]}".lower() in out.lower()


def test_a_server_that_staples_nothing_says_so(
    pki: tuple[Issued, Issued, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, leaf, ca_file = pki
    with stapling_server(leaf, b"") as server:
        code, data = probe_json(server.port, ca_file, capsys)
    assert code == EXIT_OK and server.asked == [True]
    assert data["tls"]["ocsp_stapled"] is False and data["tls"]["ocsp"] is None


def test_a_staple_for_another_certificate_is_flagged(pki: tuple[Issued, Issued, Path]) -> None:
    # OpenSSL itself drops such a staple before the callback in the handshakes tried here; read directly.
    ca, leaf, _ = pki
    other = issue(ca, ("other.test",))
    staple = read_ocsp_staple(ocsp_response(ca, other.cert), leaf.cert.serial_number)
    assert staple.certificate_status == "good" and staple.for_this_certificate is False
    assert "for another certificate" in staple.summary()


def test_the_group_is_the_one_python_s_ssl_agrees(
    pki: tuple[Issued, Issued, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's OpenSSL knows X25519MLKEM768; the probe's session (Python's ssl) may not offer it."""
    import ssl

    _, leaf, ca_file = pki
    with stapling_server(leaf, b"") as server:
        code, data = probe_json(server.port, ca_file, capsys, "--tls-version", "1.3")
    assert code == EXIT_OK
    if ssl.OPENSSL_VERSION_INFO < (3, 5):
        assert data["tls"]["key_exchange_group"] == "X25519"


def test_the_group_is_reported_after_a_failed_verification_too(
    pki: tuple[Issued, Issued, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, leaf, _ = pki
    stranger = make_ca("another CA")
    stranger_file = tmp_path / "stranger.pem"
    stranger_file.write_bytes(stranger.cert.public_bytes(serialization.Encoding.PEM))
    with stapling_server(leaf, b"") as server:
        code, data = probe_json(server.port, stranger_file, capsys)
    assert code == EXIT_TLS and data["tls"]["verify_code"] == 20
    assert data["tls"]["key_exchange_group"] is not None and data["tls"]["ocsp_stapled"] is False


@pytest.mark.parametrize(
    ("octets", "status"),
    [
        (b"not DER at all", "unreadable"),
        (
            ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(
                serialization.Encoding.DER
            ),
            "try_later",
        ),
    ],
)
def test_an_unusable_staple_is_read_without_an_error(octets: bytes, status: str) -> None:
    staple = read_ocsp_staple(octets)
    assert staple.response_status == status and staple.certificate_status is None
    assert "stapled" in staple.summary()
