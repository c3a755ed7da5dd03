"""The sandbox's own TLS certificate: self-signed, made on first use, kept in the user data directory.

Rule: the key and certificate are made together in a fresh directory that is renamed into place in one step, so
two smtpshells starting at once never pair one's key with the other's certificate. A certificate close to its
end is replaced.

Every start of the shell checks the certificate, so the check must be cheap: what a full check (with
cryptography, slow to import) learned is kept next to the files with their fingerprint, and a start whose files
still have that fingerprint reads the dates from there. Any change to either file means a full check again.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from smtpshell.paths import data_dir

SANDBOX_NAMES = ("sandbox.test", "localhost")
SANDBOX_ADDRESSES = ("127.0.0.1", "::1")
VALID_DAYS = 825  # the longest validity that strict clients (Apple's, for one) still accept
RENEW_BEFORE = datetime.timedelta(days=7)
DIRECTORY_NAME = "tls"
CHECKED_NAME = "checked.json"  # the fingerprint and dates a full check found (see the module's rule)


@dataclass(frozen=True)
class CertificateFiles:
    certificate: Path  # PEM; a client may trust this file as its CA file to verify the sandbox
    key: Path  # PEM, readable by the owner only


def sandbox_certificate(base: Path | None = None, extra_names: tuple[str, ...] = ()) -> CertificateFiles:
    """The sandbox's certificate files under ``base`` (the user data directory), made now if missing or old.

    ``extra_names`` (host names or IP addresses, such as a lab server's) are added to the usual ones; a
    certificate with them lives in its own folder, so the plain sandbox's stays as it is.
    """
    extras = tuple(sorted({name.strip().lower() for name in extra_names if name.strip()}))
    folder = DIRECTORY_NAME
    if extras:
        folder += "-" + hashlib.sha256("\n".join(extras).encode()).hexdigest()[:12]
    directory = (base if base is not None else data_dir()) / folder
    files = _files_in(directory)
    if _usable(files):
        return files
    directory.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{DIRECTORY_NAME}-", dir=directory.parent))
    try:
        _write_new_certificate(fresh, extras)
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


@dataclass(frozen=True)
class _Checked:
    fingerprint: str  # SHA-256 of the certificate and key files as they were checked
    not_before: datetime.datetime
    not_after: datetime.datetime


def _usable(files: CertificateFiles) -> bool:
    try:
        certificate_pem, key_pem = files.certificate.read_bytes(), files.key.read_bytes()
    except OSError:
        return False
    fingerprint = _fingerprint(certificate_pem, key_pem)
    checked = _read_checked(files)
    if checked is None or checked.fingerprint != fingerprint:
        checked = _full_check(certificate_pem, key_pem, fingerprint)
        if checked is None:
            return False
        _write_checked(files, checked)
    now = datetime.datetime.now(datetime.UTC)
    return checked.not_before <= now < checked.not_after - RENEW_BEFORE


def _fingerprint(certificate_pem: bytes, key_pem: bytes) -> str:
    return hashlib.sha256(certificate_pem + b"\0" + key_pem).hexdigest()


def _full_check(certificate_pem: bytes, key_pem: bytes, fingerprint: str) -> _Checked | None:
    """Parse both files: None unless they hold a certificate and the private key that belongs to it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return None
    if certificate.public_key() != key.public_key():
        return None
    return _Checked(fingerprint, certificate.not_valid_before_utc, certificate.not_valid_after_utc)


def _read_checked(files: CertificateFiles) -> _Checked | None:
    try:
        data = json.loads((files.certificate.parent / CHECKED_NAME).read_text(encoding="utf-8"))
        return _Checked(
            str(data["fingerprint"]),
            datetime.datetime.fromisoformat(data["not_before"]),
            datetime.datetime.fromisoformat(data["not_after"]),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _write_checked(files: CertificateFiles, checked: _Checked) -> None:
    """Keep what the full check found; best effort: without it the next start checks fully again."""
    text = json.dumps(
        {
            "fingerprint": checked.fingerprint,
            "not_before": checked.not_before.isoformat(),
            "not_after": checked.not_after.isoformat(),
        }
    )
    directory = files.certificate.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{CHECKED_NAME}-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, directory / CHECKED_NAME)
    except OSError:
        pass


def _write_new_certificate(directory: Path, extra_names: tuple[str, ...] = ()) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
    for extra in extra_names:
        try:
            alternative_names.append(x509.IPAddress(ipaddress.ip_address(extra)))
        except ValueError:
            alternative_names.append(x509.DNSName(extra))
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
    files = _files_in(directory)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    fd = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    files.certificate.write_bytes(certificate_pem)
    checked = _Checked(
        _fingerprint(certificate_pem, key_pem), certificate.not_valid_before_utc, certificate.not_valid_after_utc
    )
    _write_checked(files, checked)
