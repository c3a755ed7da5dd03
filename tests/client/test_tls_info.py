"""Certificate failures are explained by OpenSSL's verification code; certificate details read from DER."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from smtpshell.net.cert_details import summarize_certificate
from smtpshell.net.tls_info import TLSDetails, explain_handshake_error, explain_verification_failure
from tests.tls_helpers import issue, make_ca


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (10, "expired"),
        (9, "not-yet-valid"),
        (62, "wrong-host"),
        (64, "wrong-host"),
        (18, "self-signed"),
        (19, "unknown-ca"),
        (20, "unknown-ca"),
        (21, "unknown-ca"),
        (23, "revoked"),
        (66, "weak"),
        (26, "wrong-purpose"),
        (999, "unverified"),
    ],
)
def test_verification_codes_map_to_kinds_with_advice(code: int, kind: str) -> None:
    problem = explain_verification_failure(code, "some openssl text", "mail.example.test")
    assert problem.kind == kind
    assert "(OpenSSL: some openssl text)" in problem.headline
    assert problem.advice


def test_the_wrong_host_names_the_host_checked() -> None:
    problem = explain_verification_failure(62, "Hostname mismatch", "mx.example.test")
    assert problem.headline.startswith("The certificate is not for mx.example.test")


def test_a_plaintext_answer_to_a_client_hello() -> None:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"
    assert explain_handshake_error(error, "h").kind == "not-tls"


def test_a_handshake_that_never_finishes() -> None:
    problem = explain_handshake_error(ConnectionAbortedError("SSL handshake is taking longer"), "h", 3)
    assert problem.kind == "timeout" and "3 s" in problem.headline


def test_certificate_summary_from_der() -> None:
    ca = make_ca("Example CA")
    leaf = issue(ca, ("mail.example.test", "192.0.2.25"))
    summary = summarize_certificate(leaf.cert.public_bytes(Encoding.DER))
    assert summary.subject == "CN=mail.example.test" and summary.issuer == "CN=Example CA"
    assert summary.names == ("mail.example.test", "192.0.2.25")
    assert summary.not_after == leaf.cert.not_valid_after_utc
    assert summarize_certificate(None).subject == ""


def test_rows_say_when_a_certificate_expires_and_what_was_discarded() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    details = TLSDetails(
        version="TLSv1.3",
        cipher="TLS_AES_128_GCM_SHA256",
        subject="CN=mx",
        issuer="CN=CA",
        not_before=now - timedelta(days=10),
        not_after=now + timedelta(days=5),
        verified=True,
        discarded=14,
        bits=128,
        server_hostname="mx",
    )
    rows = dict(details.rows(now))
    assert rows["valid"] == "2029-12-22 to 2030-01-06 (expires in 5 days)"
    assert rows["cipher"] == "TLS_AES_128_GCM_SHA256 (128-bit)"
    assert rows["verified"] == "yes: chain and host name mx checked"
    assert rows["discarded"].startswith("14 octets")
    assert details.to_json()["discarded"] == 14 and details.to_json()["mode"] == "starttls"
    assert details.to_json()["bits"] == 128 and details.to_json()["verified"] is True
    assert details.to_dict() == dict(details.rows())  # what the shell shows after STARTTLS: for people
