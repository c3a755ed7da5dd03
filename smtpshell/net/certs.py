"""The sandbox's own TLS certificate: self-signed, made on first use, kept in the user data directory.

Rule: the key and certificate are made together in a fresh directory that is renamed into place in one step, so
two smtpshells starting at once never pair one's key with the other's certificate. A certificate close to its
end is replaced.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from smtpshell.paths import data_dir

SANDBOX_NAMES = ("sandbox.test", "localhost")
SANDBOX_ADDRESSES = ("127.0.0.1", "::1")
VALID_DAYS = 825  # the longest validity that strict clients (Apple's, for one) still accept
RENEW_BEFORE = datetime.timedelta(days=7)
DIRECTORY_NAME = "tls"


@dataclass(frozen=True)
class CertificateFiles:
    certificate: Path  # PEM; a client may trust this file as its CA file to verify the sandbox
    key: Path  # PEM, readable by the owner only


def sandbox_certificate(base: Path | None = None) -> CertificateFiles:
    """The sandbox's certificate files under ``base`` (the user data directory), made now if missing or old."""
    directory = (base if base is not None else data_dir()) / DIRECTORY_NAME
    files = _files_in(directory)
    if _usable(files):
        return files
    directory.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{DIRECTORY_NAME}-", dir=directory.parent))
    try:
        _write_new_certificate(fresh)
        if directory.exists():
            # Old or broken: move it aside first (a rename onto a non-empty directory fails on every system).
            stale = Path(tempfile.mkdtemp(prefix=f".{DIRECTORY_NAME}-old-", dir=directory.parent))
            try:
                os.replace(directory, stale / DIRECTORY_NAME)
            except FileNotFoundError:
                pass  # another smtpshell moved it already
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(fresh, directory)
        except OSError:
            if not _usable(files):  # the rename lost a race, but only a usable winner will do
                raise
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return files


def server_context(files: CertificateFiles) -> ssl.SSLContext:
    """A server-side TLS context with these files; TLS 1.2 at least."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.certificate, files.key)
    return context


def sandbox_server_context(base: Path | None = None) -> ssl.SSLContext:
    """The context the sandbox serves STARTTLS and its implicit-TLS port with, making the certificate if needed."""
    return server_context(sandbox_certificate(base))


def _files_in(directory: Path) -> CertificateFiles:
    return CertificateFiles(directory / "sandbox-cert.pem", directory / "sandbox-key.pem")


def _usable(files: CertificateFiles) -> bool:
    try:
        certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc - RENEW_BEFORE < now or certificate.not_valid_before_utc > now:
        return False
    return certificate.public_key() == key.public_key()


def _write_new_certificate(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SANDBOX_NAMES[0]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtpshell sandbox (self-signed, for learning only)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    alternative_names: list[x509.GeneralName] = [x509.DNSName(n) for n in SANDBOX_NAMES]
    alternative_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in SANDBOX_ADDRESSES]
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path = directory / "sandbox-key.pem"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    (directory / "sandbox-cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
