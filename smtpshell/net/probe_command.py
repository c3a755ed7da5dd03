"""`smtpshell probe HOST[:PORT]`: report what a real SMTP server supports, as a readable table or as JSON.

Exit codes say which stage failed: 0 all went well, 2 usage, 3 connect, 4 banner, 5 EHLO/HELO, 6 TLS,
7 the connection failed later (during VRFY or EXPN). The report is printed in every case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import textwrap

from smtpshell.net.client import check_line, split_host_port
from smtpshell.net.probe import (
    EXIT_USAGE,
    HIGHLIGHTED,
    MIB,
    Answer,
    ProbeOptions,
    ProbeReport,
    probe,
    size_limit,
)
from smtpshell.proto.errors import LocalProtocolError
from smtpshell.proto.visible_text import visible_lines

EPILOG = """\
It connects, reads the banner, says EHLO (HELO if EHLO is refused), upgrades with STARTTLS when offered
(or uses TLS from the start with --tls), says EHLO again, asks VRFY postmaster and EXPN postmaster, and QUITs.
It sends no mail.

exit codes: 0 ok, 2 usage, 3 connect, 4 banner, 5 EHLO/HELO, 6 TLS, 7 failed during VRFY/EXPN"""

WIDTH = 100
LABEL = 22


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell probe",
        description="Report what a real SMTP server supports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="HOST[:PORT]", help="server to probe; port 25 (465 with --tls)")
    parser.add_argument("--tls", action="store_true", help="TLS from the first byte (implicit TLS, port 465)")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--insecure", action="store_true", help="do not check the certificate")
    trust.add_argument("--cafile", metavar="FILE", help="trust this CA certificate (PEM) instead of the system's")
    parser.add_argument("--json", action="store_true", help="print the report as JSON, for scripts")
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=30.0,
        help="seconds to wait for the connection and for each reply (default 30)",
    )
    parser.add_argument("--helo", metavar="NAME", help="the name to give in EHLO (default: our address)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print the conversation")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as exit_:  # argparse has printed the usage error (or the help)
        return int(exit_.code or 0)
    try:
        options = _options(args)
    except ValueError as error:
        print(f"smtpshell probe: {error}", file=sys.stderr)
        return EXIT_USAGE
    report = asyncio.run(probe(options))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(visible_lines(render_report(report, verbose=args.verbose)))  # the server's text, made safe
    return report.exit_code


def _options(args: argparse.Namespace) -> ProbeOptions:
    host, port = split_host_port(args.target, 465 if args.tls else 25)
    if not args.timeout > 0:
        raise ValueError("--timeout must be a number of seconds above 0")
    if args.cafile and not os.path.isfile(args.cafile):
        raise ValueError(f"--cafile {args.cafile}: no such file")
    if args.helo is not None:
        try:
            check_line(args.helo)
        except LocalProtocolError as error:
            raise ValueError(f"--helo: {error}") from None
        if not args.helo.strip() or " " in args.helo.strip():
            raise ValueError("--helo takes one name, such as mail.example.com or [192.0.2.1]")
    return ProbeOptions(
        host,
        port,
        implicit_tls=args.tls,
        insecure=args.insecure,
        cafile=args.cafile,
        timeout=args.timeout,
        helo=args.helo,
    )


def render_report(report: ProbeReport, *, verbose: bool = False) -> str:
    out: list[str] = []
    peer = f" ({report.peer_address})" if report.peer_address else ""
    out.append(f"Probe of {_target(report)}{peer}{' with implicit TLS' if report.implicit_tls else ''}")
    out += _connection(report)
    if report.tls is not None:
        out += ["", f"TLS ({'implicit, from the first byte' if report.tls.implicit else 'STARTTLS'})"]
        out += [_row(label, value) for label, value in report.tls.rows()]
    if report.extension_rows():
        out += ["", *_extensions(report)]
    if report.greeting is not None:
        out += ["", "Summary", *_summary(report)]
    if report.notes:
        out += ["", "Notes", *(_wrap(note, "  - ", "    ") for note in report.notes)]
    if verbose and report.transcript:
        out += ["", "Conversation", *(f"  {who}: {line}" for who, line in report.transcript)]
    out += ["", *_result(report)]
    return "\n".join(out)


def _target(report: ProbeReport) -> str:
    host = f"[{report.host}]" if ":" in report.host else report.host
    return f"{host}:{report.port}"


def _connection(report: ProbeReport) -> list[str]:
    rows = ["", "Connection"]
    if report.connect_seconds is not None:
        rows.append(_row("connected in", f"{report.connect_seconds:.3f} s"))
    if report.banner is not None:
        rows.append(_row("banner", report.banner.wire_lines()[0]))
        rows += [_row("", line) for line in report.banner.wire_lines()[1:]]
        rows.append(_row("server name", report.banner_host or "(not a host name)"))
    if report.banner_seconds is not None:
        rows.append(_row("time to banner", f"{report.banner_seconds:.3f} s"))
    if report.greeting is not None:
        rows.append(_row("greeting", f"{report.greeting} {report.helo_name} accepted"))
    return rows if len(rows) > 2 else []


def _extensions(report: ProbeReport) -> list[str]:
    both = report.extensions_before_tls is not None and report.extensions_after_tls is not None
    lines = [f"Extensions{'':<{LABEL - 8}}{'offered':<12}parameters"]
    for row in report.extension_rows():
        if both:
            offered = {(True, True): "both", (True, False): "before TLS", (False, True): "after TLS"}[
                (row.before_tls is not None, row.after_tls is not None)
            ]
        else:
            offered = "yes"
        params = row.after_tls if row.after_tls is not None else row.before_tls or ""
        if both and row.before_tls is not None and row.after_tls is not None and row.before_tls != row.after_tls:
            params = f"before TLS: {row.before_tls or '-'}; after: {row.after_tls or '-'}"
        if row.reading:
            params = f"{params} = {row.reading}" if params else row.reading
        lines.append(f"  {row.keyword:<{LABEL}}{offered:<12}{params}".rstrip())
        if row.meaning:
            lines.append(_wrap(row.meaning, " " * 6, " " * 6))
    return lines


def _summary(report: ProbeReport) -> list[str]:
    tls = "no"
    if report.tls is not None:
        checked = "certificate verified" if report.tls.verified else "certificate NOT checked"
        tls = f"yes, {report.tls.version}, {checked}"
    elif "STARTTLS" in report.extensions:
        tls = "offered, but the upgrade failed"
    rows = [_row("TLS", tls)]
    if report.extensions_before_tls is not None:
        rows.append(_row("AUTH before TLS", ", ".join(report.auth_before_tls) or "none"))
    if report.extensions_after_tls is not None:
        rows.append(_row("AUTH after TLS", ", ".join(report.auth_after_tls) or "none"))
    warning = "YES: passwords could cross the network readable" if report.auth_over_plaintext else "no"
    rows.append(_row("AUTH over plaintext", warning))
    limit = size_limit(report.extensions.get("SIZE"))
    size = "not announced" if limit is None else "no fixed limit" if limit == 0 else f"{limit / MIB:.1f} MiB"
    rows.append(_row("message size limit", size))
    rows += [_answer("VRFY postmaster", report.vrfy), _answer("EXPN postmaster", report.expn)]
    rows += [_row(keyword, "yes" if report.offers(keyword) else "no") for keyword in HIGHLIGHTED]
    return rows


def _answer(label: str, answer: Answer | None) -> str:
    if answer is None:
        return _row(label, "not asked")
    return _row(label, f"{answer.reply.wire_lines()[0]}\n{' ' * (LABEL + 2)}-> {answer.verdict}")


def _result(report: ProbeReport) -> list[str]:
    if report.failure is None:
        return ["Result: every stage passed (exit 0)"]
    failure = report.failure
    lines = [f"FAILED at the {failure.stage} stage (exit {report.exit_code}): {failure.headline}"]
    if failure.advice:
        lines.append(_wrap(failure.advice, "  ", "  "))
    if failure.detail:
        lines.append(_wrap(f"detail: {failure.detail}", "  ", "  "))
    return lines


def _row(label: str, value: str) -> str:
    return f"  {label:<{LABEL}}{value}".rstrip()


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)
