"""What a certificate says, read from its DER bytes: names, validity, fingerprint, key and signature algorithm.

Rule: reading never verifies: a certificate that failed verification is read the same way, because an
administrator needs to see exactly what the server presented (as `openssl s_client -showcerts` does).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The NIST names administrators know (openssl prints "NIST CURVE: P-256") for the curves' SEC names.
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True)
class CertificateSummary:
    subject: str  # RFC 4514 form, "CN=mail.example.com"; "" when there was no certificate
    issuer: str
    not_before: datetime | None
    not_after: datetime | None
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses (the CN when there is no SAN)
    fingerprint_sha256: str = ""  # upper-case hex pairs joined by colons, as `openssl x509 -fingerprint`
    key_type: str | None = None  # RSA, EC, Ed25519, Ed448, DSA
    key_bits: int | None = None
    key_curve: str | None = None  # P-256 for EC keys
    signature_algorithm: str | None = None  # sha256WithRSAEncryption, ecdsa-with-SHA256, ...

    @property
    def key(self) -> str:
        """``RSA 2048``, ``EC P-256``, ``Ed25519``; "" when unknown."""
        if self.key_type is None:
            return ""
        if self.key_curve:
            return f"{self.key_type} {self.key_curve}"
        return (
            f"{self.key_type} {self.key_bits}" if self.key_bits and self.key_type in ("RSA", "DSA") else self.key_type
        )

    @property
    def self_signed(self) -> bool:
        return bool(self.subject) and self.subject == self.issuer

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "names": list(self.names),
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "fingerprint_sha256": self.fingerprint_sha256 or None,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "key_curve": self.key_curve,
            "signature_algorithm": self.signature_algorithm,
        }


NO_CERTIFICATE = CertificateSummary("", "", None, None, ())


def summarize_certificate(der: bytes | None) -> CertificateSummary:
    """Read a certificate (DER); works with --insecure too, where getpeercert() returns nothing."""
    if not der:
        return NO_CERTIFICATE
    # Imported here, after a handshake: cryptography costs tens of milliseconds to import, and most sessions
    # (the sandbox in plaintext, `smtpshell explain`) never need it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return NO_CERTIFICATE
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName), *map(str, san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    except ValueError:  # a malformed extension: the names stay unknown, the rest is still worth showing
        names = []
    key_type: str | None = None
    key_bits: int | None = None
    curve: str | None = None
    try:
        key = cert.public_key()
    except (ValueError, TypeError):  # an algorithm cryptography does not know
        key = None
    if isinstance(key, rsa.RSAPublicKey):
        key_type, key_bits = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_type, key_bits, curve = "EC", key.curve.key_size, _CURVE_NAMES.get(key.curve.name, key.curve.name)
    elif isinstance(key, ed25519.Ed25519PublicKey):
        key_type, key_bits = "Ed25519", 256
    elif isinstance(key, ed448.Ed448PublicKey):
        key_type, key_bits = "Ed448", 456
    elif isinstance(key, dsa.DSAPublicKey):
        key_type, key_bits = "DSA", key.key_size
    oid = cert.signature_algorithm_oid
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        names=tuple(names),
        fingerprint_sha256=":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256())),
        key_type=key_type,
        key_bits=key_bits,
        key_curve=curve,
        signature_algorithm=getattr(oid, "_name", None) or oid.dotted_string,
    )


def presented_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[bytes]:
    """The certificates the server sent, leaf first, as DER, verified or not."""
    # Public from Python 3.13 on; 3.10 to 3.12 have the same method on the underlying _ssl object.
    getter = getattr(ssl_object, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None)
    chain: list[Any] = []
    if getter is not None:
        try:
            chain = list(getter() or [])
        except (ssl.SSLError, ValueError):
            chain = []
    der: list[bytes] = []
    for cert in chain:
        if isinstance(cert, bytes):
            der.append(cert)
        elif hasattr(cert, "public_bytes"):
            der.append(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
    if not der:
        leaf = ssl_object.getpeercert(binary_form=True)
        der = [leaf] if leaf else []
    return der


def name_matches(names: tuple[str, ...], wanted: str) -> bool:
    """RFC 6125 §6.4: an exact name (case-insensitive), or ``*.`` standing for exactly one leftmost label."""
    import ipaddress

    wanted = wanted.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(wanted.strip("[]"))
    except ValueError:
        address = None
    for name in names:
        if address is not None:
            try:
                if ipaddress.ip_address(name) == address:
                    return True
            except ValueError:
                pass
            continue
        name = name.rstrip(".").lower()
        if name == wanted:
            return True
        if name.startswith("*.") and "." in wanted:
            label, rest = wanted.split(".", 1)
            if label and rest == name[2:] and "." in rest:
                return True
    return False
