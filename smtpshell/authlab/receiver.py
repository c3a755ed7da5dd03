"""The sandbox as a strict receiver: SPF, DKIM and DMARC for mail from the lab's domains, answered as Gmail and
Yahoo have answered since their 2024 sender rules, with an Authentication-Results header field (RFC 8601).

Rule, in order: a DMARC failure is forgiven when an intact ARC chain, sealed by a sealer this receiver trusts,
recorded dmarc=pass on arrival (RFC 8617 §7.2); a DMARC policy of reject with DMARC failing gets 550 5.7.26;
otherwise an SPF fail gets 550 5.7.23 unless DMARC passed through DKIM; mail that passes neither SPF nor DKIM gets
550 5.7.26 (unauthenticated); mail with a DKIM pass but no SPF pass gets 550 5.7.27. Everything else is
accepted, with the results in front.
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from dataclasses import dataclass

import authres
import authres.arc
import authres.dmarc

from smtpshell.authlab.dkim_check import ARCResult, DKIMResult, arc_check, header_fields, verify
from smtpshell.authlab.spf_check import SPFResult, check_helo, check_spf
from smtpshell.authlab.zone import LabZone
from smtpshell.proto.message_check import MessageCheckInput, MessageVerdict
from smtpshell.proto.server_replies import ServerReply

AUTHSERV_ID = "sandbox.test"


@dataclass(frozen=True)
class DMARCResult:
    result: str  # pass, fail, none
    from_domain: str
    policy: str  # reject, quarantine, none, or "" without a record
    spf_aligned: bool
    dkim_aligned: bool
    explanation: str


@dataclass(frozen=True)
class LabResults:
    spf: SPFResult
    helo: SPFResult
    dkim: DKIMResult
    dmarc: DMARCResult
    arc: ARCResult
    arc_trusted: bool = False  # the chain passed, its sealer is trusted, and it recorded dmarc=pass
    trusted_sealers: tuple[str, ...] = ()

    @property
    def forgiven(self) -> bool:
        """DMARC failed here, but a trusted ARC sealer saw it pass before it changed the message."""
        return self.dmarc.result == "fail" and self.arc_trusted


def organizational(domain: str) -> str:
    """The organizational domain (RFC 7489 §3.2), for the lab's two-label names: the last two labels."""
    return ".".join(domain.lower().rstrip(".").split(".")[-2:])


def _dmarc_tags(record: str) -> dict[str, str]:
    found = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            found[key.strip().lower()] = value.strip().lower()
    return found


def from_domain(content: bytes) -> str:
    froms = [value for name, value in header_fields(content) if name.lower() == "from"]
    if len(froms) != 1:
        return ""  # RFC 7489 §6.6.1: none or several From fields cannot be judged
    address = email.utils.parseaddr(froms[0])[1]
    return address.rpartition("@")[2].lower()


def check_dmarc(zone: LabZone, domain: str, spf: SPFResult, dkim: DKIMResult) -> DMARCResult:
    """RFC 7489 §6.6: the From: domain's policy, and whether an aligned SPF or DKIM pass backs it."""
    if not domain:
        return DMARCResult("none", "", "", False, False, "no single From: address to judge")
    records = [r for r in zone.lookup(f"_dmarc.{domain}", "TXT") if r.lower().startswith("v=dmarc1")]
    where = f"_dmarc.{domain}"
    if not records and organizational(domain) != domain:
        where = f"_dmarc.{organizational(domain)}"
        records = [r for r in zone.lookup(where, "TXT") if r.lower().startswith("v=dmarc1")]
    tags = _dmarc_tags(records[0]) if records else {}
    strict_spf, strict_dkim = tags.get("aspf") == "s", tags.get("adkim") == "s"

    def aligned(other: str, strict: bool) -> bool:
        return other == domain if strict else organizational(other) == organizational(domain)

    spf_aligned = spf.result == "pass" and aligned(spf.domain, strict_spf)
    dkim_aligned = dkim.result == "pass" and aligned(dkim.domain, strict_dkim)
    if not records:
        return DMARCResult("none", domain, "", spf_aligned, dkim_aligned, f"no DMARC record at _dmarc.{domain}")
    policy = tags.get("p", "none")
    if spf_aligned or dkim_aligned:
        through = "SPF" if spf_aligned else "DKIM"
        return DMARCResult("pass", domain, policy, spf_aligned, dkim_aligned, f"aligned {through} pass for {domain}")
    reasons = []
    if spf.result != "pass":
        reasons.append(f"SPF did not pass ({spf.result})")
    else:
        reasons.append(f"SPF passed for {spf.domain}, which is not aligned with From: {domain}")
    if dkim.result != "pass":
        reasons.append(f"DKIM did not pass ({dkim.result})")
    else:
        reasons.append(f"DKIM passed for d={dkim.domain}, which is not aligned with From: {domain}")
    return DMARCResult("fail", domain, policy, False, False, "; ".join(reasons) + f" (policy at {where}: p={policy})")


