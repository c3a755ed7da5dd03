"""SPF evaluated by pyspf (RFC 7208), with its DNS questions answered from the lab's zone instead of the network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import spf

from smtpshell.authlab.zone import LabZone


@dataclass(frozen=True)
class SPFResult:
    result: str  # pass, fail, softfail, neutral, none, permerror, temperror
    domain: str  # the domain whose record was checked
    identity: str  # "mailfrom" or "helo"
    mechanism: str  # the mechanism that matched ("ip4:127.0.0.1", "-all"), or ""
    explanation: str


class _ZoneQuery(spf.query):  # type: ignore[misc]
    """pyspf's query with its one DNS entry point, ``dns``, answered from the zone."""

    def __init__(self, zone: LabZone, *args: Any, **kwargs: Any) -> None:
        self._zone = zone
        super().__init__(*args, **kwargs)

    def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        records = self._zone.lookup(str(name), qtype)
        if qtype in ("TXT", "SPF"):
            answer: list[Any] = [(value.encode("utf-8"),) for value in records]
        elif qtype == "MX":
            answer = []
            for value in records:
                preference, _, host = value.partition(" ")
                answer.append((int(preference), host.strip().rstrip(".")))
        else:
            answer = records
        if not answer and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return answer


def check_spf(zone: LabZone, address: str, sender: str, helo: str) -> SPFResult:
    """RFC 7208 §2.4: check MAIL FROM's domain; with the null sender, the HELO name (as postmaster@HELO)."""
    identity = "mailfrom" if sender else "helo"
    who = sender or f"postmaster@{helo}"
    query = _ZoneQuery(zone, i=address, s=who, h=helo, receiver="sandbox.test")
    result, _code, explanation = query.check()
    return SPFResult(
        str(result), who.rpartition("@")[2].lower(), identity, str(query.mechanism or ""), str(explanation)
    )


def check_helo(zone: LabZone, address: str, helo: str) -> SPFResult:
    """RFC 7208 §2.3: the HELO identity on its own."""
    query = _ZoneQuery(zone, i=address, s=f"postmaster@{helo}", h=helo, receiver="sandbox.test")
    result, _code, explanation = query.check()
    return SPFResult(str(result), helo.lower(), "helo", str(query.mechanism or ""), str(explanation))
