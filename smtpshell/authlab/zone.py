"""The sandbox's DNS zone: the records of a few sender domains the lab judges, editable in the session.

Rule: the zone answers only for the lab's domains (good.test, badspf.test, nospf.test, forwarded.test, lists.test
and what the learner adds); mail from any other domain (sandbox.test, the lessons' usual senders) is not judged, so the
sandbox behaves as before. DKIM keys are made once per process, on first use; the private halves stay here for
the composer to sign with.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache

SELECTOR = "lab"
LOOPBACK = "127.0.0.1"
RECORD_TYPES = ("A", "AAAA", "MX", "TXT")

# What each record is for, shown beside it by /dns.
LINE = 58  # the shell's front ends keep a line shorter than this as it is; longer ones may be reflowed
EXPLAIN_PREFIXES = (
    ("v=spf1", "SPF: who may send for this domain (RFC 7208)"),
    ("v=DKIM1", "DKIM key: checks signatures with d= and s= (RFC 6376)"),
    ("v=DMARC1", "DMARC: policy for unaligned From: mail (RFC 7489)"),
)


@cache
def _key(domain: str) -> tuple[bytes, str]:
    """An RSA key for ``domain``: (private key PEM, public key base64 for p=). 2048 bits, as RFC 8301 advises."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(public).decode("ascii")


def dkim_record(domain: str) -> str:
    return f"v=DKIM1; k=rsa; p={_key(domain)[1]}"


def private_key(domain: str) -> bytes:
    return _key(domain)[0]


def default_records() -> dict[tuple[str, str], list[str]]:
    """The lab's starting zone: one domain for each lesson."""
    records: dict[tuple[str, str], list[str]] = {}
    for domain in ("good.test", "badspf.test", "nospf.test", "forwarded.test"):
        records[(domain, "MX")] = [f"10 mail.{domain}"]
        records[(f"mail.{domain}", "A")] = [LOOPBACK]
    records[("good.test", "TXT")] = [f"v=spf1 ip4:{LOOPBACK} -all"]
    records[(f"{SELECTOR}._domainkey.good.test", "TXT")] = [dkim_record("good.test")]
    records[("_dmarc.good.test", "TXT")] = ["v=DMARC1; p=reject; rua=mailto:dmarc@good.test"]
    # The domain moved to a new server (this one) but its SPF still names only the old one.
    records[("badspf.test", "TXT")] = ["v=spf1 ip4:192.0.2.1 -all"]
    # No SPF at all; a DKIM key and a DMARC policy of reject.
    records[(f"{SELECTOR}._domainkey.nospf.test", "TXT")] = [dkim_record("nospf.test")]
    records[("_dmarc.nospf.test", "TXT")] = ["v=DMARC1; p=reject"]
    # Sends from its own server, 192.0.2.25; its mail reaches the sandbox through a forwarder (you, on loopback).
    records[("forwarded.test", "TXT")] = ["v=spf1 ip4:192.0.2.25 -all"]
    records[(f"{SELECTOR}._domainkey.forwarded.test", "TXT")] = [dkim_record("forwarded.test")]
    records[("_dmarc.forwarded.test", "TXT")] = ["v=DMARC1; p=reject"]
    # A mailing list that forwards forwarded.test's mail, changes its Subject, and seals it with ARC.
    records[("lists.test", "MX")] = ["10 mail.lists.test"]
    records[("mail.lists.test", "A")] = [LOOPBACK]
    records[("lists.test", "TXT")] = [f"v=spf1 ip4:{LOOPBACK} -all"]
    records[(f"{SELECTOR}._domainkey.lists.test", "TXT")] = [dkim_record("lists.test")]
    return records


def _normal(name: str) -> str:
    return name.strip().lower().rstrip(".")


@dataclass
class LabZone:
    records: dict[tuple[str, str], list[str]] = field(default_factory=default_records)
    # ARC sealers whose recorded results this receiver believes (RFC 8617 §7.2 leaves the choice to local policy).
    trusted_sealers: set[str] = field(default_factory=lambda: {"lists.test"})

    def lookup(self, name: str, kind: str) -> list[str]:
        return list(self.records.get((_normal(name), kind.upper()), []))

    def knows(self, domain: str) -> bool:
        """Whether the lab judges mail from ``domain``: it or a name under it is in the zone."""
        domain = _normal(domain)
        return bool(domain) and any(name == domain or name.endswith("." + domain) for name, _ in self.records)

    def set(self, name: str, kind: str, values: list[str]) -> None:
        kind = kind.upper()
        if kind not in RECORD_TYPES:
            raise ValueError(f"record type {kind!r}: the lab's zone holds {', '.join(RECORD_TYPES)}")
        if not _normal(name) or " " in _normal(name):
            raise ValueError(f"{name!r} is not a DNS name")
        self.records[(_normal(name), kind)] = values

    def delete(self, name: str, kind: str | None = None) -> int:
        keys = [key for key in self.records if key[0] == _normal(name) and (kind is None or key[1] == kind.upper())]
        for key in keys:
            del self.records[key]
        return len(keys)

    def dkim_dnsfunc(self, name: bytes, timeout: int = 5) -> bytes | None:
        """dkimpy's DNS hook: the TXT record at ``name`` (a DKIM key), or None."""
        found = self.lookup(name.decode("ascii", "replace"), "TXT")
        return found[0].encode("ascii") if found else None

    def describe(self) -> list[str]:
        """One line per record, with what it is for."""
        lines = []
        for (name, kind), values in sorted(self.records.items()):
            for value in values:
                line = f"{name} {kind} {value}"
                lines.append(line if len(line) <= LINE else line[: LINE - 3] + "...")
                about = explain_record(name, kind, value)
                if about and kind != "A":
                    lines.append(f"    {about}")
        if self.trusted_sealers:
            lines.append(f"Trusted ARC sealers: {', '.join(sorted(self.trusted_sealers))}")
        return lines


def explain_record(name: str, kind: str, value: str) -> str:
    for prefix, about in EXPLAIN_PREFIXES:
        if value.lower().startswith(prefix.lower()):
            return about
    if kind == "MX":
        return "where mail for the domain goes (RFC 5321 §5.1)"
    if kind in ("A", "AAAA"):
        return "an address of this host"
    return ""
