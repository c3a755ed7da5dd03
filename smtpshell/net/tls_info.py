"""TLS for the client: the settings, what a finished handshake tells us, and why a handshake failed.

Rule: certificates are checked (chain, host name, SNI) unless the user says --insecure; a failure is explained
in words a learner can act on, never shown as a bare OpenSSL code.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# Certificates are read (and dates computed) only after a handshake: a plaintext session never imports either.
if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from smtpshell.net.cert_details import CertificateSummary
    from smtpshell.net.tls_handshake_facts import OCSPStaple

__all__ = ["TLSDetails", "TLSProblem", "TLSSettings"]

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


TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@dataclass
class TLSSettings:
    verify: bool = True
    cafile: str | None = None  # trust this CA (PEM) instead of the system's
    server_hostname: str | None = None  # the name to check (and send as SNI); default: the host connected to
    sni: str | None = None  # send this name as SNI instead of the one checked
    tls_version: str | None = None  # "1.2" or "1.3": this version only; None: whatever both sides prefer

    def sni_for(self, checked: str) -> str:
        return self.sni or checked

    def checks_name_itself(self, checked: str) -> bool:
        """SNI and the name to check differ: OpenSSL checks one name, the one sent, so the check is ours."""
        return self.verify and self.sni_for(checked) != checked


@dataclass(frozen=True)
class TLSProblem:
    """Why TLS failed, for a learner: a kind a program can test, a headline, and what to do."""

    kind: str  # expired, not-yet-valid, wrong-host, self-signed, unknown-ca, revoked, weak, not-tls, ...
    headline: str
    advice: str


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
    server_hostname: str | None = None  # the name checked
    implicit: bool = False  # TLS from the first byte (port 465) rather than STARTTLS
    chain: tuple[CertificateSummary, ...] = ()  # as presented, leaf first
    sni: str | None = None  # the name sent as SNI (None: none sent, as for an IP address)
    verify_code: int | None = None  # OpenSSL's X509_V_ERR_* when verification failed (0 when it passed)
    verify_message: str | None = None
    # Python's ssl reports neither; a second look with pyOpenSSL does (tls_handshake_facts). None: not known.
    key_exchange_group: str | None = None
    ocsp_stapled: bool | None = None  # None: not asked for
    ocsp: OCSPStaple | None = None

    @property
    def leaf(self) -> CertificateSummary | None:
        return self.chain[0] if self.chain else None

    @property
    def verify_result(self) -> str:
        """As `openssl s_client` says it: ``0 (ok)``, ``18 (self-signed certificate)``; "" when not checked."""
        if self.verify_code is None:
            return "0 (ok)" if self.verified else ""
        return f"{self.verify_code} ({self.verify_message or 'unknown'})"

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.not_after is None:
            return None
        return (self.not_after - (now or _now())).total_seconds()

    def days_left(self, now: datetime | None = None) -> float | None:
        """Days until the certificate expires, with the fraction (47 hours is 1.96, not 1); negative once expired."""
        seconds = self.seconds_left(now)
        return None if seconds is None else round(seconds / 86400, 2)

    def rows(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Label/value pairs for a plain-text table, for people."""
        cipher = f"{self.cipher} ({self.bits}-bit)" if self.bits else self.cipher
        rows = [("version", self.version), ("cipher", cipher)]
        if self.key_exchange_group:
            rows.append(("key exchange", self.key_exchange_group))
        rows.append(("certificate", self.subject or "(none sent)"))
        if self.names:
            rows.append(("names", ", ".join(self.names)))
        rows.append(("issuer", self.issuer or "-"))
        rows.append(("valid", _validity(self.not_before, self.not_after, now or _now())))
        leaf = self.leaf
        if leaf is not None and leaf.key:
            rows.append(("key", leaf.key))
        if leaf is not None and leaf.signature_algorithm:
            rows.append(("signature", leaf.signature_algorithm))
        if leaf is not None and leaf.fingerprint_sha256:
            rows.append(("SHA-256", leaf.fingerprint_sha256))
        if self.sni and self.sni != self.server_hostname:
            rows.append(("SNI", self.sni))
        if self.verified:
            rows.append(("verified", f"yes: chain and host name {self.server_hostname or ''} checked".rstrip()))
        elif self.verify_code is not None:
            rows.append(("verified", f"NO: verify return code {self.verify_result}"))
        else:
            rows.append(("verified", "NO: --insecure, anyone in between could pose as this server"))
        if self.ocsp is not None:
            rows.append(("OCSP", self.ocsp.summary()))
        elif self.ocsp_stapled is False:
            rows.append(("OCSP", "none stapled (the server did not answer the status request)"))
        if len(self.chain) > 1 or (leaf is not None and not self.verified):
            for depth, cert in enumerate(self.chain):
                rows.append((f"chain {depth}" if depth else "chain 0 (server)", _chain_entry(cert)))
        if self.discarded:
            rows.append(("discarded", f"{self.discarded} octets sent after the 220 to STARTTLS (injection?)"))
        return rows

    def to_dict(self) -> dict[str, str]:
        """The rows for people, as ConnectionChange.tls_info carries them (the shell shows them as they are)."""
        return dict(self.rows())

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """Every fact typed, for --json: numbers, booleans, lists, and null for what is not known."""
        leaf = self.leaf
        return {
            "mode": "implicit" if self.implicit else "starttls",
            "version": self.version,
            "cipher": self.cipher,
            "bits": self.bits,
            "key_exchange_group": self.key_exchange_group,
            "ocsp_stapled": self.ocsp_stapled,
            "ocsp": self.ocsp.to_json() if self.ocsp is not None else None,
            "sni": self.sni,
            "checked_name": self.server_hostname,
            "verified": self.verified,
            "verify_code": self.verify_code if self.verify_code is not None else (0 if self.verified else None),
            "verify_message": self.verify_message
            if self.verify_code is not None
            else ("ok" if self.verified else None),
            "subject": self.subject or None,
            "issuer": self.issuer or None,
            "names": list(self.names),
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "days_left": self.days_left(now),
            "fingerprint_sha256": leaf.fingerprint_sha256 if leaf and leaf.fingerprint_sha256 else None,
            "key_type": leaf.key_type if leaf else None,
            "key_bits": leaf.key_bits if leaf else None,
            "key_curve": leaf.key_curve if leaf else None,
            "signature_algorithm": leaf.signature_algorithm if leaf else None,
            "chain": [cert.to_json() for cert in self.chain],
            "discarded": self.discarded,
        }


