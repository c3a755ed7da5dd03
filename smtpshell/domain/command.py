"""`smtpshell domain DOMAIN`: report and explain a domain's mail setup.

Rule: the exit status is the worst finding (0 all fine, 1 a warning, 3 an error; 2 for bad usage), so a script
or a monitoring job can act on it; --json prints the same findings, typed, with the schema in SCHEMA.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import unicodedata
from typing import Any, TextIO

from smtpshell.domain.checks import DomainOptions, DomainReport, check_domain

EXIT_BY_SEVERITY = {"ok": 0, "info": 0, "warning": 1, "error": 3}
MARKS = {"ok": "ok  ", "info": "info", "warning": "WARN", "error": "FAIL"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "smtpshell domain report",
    "type": "object",
    "required": ["domain", "worst", "mx_hosts", "spf_lookups", "findings", "probes"],
    "properties": {
        "domain": {"type": "string"},
        "worst": {"enum": ["ok", "info", "warning", "error"]},
        "mx_hosts": {"type": "array", "items": {"type": "string"}},
        "spf_lookups": {"type": ["integer", "null"]},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["check", "severity", "title", "explanation", "rfc", "record"],
                "properties": {
                    "check": {"enum": ["mx", "spf", "dmarc", "mta-sts", "tls-rpt", "dane", "bimi", "dkim", "probe"]},
                    "severity": {"enum": ["ok", "info", "warning", "error"]},
                    "title": {"type": "string"},
                    "explanation": {"type": "string"},
                    "rfc": {"type": "string"},
                    "record": {"type": ["string", "null"]},
                },
            },
        },
        "probes": {"type": "array", "items": {"type": "object"}},
    },
}


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SELECTOR = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9_])?$")


def domain_name(text: str) -> str:
    """The domain in its ASCII form (IDNA: bücher.test -> xn--bcher-kva.test); ValueError when it is no domain."""
    name = text.strip().rstrip(".")
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(
            f"{text!r} is not a domain name: labels of letters, digits and hyphens (1 to 63 each) joined by dots"
        )
    return ascii_name


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes: DNS records are untrusted and reach the terminal."""
    return "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char).startswith("C") and char not in "\n" else char
        for char in text
    )


def _address(text: str, default_port: int) -> tuple[str, int]:
    from smtpshell.net.client import split_host_port

    try:
        return split_host_port(text, default_port)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="smtpshell domain",
        description="Report and explain a domain's mail setup: MX, SPF (with its DNS-lookup count), DMARC, "
        "MTA-STS (record and policy), TLS-RPT, DANE TLSA per MX, BIMI and DKIM keys. Exit status: 0 fine, "
        "1 a warning, 3 an error, 2 bad usage.",
    )
    result.add_argument("domain", nargs="?")
    result.add_argument("--selector", action="append", default=[], help="check the DKIM key of selector S")
    result.add_argument("--probe", action="store_true", help="also probe each MX host over SMTP (sends no mail)")
    result.add_argument("--smtp-port", type=int, default=25, help="the port --probe connects to (default 25)")
    result.add_argument("--json", action="store_true", help="print the findings as JSON (see --schema)")
    result.add_argument("--schema", action="store_true", help="print the JSON schema of --json and exit")
    result.add_argument("--nameserver", metavar="IP[:PORT]", help="ask only this DNS server")
    result.add_argument("--mta-sts-address", metavar="HOST:PORT", help="fetch the MTA-STS policy from here")
    result.add_argument("--cafile", help="trust these CA certificates (MTA-STS policy, --probe's STARTTLS)")
    result.add_argument("--timeout", type=float, default=5.0, help="seconds for each DNS or network step")
    return result


def render(report: DomainReport, out: TextIO, width: int = 100) -> None:
    out.write(f"Mail setup of {report.domain}\n")
    for finding in report.findings:
        out.write(f"\n[{MARKS[finding.severity]}] {finding.check.upper()}: {printable(finding.title)}\n")
        if finding.record:
            record = printable(finding.record.strip()).replace("\n", "\n               ")
            out.write(f"       record: {record}\n")
        if finding.explanation:
            wrapped = textwrap.fill(
                printable(finding.explanation), width, initial_indent=" " * 7, subsequent_indent=" " * 7
            )
            out.write(wrapped + "\n")
        out.write(f"       see {finding.rfc}\n")
    counts = {level: sum(1 for f in report.findings if f.severity == level) for level in ("error", "warning")}
    out.write(f"\n{counts['error']} error(s), {counts['warning']} warning(s).\n")


def _probe(report: DomainReport, timeout: float, port: int, cafile: str | None) -> None:
    import asyncio

    from smtpshell.net.probe import ProbeOptions, probe

    for host in report.mx_hosts:
        result = asyncio.run(probe(ProbeOptions(host=host, port=port, timeout=timeout, cafile=cafile)))
        failure = result.failure
        report.probes.append({"host": host, "ok": failure is None, "failure": failure.headline if failure else None})
        if failure is not None:
            report.add(
                "probe", "warning", f"Probe of {host} failed at {failure.stage}", failure.headline, "RFC 5321 §3.1"
            )
        else:
            tls = "STARTTLS" in (result.extensions_before_tls or {})
            report.add(
                "probe",
                "ok" if tls else "warning",
                f"{host} answers SMTP" + (" and offers STARTTLS" if tls else ", without STARTTLS"),
                "",
                "RFC 3207 §4",
            )


def main(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args_list = (sys.argv[1:] if argv is None else argv)[1:]
    try:
        args = parser().parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.schema:
        out.write(json.dumps(SCHEMA, indent=2) + "\n")
        return 0
    if not args.domain:
        print("smtpshell domain: give a DOMAIN, for example: smtpshell domain example.org", file=sys.stderr)
        return 2
    try:
        bad = [s for s in args.selector if not _SELECTOR.match(s)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a DKIM selector (letters, digits, '_', '-' and dots)")
        options = DomainOptions(
            domain=domain_name(args.domain),
            nameserver=_address(args.nameserver, 53) if args.nameserver else None,
            selectors=tuple(args.selector),
            mta_sts_address=_address(args.mta_sts_address, 443) if args.mta_sts_address else None,
            cafile=args.cafile,
            timeout=args.timeout,
        )
    except (argparse.ArgumentTypeError, ValueError) as error:
        print(f"smtpshell domain: {error}", file=sys.stderr)
        return 2
    report = check_domain(options)
    if args.probe:
        _probe(report, args.timeout, args.smtp_port, args.cafile)
    if args.json:
        out.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        render(report, out)
    return EXIT_BY_SEVERITY[report.worst]