def authentication_results(results: LabResults, sender: str) -> str:
    """The Authentication-Results header field (RFC 8601), built with authres."""
    items = [
        authres.SPFAuthenticationResult(result=results.spf.result, smtp_mailfrom=sender or None),
        authres.SPFAuthenticationResult(result=results.helo.result, smtp_helo=results.helo.domain),
    ]
    if results.dkim.result == "none":
        items.append(authres.DKIMAuthenticationResult(result="none"))
    else:
        items.append(
            authres.DKIMAuthenticationResult(
                result=results.dkim.result, header_d=results.dkim.domain, header_s=results.dkim.selector
            )
        )
    if results.arc.result != "none":
        items.append(authres.arc.ARCAuthenticationResult(result=results.arc.result, header_as_d=results.arc.sealer))
    items.append(
        authres.dmarc.DMARCAuthenticationResult(
            result=results.dmarc.result, header_from=results.dmarc.from_domain, policy=results.dmarc.policy or None
        )
    )
    return str(authres.AuthenticationResultsHeader(authserv_id=AUTHSERV_ID, results=items))


def _spf_words(spf: SPFResult, zone: LabZone | None = None, peer: str = "") -> str:
    matched = f", matched by {spf.mechanism}" if spf.mechanism else ""
    records = [r for r in zone.lookup(spf.domain, "TXT") if r.lower().startswith("v=spf1")] if zone else []
    where = f" (record {records[0]!r}, client {peer})" if records and peer else ""
    return f"SPF {spf.result} for {spf.domain}{matched}{where}"


def _dkim_words(dkim: DKIMResult) -> str:
    if dkim.result == "none":
        return "DKIM none (no signature)"
    words = f"DKIM {dkim.result} for d={dkim.domain} s={dkim.selector}: {dkim.explanation}"
    if dkim.not_covered:
        words += f"; not covered by the signature: {', '.join(dkim.not_covered)}"
    return words


def reason(results: LabResults, zone: LabZone | None = None, peer: str = "") -> str:
    dmarc = f"DMARC {results.dmarc.result}: {results.dmarc.explanation}"
    words = [_spf_words(results.spf, zone, peer), _dkim_words(results.dkim), dmarc]
    arc = results.arc
    if arc.result != "none":
        trust = "trusted" if arc.sealer in results.trusted_sealers else "not trusted by this receiver"
        words.append(f"ARC {arc.result}, sealed by {arc.sealer or '?'} ({trust}), which recorded: {arc.recorded}")
    if results.forgiven:
        words.append("DMARC's failure is overridden: the trusted sealer saw dmarc=pass before it changed the message")
    return "; ".join(words)