def client_context(settings: TLSSettings, checked: str | None = None) -> ssl.SSLContext:
    """An SSL context for the client; raises OSError or ssl.SSLError when the CA file cannot be used."""
    if settings.verify:
        # create_default_context checks the chain and the host name; with a cafile it trusts only that file.
        context = ssl.create_default_context(cafile=settings.cafile)
        if checked is not None and settings.checks_name_itself(checked):
            context.check_hostname = False  # the chain is still checked; check_peer_name checks the name
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.tls_version is not None:
        context.minimum_version = context.maximum_version = TLS_VERSIONS[settings.tls_version]
    return context


def check_peer_name(ssl_object: ssl.SSLObject | ssl.SSLSocket, settings: TLSSettings, checked: str) -> None:
    """With --sni different from the name checked, check the name here; raises SSLCertVerificationError."""
    if not settings.checks_name_itself(checked):
        return
    from smtpshell.net.cert_details import name_matches, summarize_certificate

    cert = summarize_certificate(ssl_object.getpeercert(binary_form=True))
    if name_matches(cert.names, checked):
        return
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: Hostname mismatch, not valid for {checked!r}")
    error.verify_code = _HOSTNAME_MISMATCH
    error.verify_message = "hostname mismatch"
    raise error


def details_from(
    ssl_object: ssl.SSLObject | ssl.SSLSocket,
    *,
    verified: bool,
    discarded: int = 0,
    server_hostname: str | None = None,
    implicit: bool = False,
    sni: str | None = None,
) -> TLSDetails:
    from smtpshell.net.cert_details import presented_chain, summarize_certificate

    cipher = ssl_object.cipher()
    chain = tuple(summarize_certificate(der) for der in presented_chain(ssl_object))
    cert = chain[0] if chain else summarize_certificate(None)
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
        chain=chain,
        sni=sni if sni is not None else server_hostname,
    )


