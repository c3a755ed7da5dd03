"""A domain's mail setup, checked record by record: MX, SPF, DMARC, MTA-STS, TLS-RPT, DANE, BIMI, DKIM.

Rule: parsing and validation of SPF, DMARC, MTA-STS and TLS-RPT is checkdmarc's (a well-kept library), fed our own
resolver so that a --nameserver (or a test's loopback server) is the only DNS asked; this module turns its results
into findings a person can act on, each with the RFC section behind it. Every finding has a severity; the worst
one decides the exit status.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import asdict, dataclass, field
from http.client import HTTPResponse
from typing import Any, Literal

import dns.exception
import dns.nameserver
import dns.resolver

Severity = Literal["ok", "info", "warning", "error"]
SEVERITY_ORDER: dict[str, int] = {"ok": 0, "info": 0, "warning": 1, "error": 2}
SPF_LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4


@dataclass(frozen=True)
class Finding:
    check: str  # mx, spf, dmarc, mta-sts, tls-rpt, dane, bimi, dkim
    severity: Severity
    title: str
    explanation: str
    rfc: str
    record: str | None = None  # the DNS record or policy text the finding is about


@dataclass
class DomainReport:
    domain: str
    findings: list[Finding] = field(default_factory=list)
    mx_hosts: list[str] = field(default_factory=list)
    spf_lookups: int | None = None
    probes: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, check: str, severity: Severity, title: str, explanation: str, rfc: str, record: str | None = None
    ) -> None:
        self.findings.append(Finding(check, severity, title, explanation, rfc, record))

    @property
    def worst(self) -> Severity:
        worst: Severity = "ok"
        for finding in self.findings:
            if SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[worst]:
                worst = finding.severity
        return worst

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "worst": self.worst,
            "mx_hosts": self.mx_hosts,
            "spf_lookups": self.spf_lookups,
            "findings": [asdict(finding) for finding in self.findings],
            "probes": self.probes,
        }


@dataclass
class DomainOptions:
    domain: str
    nameserver: tuple[str, int] | None = None  # None: the system's resolver
    selectors: tuple[str, ...] = ()
    mta_sts_address: tuple[str, int] | None = None  # where to fetch the policy instead of mta-sts.DOMAIN:443
    cafile: str | None = None
    timeout: float = 5.0


def make_resolver(options: DomainOptions) -> dns.resolver.Resolver:
    if options.nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        host, port = options.nameserver
        resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
    resolver.lifetime = options.timeout
    return resolver


def txt_records(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """The TXT records at ``name``, each with its strings joined; [] when there are none or the name is unknown."""
    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException:
        return []  # a server that fails one question: the finding says "not found", the MX check said why
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def tags(record: str) -> dict[str, str]:
    """A tag=value; list (DKIM RFC 6376 §3.2, BIMI, TLS-RPT), keys in lower case."""
    found: dict[str, str] = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            found[key.strip().lower()] = re.sub(r"\s+", "", value) if key.strip().lower() == "p" else value.strip()
    return found


def check_domain(options: DomainOptions) -> DomainReport:
    """Every check, in the order a mail administrator reads them."""
    from checkdmarc.dmarc import check_dmarc
    from checkdmarc.smtp_tls_reporting import check_smtp_tls_reporting
    from checkdmarc.spf import check_spf
    from checkdmarc.utils import DNS_CACHE

    # checkdmarc keeps answers for half an hour in a process-wide cache; a report must show the DNS as it is now
    # (an administrator re-runs it after a fix, the sandbox's zone is edited in the session).
    DNS_CACHE.clear()
    domain = options.domain.strip().rstrip(".").lower()
    report = DomainReport(domain)
    resolver = make_resolver(options)
    _check_mx(report, resolver)
    if any(finding.title.startswith("DNS did not answer") for finding in report.findings):
        return report  # every other question would wait for the same silent server
    _check_spf(report, check_spf(domain, resolver=resolver, timeout=options.timeout))
    _check_dmarc(report, check_dmarc(domain, resolver=resolver, timeout=options.timeout))
    _check_mta_sts(report, resolver, options)
    _check_tls_rpt(report, check_smtp_tls_reporting(domain, resolver=resolver, timeout=options.timeout))
    _check_dane(report, resolver)
    _check_bimi(report, resolver)
    for selector in options.selectors:
        _check_dkim(report, resolver, selector)
    return report


def _check_mx(report: DomainReport, resolver: dns.resolver.Resolver) -> None:
    try:
        answer = resolver.resolve(report.domain, "MX", search=False)
    except dns.resolver.NXDOMAIN:
        report.add("mx", "error", "The domain does not exist", "DNS answered NXDOMAIN for it.", "RFC 5321 §5.1")
        return
    except dns.resolver.NoAnswer:
        report.add(
            "mx",
            "warning",
            "No MX records",
            "Mail goes to the domain's own address (the implicit MX); publish MX records to say where mail goes.",
            "RFC 5321 §5.1",
        )
        return
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        report.add(
            "mx",
            "error",
            "DNS did not answer the MX question",
            f"No answer about {report.domain} ({error}). Check the --nameserver address, or the network; the other "
            "checks were skipped.",
            "RFC 5321 §5.1",
        )
        return
    hosts = sorted((record.preference, record.exchange.to_text(omit_final_dot=True).lower()) for record in answer)
    if len(hosts) == 1 and hosts[0][1] in ("", "."):
        report.add("mx", "info", "Null MX: the domain takes no mail", "Its only MX points at '.'.", "RFC 7505 §3")
        return
    report.mx_hosts = [host for _, host in hosts]
    listing = ", ".join(f"{host} ({preference})" for preference, host in hosts)
    report.add("mx", "ok", f"{len(hosts)} MX host{'s' if len(hosts) != 1 else ''}: {listing}", "", "RFC 5321 §5.1")


def _check_spf(report: DomainReport, result: dict[str, Any]) -> None:
    record = result.get("record")
    report.spf_lookups = result.get("dns_lookups")
    if not record:
        report.add(
            "spf",
            "error",
            "No SPF record",
            "Without a 'v=spf1' TXT record receivers cannot tell which servers may send for the domain; strict "
            "receivers (Gmail, Yahoo) reject or junk unauthenticated mail (550 5.7.26).",
            "RFC 7208 §4.5",
        )
        return
    if not result.get("valid"):
        error = str(result.get("error", ""))
        lookups = result.get("dns_lookups")
        if lookups is None:
            found = re.search(r"requires ([0-9]+)/10", error)
            lookups = int(found[1]) if found else None
            report.spf_lookups = lookups
        if lookups is not None and lookups > SPF_LOOKUP_LIMIT:
            report.add(
                "spf",
                "error",
                f"SPF needs {lookups} DNS lookups, over the limit of {SPF_LOOKUP_LIMIT}",
                "Each include, a, mx, ptr, exists and redirect costs one lookup, counted through every include. "
                "Past 10 the evaluation ends in 'permerror' and receivers treat the record as broken: SPF fails "
                "for all your mail. Flatten includes (replace them with ip4:/ip6:) or drop senders you no longer "
                "use.",
                "RFC 7208 §4.6.4",
                record,
            )
        else:
            report.add("spf", "error", "The SPF record is invalid", error, "RFC 7208 §4.6", record)
        return
    parsed = result.get("parsed") or {}
    ending = {"fail": "-all (others fail)", "softfail": "~all (others soft-fail)", "neutral": "?all", "pass": "+all"}
    all_action = parsed.get("all")
    severity: Severity = "ok"
    note = ""
    if all_action == "pass":
        severity, note = "error", " '+all' lets every server on the Internet pass SPF for this domain."
    elif all_action in (None, "neutral"):
        severity, note = "warning", " Without -all or ~all, mail from other servers is not marked as failing."
    report.add(
        "spf",
        severity,
        f"{result.get('dns_lookups', 0)} of {SPF_LOOKUP_LIMIT} DNS lookups, ends with "
        f"{ending.get(str(all_action), 'no all')}",
        ("The record lists who may send: " + _spf_mechanisms(parsed) + "." + note).strip(),
        "RFC 7208 §5",
        record,
    )
    for warning in result.get("warnings", []):
        report.add("spf", "warning", "SPF warning", str(warning), "RFC 7208 §4", record)


def _spf_mechanisms(parsed: dict[str, Any]) -> str:
    items = [f"{m.get('mechanism')}:{m.get('value')}" for m in parsed.get("mechanisms", [])]
    if parsed.get("redirect"):
        items.append(f"redirect={parsed['redirect'].get('domain', parsed['redirect'])}")
    return ", ".join(items) or "no mechanisms"


def _check_dmarc(report: DomainReport, result: dict[str, Any]) -> None:
    record = result.get("record")
    if not record:
        report.add(
            "dmarc",
            "error",
            "No DMARC record",
            f"There is no 'v=DMARC1' TXT record at _dmarc.{report.domain}. Since 2024 Gmail and Yahoo require one "
            "from bulk senders (550 5.7.26 otherwise), and without it nobody can tell receivers what to do with "
            f'mail that fails SPF and DKIM. Start with: _dmarc.{report.domain} TXT "v=DMARC1; p=none; '
            f'rua=mailto:dmarc@{report.domain}", read the reports, then move to quarantine or reject.',
            "RFC 7489 §6.1",
        )
        return
    if not result.get("valid"):
        report.add("dmarc", "error", "The DMARC record is invalid", str(result.get("error", "")), "RFC 7489 §6.3")
        return
    values = {name: tag.get("value") for name, tag in (result.get("tags") or {}).items()}
    policy = values.get("p")
    alignment = {"r": "relaxed", "s": "strict"}
    rua = values.get("rua") or []
    reporting = ", ".join(str(item.get("address", item)) for item in rua) if isinstance(rua, list) else str(rua)
    severity: Severity = "ok" if policy in ("reject", "quarantine") else "warning"
    report.add(
        "dmarc",
        severity,
        f"DMARC policy p={policy}",
        f"Mail that fails both aligned SPF and aligned DKIM is to be {_dmarc_action(policy)}. Alignment: SPF "
        f"{alignment.get(str(values.get('aspf')), values.get('aspf'))}, DKIM "
        f"{alignment.get(str(values.get('adkim')), values.get('adkim'))}. "
        + (f"Aggregate reports go to {reporting}." if reporting else "No aggregate reports are asked for (rua=)."),
        "RFC 7489 §6.3",
        record,
    )
    for warning in result.get("warnings", []):
        report.add("dmarc", "info", "DMARC note", str(warning), "RFC 7489 §6", record)


def _dmarc_action(policy: object) -> str:
    return {"reject": "rejected", "quarantine": "put in quarantine (junk)"}.get(
        str(policy), "delivered anyway (p=none)"
    )


def _check_mta_sts(report: DomainReport, resolver: dns.resolver.Resolver, options: DomainOptions) -> None:
    from checkdmarc.mta_sts import mx_in_mta_sts_patterns, parse_mta_sts_policy

    records = [r for r in txt_records(resolver, f"_mta-sts.{report.domain}") if r.lower().startswith("v=stsv1")]
    if not records:
        report.add(
            "mta-sts",
            "info",
            "No MTA-STS",
            "Senders may fall back to plaintext if STARTTLS is stripped; MTA-STS tells them to insist on TLS.",
            "RFC 8461 §3.1",
        )
        return
    try:
        text = fetch_mta_sts_policy(report.domain, options)
    except (OSError, ssl.SSLError, ValueError) as error:
        report.add(
            "mta-sts",
            "error",
            "MTA-STS policy cannot be fetched",
            f"The TXT record announces a policy, but https://mta-sts.{report.domain}/.well-known/mta-sts.txt "
            f"could not be fetched ({error}). Senders then ignore MTA-STS.",
            "RFC 8461 §3.3",
            records[0],
        )
        return
    try:
        policy = parse_mta_sts_policy(text)["policy"]
    except Exception as error:  # checkdmarc raises its own error classes for a malformed policy
        report.add("mta-sts", "error", "The MTA-STS policy is invalid", str(error), "RFC 8461 §3.2", text)
        return
    patterns = list(policy.get("mx", []))
    unmatched = [host for host in report.mx_hosts if not mx_in_mta_sts_patterns(host, patterns)]
    if unmatched:
        report.add(
            "mta-sts",
            "error",
            "MTA-STS policy mismatch: " + ", ".join(unmatched) + " not in the policy",
            f"The policy (mode {policy.get('mode')}) lists mx: {', '.join(patterns) or 'nothing'}, but DNS names "
            f"{', '.join(unmatched)} as MX. A sender that enforces the policy refuses to deliver to an MX the "
            "policy does not list: add it to the policy file (and change the id in the TXT record).",
            "RFC 8461 §4.1",
            text,
        )
        return
    severity: Severity = "ok" if policy.get("mode") == "enforce" else "info"
    report.add(
        "mta-sts",
        severity,
        f"MTA-STS mode {policy.get('mode')}, max_age {policy.get('max_age')}",
        "Every MX matches the policy.",
        "RFC 8461 §3.2",
        text,
    )


def fetch_mta_sts_policy(domain: str, options: DomainOptions) -> str:
    """GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt with a verified certificate for mta-sts.DOMAIN.

    ``options.mta_sts_address`` connects elsewhere (a test server) while still checking the name mta-sts.DOMAIN.
    """
    name = f"mta-sts.{domain}"
    host, port = options.mta_sts_address or (name, 443)
    context = ssl.create_default_context(cafile=options.cafile)
    with (
        socket.create_connection((host, port), timeout=options.timeout) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        request = f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
        tls.sendall(request.encode("ascii"))
        response = HTTPResponse(tls)
        response.begin()
        body = response.read(64 * 1024 + 1)
    if response.status != 200:
        raise ValueError(f"HTTP {response.status} {response.reason}")
    if len(body) > 64 * 1024:
        raise ValueError("the policy is over 64 KiB")
    return body.decode("utf-8", "replace")


def _check_tls_rpt(report: DomainReport, result: dict[str, Any]) -> None:
    record = result.get("record")
    rua = ((result.get("tags") or {}).get("rua") or {}).get("value") or []
    if result.get("valid") and rua:
        report.add(
            "tls-rpt",
            "ok",
            "TLS-RPT reports requested",
            f"Senders report TLS failures to {', '.join(str(item) for item in rua)}.",
            "RFC 8460 §3",
            record,
        )
    elif (not record and not result.get("error")) or "not exist" in str(result.get("error", "")).lower():
        report.add(
            "tls-rpt",
            "info",
            "No TLS-RPT",
            f"No TXT record at _smtp._tls.{report.domain}: senders cannot report TLS failures to you.",
            "RFC 8460 §3",
        )
    else:
        report.add("tls-rpt", "warning", "TLS-RPT record invalid", str(result.get("error", "")), "RFC 8460 §3", record)


def _check_dane(report: DomainReport, resolver: dns.resolver.Resolver) -> None:
    for host in report.mx_hosts:
        name = f"_25._tcp.{host}"
        try:
            answer = resolver.resolve(name, "TLSA", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            report.add("dane", "info", f"No DANE TLSA for {host}", f"No TLSA record at {name}.", "RFC 7672 §2.2")
            continue
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
            report.add("dane", "warning", f"TLSA lookup failed for {host}", str(error), "RFC 7672 §2.2")
            continue
        usages = {2: "DANE-TA", 3: "DANE-EE"}
        kinds = ", ".join(usages.get(record.usage, f"usage {record.usage}") for record in answer)
        bad = [record.usage for record in answer if record.usage not in usages]
        report.add(
            "dane",
            "warning" if bad else "ok",
            f"DANE TLSA for {host}: {kinds}",
            "SMTP uses only DANE-TA(2) and DANE-EE(3); PKIX usages 0 and 1 are not for SMTP." if bad else "",
            "RFC 7672 §3.1",
            "; ".join(record.to_text() for record in answer),
        )


def _check_bimi(report: DomainReport, resolver: dns.resolver.Resolver) -> None:
    records = [r for r in txt_records(resolver, f"default._bimi.{report.domain}") if r.lower().startswith("v=bimi1")]
    if not records:
        return  # BIMI is optional: say nothing when it is absent
    found = tags(records[0])
    logo = found.get("l", "")
    report.add(
        "bimi",
        "ok" if logo.startswith("https://") else "warning",
        "BIMI logo published" if logo else "BIMI record without a logo",
        f"Logo {logo or '(none)'}; certificate {found.get('a') or '(none)'}. Receivers show it only for mail that "
        "passes DMARC with p=quarantine or p=reject.",
        "draft-brand-indicators-for-message-identification §4",
        records[0],
    )


def _check_dkim(report: DomainReport, resolver: dns.resolver.Resolver, selector: str) -> None:
    name = f"{selector}._domainkey.{report.domain}"
    records = txt_records(resolver, name)
    keys = [r for r in records if "p=" in r]
    if not keys:
        report.add(
            "dkim",
            "error",
            f"No DKIM key for selector {selector}",
            f"No key record at {name}: signatures with s={selector} cannot be verified (dkim=permerror).",
            "RFC 6376 §3.6.2",
        )
        return
    found = tags(keys[0])
    if not found.get("p"):
        report.add("dkim", "warning", f"DKIM key {selector} is revoked", "Its p= is empty.", "RFC 6376 §3.6.1", keys[0])
        return
    report.add(
        "dkim",
        "ok",
        f"DKIM key {selector}: {found.get('k', 'rsa')}",
        f"Published at {name}; signatures with d={report.domain} s={selector} can be verified.",
        "RFC 6376 §3.6.1",
        keys[0],
    )
