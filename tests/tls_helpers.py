"""Certificates made in the test run: a private CA, server certificates it signs (right or wrong names, expired),
self-signed ones, and the usual CA + leaf pair for 127.0.0.1/localhost written as PEM files.

Tests verify TLS for real: the client trusts only the test CA, the server presents a leaf it signed. ECDSA P-256
keys, so making them costs milliseconds.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ("localhost", "sandbox.test")
SERVER_ADDRESSES = ("127.0.0.1", "::1")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        certfile, keyfile = directory / f"{stem}.pem", directory / f"{stem}.key"
        certfile.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return certfile, keyfile

    def server_context(self, directory: Path, stem: str) -> ssl.SSLContext:
        certfile, keyfile = self.write(directory, stem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alt_names(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def make_ca(common_name: str = "smtpshell test CA") -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def issue(
    ca: Issued | None,
    names: tuple[str, ...] = LOOPBACK_NAMES,
    *,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Issued:
    """A server certificate for ``names`` signed by ``ca``; self-signed when ``ca`` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = _name(names[0])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(days=1))
        .not_valid_after(valid_until or now + timedelta(days=20))
        .add_extension(_alt_names(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    return Issued(builder.sign(ca.key if ca else key, hashes.SHA256()), key)


@dataclass(frozen=True)
class ServerCertificates:
    ca_file: Path  # PEM of the CA: what a client trusts
    cert_file: Path  # PEM of the server's leaf certificate
    key_file: Path  # PEM of the leaf's private key

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Verifies the chain and the host name, trusting only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_pki(directory: Path, names: tuple[str, ...] = SERVER_NAMES) -> ServerCertificates:
    """A CA and a leaf for ``names`` plus 127.0.0.1 and ::1, written as PEM files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    leaf = issue(ca, (*names, *SERVER_ADDRESSES))
    cert_file, key_file = leaf.write(directory, "server")
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    return ServerCertificates(ca_file, cert_file, key_file)