def explain_handshake_error(
    error: BaseException, hostname: str, timeout: float | None = None, *, cafile: str | None = None
) -> TLSProblem:
    """Turn whatever the TLS handshake raised into a problem a learner can act on."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return explain_verification_failure(error.verify_code, error.verify_message, hostname, cafile=cafile)
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


def explain_verification_failure(
    code: int, message: str, hostname: str, *, cafile: str | None = None, names: tuple[str, ...] = ()
) -> TLSProblem:
    """Explain an OpenSSL certificate verification failure (its verify_code and verify_message).

    The advice fits what was passed: with --cafile given, "pass it with --cafile" would be no help.
    ``names`` are the names the certificate holds, when a second look at it found them.
    """
    said = f" (OpenSSL: {message})" if message else ""
    bypass = _BYPASS if cafile is None else f"--insecure skips the check; the --cafile {cafile} you gave did not help"
    if code == _CERT_HAS_EXPIRED:
        return TLSProblem(
            "expired", f"The server's certificate has expired{said}", f"Its administrator must renew it. {bypass}."
        )
    if code == _CERT_NOT_YET_VALID:
        return TLSProblem(
            "not-yet-valid",
            f"The server's certificate is not valid yet{said}",
            f"Either it was issued for a future date or this computer's clock is wrong. {bypass}.",
        )
    if code in (_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH):
        return TLSProblem(
            "wrong-host",
            f"The certificate is not for {hostname}{said}" + (f"; it holds: {', '.join(names)}" if names else ""),
            "A certificate names the hosts it may be used for. Connect with a name it lists (for mail, the MX "
            "host name rather than an IP address or an alias), or check it for such a name with --verify-name "
            f"NAME. {_BYPASS if cafile is None else '--insecure skips the check'}.",
        )
    if code == _DEPTH_ZERO_SELF_SIGNED_CERT:
        return TLSProblem(
            "self-signed",
            f"The server's certificate is self-signed{said}",
            "The server vouches for itself and no authority you trust vouches for it. "
            + (
                "If you trust this server, pass its certificate with --cafile FILE; --insecure skips the check."
                if cafile is None
                else f"The --cafile {cafile} you gave does not hold this certificate: compare its SHA-256 "
                "fingerprint with the one shown, then give the server's own certificate file."
            ),
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
            "Either it is a private CA, or the server did not send its intermediate certificates. "
            + (
                "For a private CA, pass the CA's certificate with --cafile FILE; --insecure skips the check."
                if cafile is None
                else f"The --cafile {cafile} you gave does not hold the CA that issued it (see the issuer), or "
                "the server left out an intermediate certificate (see the chain it presented)."
            ),
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
            f"Its administrator should reissue it with a stronger key and hash. {bypass}.",
        )
    if code == _INVALID_PURPOSE:
        return TLSProblem(
            "wrong-purpose",
            f"The certificate is not meant for a TLS server{said}",
            f"The server uses a certificate issued for something else. {bypass}.",
        )
    return TLSProblem("unverified", f"The server's certificate did not verify{said}", f"{bypass}.")


def reconnect_words(kind: str) -> str:
    """What to add to /connect after a TLS failure of this kind: the same command alone would fail the same way."""
    if kind == "wrong-host":
        return " --verify-name NAME (a name the certificate holds) or --insecure"
    if kind in ("self-signed", "unknown-ca", "unverified"):
        return " --cafile FILE (a certificate or CA you have checked) or --insecure"
    if kind in ("expired", "not-yet-valid", "weak", "wrong-purpose"):
        return " --insecure"
    return ""


def explain_cafile_error(path: str, error: BaseException) -> TLSProblem:
    text = getattr(error, "strerror", None) or str(error)
    return TLSProblem(
        "cafile",
        f"Cannot use {path} as a CA file: {text}",
        "Give a PEM file holding one or more certificates (-----BEGIN CERTIFICATE-----).",
    )


def _now() -> datetime:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _validity(not_before: datetime | None, not_after: datetime | None, now: datetime) -> str:
    if not_after is None:
        return "-"
    span = f"{not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}" if not_before else f"until {not_after:%Y-%m-%d}"
    if not_after < now:
        return f"{span} (EXPIRED {_duration(now - not_after)} ago)"
    if not_before is not None and not_before > now:
        return f"{span} (not valid yet)"
    return f"{span} (expires in {_duration(not_after - now)})"


def _duration(span: timedelta) -> str:
    """47 hours is "1 day 23 hours", never "1 days" (what a floor of the days alone would say)."""
    hours = int(span.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days >= 7:
        return f"{days} days"
    if days == 0:
        return "less than an hour" if hours == 0 else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} hour{'s' if hours != 1 else ''}" if hours else "")


def _chain_entry(cert: CertificateSummary) -> str:
    issued = "self-signed" if cert.self_signed else f"issued by {cert.issuer}"
    return f"{cert.subject or '(empty subject)'}, {issued}" + (f", {cert.key}" if cert.key else "")