def refusal(results: LabResults, peer: str) -> ServerReply | None:
    """The strict receiver's reply, with the real-world texts; None accepts the message."""
    spf, dkim, dmarc = results.spf, results.dkim, results.dmarc
    if results.forgiven:
        return None
    if dmarc.result == "fail" and dmarc.policy == "reject":
        return ServerReply(
            550,
            "5.7.26",
            f"Unauthenticated email from {dmarc.from_domain} is not accepted due to domain's DMARC policy. "
            "Please contact the administrator of the domain if this was a legitimate mail.",
        )
    if spf.result == "fail" and dmarc.result != "pass":
        return ServerReply(
            550,
            "5.7.23",
            f"Message rejected due to: SPF fail - not authorized. Please see "
            f"http://www.open-spf.org/Why?s=mfrom;id={spf.domain};ip={peer};r={AUTHSERV_ID}",
        )
    if spf.result != "pass" and dkim.result != "pass" and dmarc.result != "pass":
        return ServerReply(
            550,
            "5.7.26",
            "This mail has been blocked because the sender is unauthenticated. "
            "Gmail requires all senders to authenticate with either SPF or DKIM.",
        )
    if spf.result != "pass" and dmarc.result != "pass":
        return ServerReply(
            550, "5.7.27", "Your email has been blocked because SPF authentication didn't pass for this message."
        )
    return None


class AuthLab:
    """The sandbox's message check (see proto/message_check.py), holding the lab's zone."""

    def __init__(self, zone: LabZone | None = None) -> None:
        self.zone = zone or LabZone()

    def evaluate(self, check: MessageCheckInput) -> LabResults:
        spf = check_spf(self.zone, check.peer, check.sender, check.helo)
        helo = check_helo(self.zone, check.peer, check.helo) if check.helo else spf
        dkim = verify(self.zone, check.content)
        dmarc = check_dmarc(self.zone, from_domain(check.content), spf, dkim)
        arc = arc_check(self.zone, check.content)
        trusted = (
            arc.result == "pass"
            and arc.sealer in self.zone.trusted_sealers
            and re.search(r"\bdmarc=pass\b", arc.recorded) is not None
        )
        return LabResults(spf, helo, dkim, dmarc, arc, trusted, tuple(sorted(self.zone.trusted_sealers)))

    def __call__(self, check: MessageCheckInput) -> MessageVerdict | None:
        sender_domain = check.sender.rpartition("@")[2]
        if not (self.zone.knows(sender_domain) or self.zone.knows(from_domain(check.content))):
            return None  # not a lab domain: the sandbox behaves as it always did
        try:
            return self._judge(check)
        except Exception as error:  # the libraries parse untrusted bytes; the server must answer, never crash
            return MessageVerdict(
                visible(f"the authentication lab could not judge it ({type(error).__name__}: {error}); ")
                + "a receiver defers rather than guess (a temporary error, RFC 7208 §2.6.6 and RFC 6376 §6.1)",
                ServerReply(451, "4.3.0", "Temporary authentication failure, try again later"),
            )

    def _judge(self, check: MessageCheckInput) -> MessageVerdict:
        results = self.evaluate(check)
        why = reason(results, self.zone, check.peer)
        reply = refusal(results, check.peer)
        if reply is not None:
            return MessageVerdict(visible(f"the authentication lab refused it: {why}"), reply)
        header = _folded(authentication_results(results, check.sender))
        if results.dmarc.result == "fail" and results.dmarc.policy == "quarantine" and not results.forgiven:
            # RFC 7489 §6.3: p=quarantine asks to treat the mail as suspicious; a mailbox provider files it as spam.
            header += b"X-Spam-Flag: YES (DMARC p=quarantine)\r\n"
            return MessageVerdict(
                visible(
                    f"the authentication lab quarantined it (a real receiver files it as spam, per p=quarantine): {why}"
                ),
                None,
                header,
            )
        return MessageVerdict(visible(f"the authentication lab accepted it: {why}"), None, header)


def visible(text: str) -> str:
    """``text`` with control characters as escapes: a reason quotes the message's own (untrusted) header values."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c).startswith("C") else c for c in text)


def _folded(header: str) -> bytes:
    """The header field, folded before each result so no line is overlong (RFC 5322 §2.2.3), CRLF-ended."""
    name, _, rest = header.partition(": ")
    parts = [part.strip() for part in rest.split(";")]
    return (f"{name}: {parts[0]};\r\n\t" + ";\r\n\t".join(parts[1:]) + "\r\n").encode("utf-8")
