"""DKIM verified by dkimpy (RFC 6376), with key records from the lab's zone; and signing for the composer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import dkim

from smtpshell.authlab.zone import SELECTOR, LabZone, private_key

# The header fields the composer signs (RFC 6376 §5.4.1: From is required; these are the ones a reader sees).
SIGNED_HEADERS = (b"From", b"To", b"Subject", b"Date", b"Message-ID")


@dataclass(frozen=True)
class DKIMResult:
    result: str  # pass, fail, none, permerror
    domain: str  # d=
    selector: str  # s=
    covered: tuple[str, ...]  # h=, the header fields the signature covers
    not_covered: tuple[str, ...]  # header fields in the message that the signature does not cover
    explanation: str


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _tags(value: str) -> dict[str, str]:
    found = {}
    for part in value.split(";"):
        key, sep, tag = part.partition("=")
        if sep:
            found[key.strip().lower()] = re.sub(r"\s+", "", tag)
    return found


def header_fields(message: bytes) -> list[tuple[str, str]]:
    """The header fields of ``message`` (name, unfolded value), in order."""
    head = message.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8", "replace")
    fields: list[tuple[str, str]] = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + " " + line.strip())
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
    return fields


def verify(zone: LabZone, message: bytes) -> DKIMResult:
    """Verify the first DKIM-Signature; say what it covers and, when it fails, why."""
    fields = header_fields(message)
    signatures = [value for name, value in fields if name.lower() == "dkim-signature"]
    if not signatures:
        return DKIMResult("none", "", "", (), (), "the message has no DKIM-Signature header field")
    tags = _tags(signatures[0])
    domain, selector = tags.get("d", "").lower(), tags.get("s", "")
    covered = tuple(name.strip() for name in tags.get("h", "").split(":") if name.strip())
    covered_lower = {name.lower() for name in covered}
    present = dict.fromkeys(name for name, _ in fields if name.lower() != "dkim-signature")
    not_covered = tuple(name for name in present if name.lower() not in covered_lower)
    logger = logging.getLogger(f"smtpshell.authlab.dkim.{id(message)}")
    logger.propagate = False
    collect = _Collect()
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    try:
        checker = dkim.DKIM(message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), logger=logger)
        passed = checker.verify(dnsfunc=zone.dkim_dnsfunc)
    except dkim.DKIMException as error:
        if "body hash mismatch" in str(error):  # RFC 6376 §6.1.3: a body hash that does not match is a fail
            why = "the body changed after signing (its hash, bh=, no longer matches)"
            return DKIMResult("fail", domain, selector, covered, not_covered, why)
        return DKIMResult("permerror", domain, selector, covered, not_covered, str(error))
    finally:
        logger.removeHandler(collect)
    if passed:
        return DKIMResult("pass", domain, selector, covered, not_covered, "the signature matches")
    said = " ".join(collect.messages).lower()
    if "body hash mismatch" in said:
        why = "the body changed after signing (its hash, bh=, no longer matches)"
    elif zone.dkim_dnsfunc(f"{selector}._domainkey.{domain}".encode()) is None:
        why = f"no key at {selector}._domainkey.{domain}"
    else:
        why = (
            "the signature does not match the header fields it covers (" + ", ".join(covered) + "): one of them "
            "was changed after signing"
        )
    return DKIMResult("fail", domain, selector, covered, not_covered, why)


def sign(message: bytes, domain: str) -> bytes:
    """The DKIM-Signature header field (folded, CRLF-ended) for ``message`` with the lab key of ``domain``."""
    return bytes(
        dkim.sign(
            message,
            SELECTOR.encode(),
            domain.encode(),
            private_key(domain),
            include_headers=list(SIGNED_HEADERS),
        )
    )


@dataclass(frozen=True)
class ARCResult:
    result: str  # pass, fail, none
    sealer: str  # d= of the newest ARC-Seal
    recorded: str  # the newest ARC-Authentication-Results, as the sealer wrote it
    explanation: str


def arc_check(zone: LabZone, message: bytes) -> ARCResult:
    """Validate the ARC chain (RFC 8617 §5.2) with dkimpy; "none" when the message carries no ARC set."""
    if not any(name.lower() == "arc-seal" for name, _ in header_fields(message)):
        return ARCResult("none", "", "", "no ARC headers")
    try:
        verdict, sets, comment = dkim.arc_verify(
            message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), dnsfunc=zone.dkim_dnsfunc
        )
    except dkim.DKIMException as error:
        return ARCResult("fail", "", "", str(error))
    newest = max(sets, key=lambda s: int(s.get("instance", 0))) if sets else {}
    sealer = bytes(newest.get("as-domain", b"")).decode("ascii", "replace").lower()
    recorded = bytes(newest.get("aar-value", b"")).decode("utf-8", "replace").strip()
    result = verdict.decode("ascii", "replace") if isinstance(verdict, bytes) else str(verdict)
    return ARCResult(result, sealer, recorded, str(comment))


def arc_seal(message: bytes, sealer: str, srv_results: str) -> bytes:
    """What a list does: record its results (Authentication-Results of ``sealer``), then seal the message as it is
    now with an ARC set (RFC 8617 §5.1). Returns the message with the new header fields in front."""
    with_results = f"Authentication-Results: {sealer}; {srv_results}\r\n".encode() + message
    fields = dkim.arc_sign(with_results, SELECTOR.encode(), sealer.encode(), private_key(sealer), sealer.encode())
    return b"".join(fields) + with_results
