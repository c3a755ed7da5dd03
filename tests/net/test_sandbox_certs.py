"""The sandbox's self-signed certificate: made once in the data directory, reused, renewed, and verifiable."""

from __future__ import annotations

import datetime
import os
import smtplib
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from smtpshell.net.certs import sandbox_certificate, sandbox_server_context
from smtpshell.net.sandbox import SandboxThread


def test_made_on_first_use_in_the_user_data_directory(smtpshell_home: Path) -> None:
    files = sandbox_certificate()
    assert files.certificate.is_relative_to(smtpshell_home)
    certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "sandbox.test" in names.get_values_for_type(x509.DNSName)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    if os.name == "posix":
        assert files.key.stat().st_mode & 0o077 == 0


def test_reused_on_later_starts(smtpshell_home: Path) -> None:
    first = sandbox_certificate()
    pem = first.certificate.read_bytes()
    second = sandbox_certificate()
    assert second == first
    assert second.certificate.read_bytes() == pem


def test_an_expired_or_broken_certificate_is_replaced(smtpshell_home: Path) -> None:
    files = sandbox_certificate()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "old")])
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=400)
    expired = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(past)
        .not_valid_after(past + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    files.certificate.write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    renewed = sandbox_certificate()
    fresh = x509.load_pem_x509_certificate(renewed.certificate.read_bytes())
    assert fresh.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    files.key.write_text("garbage")
    assert sandbox_certificate().key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_a_client_that_trusts_the_certificate_file_verifies_the_sandbox(smtpshell_home: Path) -> None:
    client = ssl.create_default_context(cafile=str(sandbox_certificate().certificate))
    with SandboxThread() as sandbox, smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp:
        smtp.ehlo()
        code, _ = smtp.starttls(context=client)  # checks 127.0.0.1 against the certificate
        assert code == 220
        assert smtp.ehlo()[0] == 250


def test_an_unwritable_data_directory_means_no_starttls_and_a_454(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        sandbox_server_context(blocker)
    with SandboxThread(data_dir=blocker) as sandbox, smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp:
        assert sandbox.sandbox.tls_problem is not None
        smtp.ehlo()
        assert not smtp.has_extn("starttls")
        assert smtp.docmd("STARTTLS")[0] == 454
