"""TLS for the client: the settings, what a finished handshake tells us, and why a handshake failed.

Rule: certificates are checked (chain, host name, SNI) unless the user says --insecure; a failure is explained
in words a learner can act on, never shown as a bare OpenSSL code.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

# OpenSSL's X509_V_ERR_* verification codes (x509_vfy.h); the ssl module does not name them.
_UNABLE_TO_GET_ISSUER_CERT = 2
_CERT_SIGNATURE_FAILURE = 7
_CERT_NOT_YET_VALID = 9
_CERT_HAS_EXPIRED = 10
_DEPTH_ZERO_SELF_SIGNED_CERT = 18
_SELF_SIGNED_CERT_IN_CHAIN = 19
_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
_CERT_REVOKED = 23
_INVALID_CA = 24
_INVALID_PURPOSE = 26
_HOSTNAME_MISMATCH = 62
_IP_ADDRESS_MISMATCH = 64
_EE_KEY_TOO_SMALL = 66
_CA_KEY_TOO_SMALL = 67
_CA_MD_TOO_WEAK = 68

_BYPASS = "--cafile FILE trusts a certificate or CA you have checked yourself; --insecure skips the check"


@dataclass
class TLSSettings:
    verify: bool = True
    cafile: str | None = None  # trust this CA (PEM) instead of the system's
    server_hostname: str | None = None  # the name to check and send as SNI; default: the host connected to


@dataclass(frozen=True)
class TLSProblem:
    """Why TLS failed, for a learner: a kind a program can test, a headline, and what to do."""

    kind: str  # expired, not-yet-valid, wrong-host, self-signed, unknown-ca, revoked, weak, not-tls, ...
    headline: str
    advice: str


@dataclass(frozen=True)
class CertificateSummary:
    subject: str
    issuer: str
    not_before: datetime | None
    not_after: datetime | None
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses


@dataclass(frozen=True)
class TLSDetails:
    version: str  # "TLSv1.3"
    cipher: str
    subject: str  # RFC 4514 form, "CN=mail.example.com"; "" when the server sent no certificate
    issuer: str
    not_before: datetime | None
    not_after: datetime | None
    verified: bool  # the chain and the host name were checked
    discarded: int = 0  # octets the server sent after its 220 to STARTTLS, thrown away unread
    bits: int | None = None
    names: tuple[str, ...] = ()
    server_hostname: str | None = None  # the name checked and sent as SNI
    implicit: bool = False  # TLS from the first byte (port 465) rather than STARTTLS

    def rows(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Label/value pairs for a plain-text table."""
        cipher = f"{self.cipher} ({self.bits}-bit)" if self.bits else self.cipher
        rows = [("version", self.version), ("cipher", cipher), ("certificate", self.subject or "(none sent)")]
        if self.names:
            rows.append(("names", ", ".join(self.names)))
        rows.append(("issuer", self.issuer or "-"))
        rows.append(("valid", _validity(self.not_before, self.not_after, now or datetime.now(UTC))))
        if self.verified:
            rows.append(("verified", f"yes: chain and host name {self.server_hostname or ''} checked".rstrip()))
        else:
            rows.append(("verified", "NO: --insecure, anyone in between could pose as this server"))
        if self.discarded:
            rows.append(("discarded", f"{self.discarded} octets sent after the 220 to STARTTLS (injection?)"))
        return rows

    def to_dict(self) -> dict[str, str]:
        """Every field as text, for ConnectionChange.tls_info and JSON."""
        return {
            "version": self.version,
            "cipher": self.cipher,
            "bits": str(self.bits or ""),
            "subject": self.subject,
            "issuer": self.issuer,
            "names": ", ".join(self.names),
            "not_before": self.not_before.isoformat() if self.not_before else "",
            "not_after": self.not_after.isoformat() if self.not_after else "",
            "verified": "yes" if self.verified else "no",
            "server_hostname": self.server_hostname or "",
            "discarded": str(self.discarded),
            "mode": "implicit" if self.implicit else "starttls",
        }


def client_context(settings: TLSSettings) -> ssl.SSLContext:
    """An SSL context for the client; raises OSError or ssl.SSLError when the CA file cannot be used."""
    if settings.verify:
        # create_default_context checks the chain and the host name; with a cafile it trusts only that file.
        return ssl.create_default_context(cafile=settings.cafile)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def summarize_certificate(der: bytes | None) -> CertificateSummary:
    """Read the peer's certificate (DER); works with --insecure too, where getpeercert() returns nothing."""
    if not der:
        return CertificateSummary("", "", None, None, ())
    # Imported here, after a handshake: cryptography costs tens of milliseconds to import, and most sessions
    # (the sandbox in plaintext, `smtpshell explain`) never need it.
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName), *map(str, san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return CertificateSummary(
        cert.subject.rfc4514_string(),
        cert.issuer.rfc4514_string(),
        cert.not_valid_before_utc,
        cert.not_valid_after_utc,
        tuple(names),
    )


def details_from(
    ssl_object: ssl.SSLObject | ssl.SSLSocket,
    *,
    verified: bool,
    discarded: int = 0,
    server_hostname: str | None = None,
    implicit: bool = False,
) -> TLSDetails:
    cipher = ssl_object.cipher()
    cert = summarize_certificate(ssl_object.getpeercert(binary_form=True))
    return TLSDetails(
        version=ssl_object.version() or "?",
        cipher=cipher[0] if cipher else "?",
        subject=cert.subject,
        issuer=cert.issuer,
        not_before=cert.not_before,
        not_after=cert.not_after,
        verified=verified,
        discarded=discarded,
        bits=cipher[2] if cipher else None,
        names=cert.names,
        server_hostname=server_hostname,
        implicit=implicit,
    )


def explain_handshake_error(error: BaseException, hostname: str, timeout: float | None = None) -> TLSProblem:
    """Turn whatever the TLS handshake raised into a problem a learner can act on."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return explain_verification_failure(error.verify_code, error.verify_message, hostname)
    reason = getattr(error, "reason", None) or ""
    if reason in ("WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE", "HTTP_REQUEST"):
        return TLSProblem(
            "not-tls",
            "The server answered in plain text, not TLS",
            "This port does not start with TLS. Leave out --tls and use STARTTLS (ports 25 and 587); "
            "TLS from the first byte (implicit TLS) is usually on port 465.",
        )
    if reason in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE"):
        return TLSProblem(
            "old-protocol",
            "The server and this client share no TLS version",
            "The server only speaks a TLS version this client refuses as unsafe (older than TLS 1.2). "
            "Its administrator should enable TLS 1.2 or 1.3.",
        )
    if reason in ("SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE"):
        return TLSProblem(
            "no-cipher",
            "The server and this client share no cipher",
            "The server offers only ciphers this client considers unsafe, or asked for a client certificate.",
        )
    if isinstance(error, ConnectionAbortedError | TimeoutError):
        waited = f" in {timeout:g} s" if timeout else ""
        return TLSProblem(
            "timeout",
            f"The TLS handshake did not finish{waited}",
            "The server accepted the connection but did not complete TLS. It may expect plain text on this "
            "port (leave out --tls), or be overloaded.",
        )
    if isinstance(error, ssl.SSLEOFError | ConnectionResetError | BrokenPipeError | EOFError):
        return TLSProblem(
            "closed",
            "The server closed the connection during the TLS handshake",
            "It may not accept TLS on this port, dislike this client's TLS offer, or expect plain text.",
        )
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return TLSProblem(
        "handshake",
        f"The TLS handshake failed: {text}",
        "Try --insecure to see whether certificate checks are the cause; otherwise the server's TLS setup is at fault.",
    )


def explain_verification_failure(code: int, message: str, hostname: str) -> TLSProblem:
    """Explain an OpenSSL certificate verification failure (its verify_code and verify_message)."""
    said = f" (OpenSSL: {message})" if message else ""
    if code == _CERT_HAS_EXPIRED:
        return TLSProblem(
            "expired", f"The server's certificate has expired{said}", f"Its administrator must renew it. {_BYPASS}."
        )
    if code == _CERT_NOT_YET_VALID:
        return TLSProblem(
            "not-yet-valid",
            f"The server's certificate is not valid yet{said}",
            f"Either it was issued for a future date or this computer's clock is wrong. {_BYPASS}.",
        )
    if code in (_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH):
        return TLSProblem(
            "wrong-host",
            f"The certificate is not for {hostname}{said}",
            "A certificate names the hosts it may be used for. Connect with a name it lists (for mail, the MX "
            f"host name rather than an IP address or an alias). {_BYPASS}.",
        )
    if code == _DEPTH_ZERO_SELF_SIGNED_CERT:
        return TLSProblem(
            "self-signed",
            f"The server's certificate is self-signed{said}",
            "The server vouches for itself and no authority you trust vouches for it. If you "
            "trust this server, pass its certificate with --cafile FILE; --insecure skips the "
            "check.",
        )
    if code in (
        _SELF_SIGNED_CERT_IN_CHAIN,
        _UNABLE_TO_GET_ISSUER_CERT,
        _UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        _UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        _INVALID_CA,
    ):
        return TLSProblem(
            "unknown-ca",
            f"The certificate was issued by an authority this computer does not trust{said}",
            "Either it is a private CA, or the server did not send its intermediate certificates. For a private "
            "CA, pass the CA's certificate with --cafile FILE; --insecure skips the check.",
        )
    if code == _CERT_REVOKED:
        return TLSProblem(
            "revoked",
            f"The server's certificate was revoked{said}",
            "Its issuer withdrew it, maybe because the key leaked. Do not trust this server.",
        )
    if code in (_EE_KEY_TOO_SMALL, _CA_KEY_TOO_SMALL, _CA_MD_TOO_WEAK, _CERT_SIGNATURE_FAILURE):
        return TLSProblem(
            "weak",
            f"The certificate uses weak or broken cryptography{said}",
            f"Its administrator should reissue it with a stronger key and hash. {_BYPASS}.",
        )
    if code == _INVALID_PURPOSE:
        return TLSProblem(
            "wrong-purpose",
            f"The certificate is not meant for a TLS server{said}",
            f"The server uses a certificate issued for something else. {_BYPASS}.",
        )
    return TLSProblem("unverified", f"The server's certificate did not verify{said}", f"{_BYPASS}.")


def explain_cafile_error(path: str, error: BaseException) -> TLSProblem:
    text = getattr(error, "strerror", None) or str(error)
    return TLSProblem(
        "cafile",
        f"Cannot use {path} as a CA file: {text}",
        "Give a PEM file holding one or more certificates (-----BEGIN CERTIFICATE-----).",
    )


def _validity(not_before: datetime | None, not_after: datetime | None, now: datetime) -> str:
    if not_after is None:
        return "-"
    span = f"{not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}" if not_before else f"until {not_after:%Y-%m-%d}"
    days = (not_after - now).days
    if not_after < now:
        return f"{span} (EXPIRED {-days} days ago)"
    if not_before is not None and not_before > now:
        return f"{span} (not valid yet)"
    return f"{span} (expires in {days} days)"
