"""`smtpshell probe HOST[:PORT]`: report what a real SMTP server supports, as a readable table or as JSON.

Exit codes say which stage failed: 0 all went well, 2 usage, 3 connect, 4 banner, 5 EHLO/HELO, 6 TLS,
7 the connection failed later (during VRFY or EXPN). The report is printed in every case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from collections.abc import Callable
from dataclasses import replace

from smtpshell.net.client import check_line, split_host_port
from smtpshell.net.connect_options import add_connect_options, options_from
from smtpshell.net.probe import (
    EXIT_CONNECT,
    EXIT_OK,
    EXIT_USAGE,
    HIGHLIGHTED,
    MIB,
    Answer,
    ProbeOptions,
    ProbeReport,
    StageEvent,
    probe,
    size_limit,
)
from smtpshell.proto.errors import LocalProtocolError
from smtpshell.proto.visible_text import visible, visible_lines

EPILOG = """\
It connects, reads the banner, says EHLO (HELO if EHLO is refused), upgrades with STARTTLS when offered
(or uses TLS from the start with --tls), says EHLO again, asks VRFY postmaster and EXPN postmaster, and QUITs.
It sends no mail.

With --mx DOMAIN every mail server of the domain is probed, most preferred first; the exit code is the first
failing server's. --require-tls and --min-days N make a missing TLS or a certificate expiring within N days a
TLS failure, for monitoring.

exit codes: 0 ok, 2 usage, 3 connect, 4 banner, 5 EHLO/HELO/LHLO, 6 TLS (also --require-tls, --min-days),
7 failed during VRFY/EXPN"""

WIDTH = 100
LABEL = 22


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell probe",
        description="Report what a real SMTP (or LMTP) server supports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="HOST[:PORT]", nargs="?", help="server to probe; port 25 (465 with --tls)")
    parser.add_argument("--mx", metavar="DOMAIN", help="probe every mail server of DOMAIN, in preference order")
    parser.add_argument("--port", type=int, metavar="N", help="with --mx: the port to probe on each (default 25)")
    parser.add_argument("--nameserver", metavar="IP[:PORT]", help="with --mx: the DNS server to ask")
    add_connect_options(parser, starttls=False)
    parser.add_argument("--json", action="store_true", help="print the report as JSON (probe-report.schema.json)")
    parser.add_argument("--brief", action="store_true", help="one line a stage, printed as it happens")
    parser.add_argument("--require-tls", action="store_true", help="fail (exit 6) when the server offers no TLS")
    parser.add_argument(
        "--min-days", type=float, metavar="N", help="fail (exit 6) when the certificate expires in fewer than N days"
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=30.0,
        help="seconds to wait for the connection and for each reply (default 30)",
    )
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
    options.on_stage = _progress_printer(args)
    if args.mx is not None:
        return asyncio.run(_probe_mx(args, options))
    report = asyncio.run(probe(options))
    _print_report(args, report)
    return report.exit_code


def _print_report(args: argparse.Namespace, report: ProbeReport) -> None:
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    elif args.brief:
        print(brief_result(report), flush=True)
    else:
        print(visible_lines(render_report(report, verbose=args.verbose)))  # the server's text, made safe


def _progress_printer(args: argparse.Namespace) -> Callable[[StageEvent], None] | None:
    """--brief: each stage's outcome on standard output as it happens; a terminal: what is being waited for."""
    if args.brief and not args.json:

        def brief(event: StageEvent) -> None:
            if event.ok is not None:
                print(f"{event.stage:<8} {'ok  ' if event.ok else 'FAIL'} {clean(event.text)}", flush=True)

        return brief
    if not args.json and sys.stderr.isatty():

        def progress(event: StageEvent) -> None:
            if event.ok is None:
                sys.stderr.write(f"\r\x1b[K... {clean(event.text)}")
            else:
                sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

        return progress
    return None


def brief_result(report: ProbeReport) -> str:
    if report.failure is None:
        return "result   ok   every stage passed (exit 0)"
    return f"result   FAIL {report.failure.stage} stage (exit {report.exit_code}): {clean(report.failure.headline)}"


async def _probe_mx(args: argparse.Namespace, options: ProbeOptions) -> int:
    """Every MX of the domain, most preferred first: a monitor wants all of them to pass, not just the first."""
    from smtpshell.net.client_errors import ClientError
    from smtpshell.net.mx import lookup_mx

    try:
        result = await lookup_mx(args.mx, nameserver=args.nameserver)
    except ClientError as error:
        if args.json:
            print(json.dumps({"domain": args.mx, "exit_code": EXIT_CONNECT, "error": error.headline, "hosts": []}))
        else:
            print(f"smtpshell probe: {error.headline}\n{error.advice}", file=sys.stderr)
        return EXIT_CONNECT
    port = args.port or (465 if options.implicit_tls else 25)
    hosts = [(None, result.domain)] if result.implicit else [(h.preference, h.host) for h in result.hosts]
    results: list[dict[str, object]] = []
    exit_code = EXIT_OK
    for preference, host in hosts:
        if args.brief and not args.json:
            print(f"mx       {preference if preference is not None else '-'} {host}:{port}", flush=True)
        report = await probe(replace(options, host=host, port=port))
        exit_code = exit_code or report.exit_code
        if args.json:
            results.append({"preference": preference, "host": host, "report": report.to_dict()})
        elif args.brief:
            print(brief_result(report), flush=True)
        else:
            print(f"MX {preference if preference is not None else '(implicit)'} {host}")
            print(visible_lines(render_report(report, verbose=args.verbose)), end="\n\n", flush=True)
    if args.json:
        print(json.dumps({"domain": result.domain, "exit_code": exit_code, "error": None, "hosts": results}, indent=2))
    return exit_code


def _options(args: argparse.Namespace) -> ProbeOptions:
    if (args.target is None) == (args.mx is None):
        raise ValueError("give a server HOST[:PORT] or --mx DOMAIN (one of them)")
    if args.mx is None and (args.port is not None or args.nameserver is not None):
        raise ValueError("--port and --nameserver go with --mx DOMAIN; write the port as HOST:PORT")
    host, port = split_host_port(args.target, 465 if args.tls else 25) if args.target else ("", 25)
    if not args.timeout > 0:
        raise ValueError("--timeout must be a number of seconds above 0")
    if args.min_days is not None and not args.min_days >= 0:
        raise ValueError("--min-days takes a number of days, 0 or more")
    if args.port is not None and not 0 < args.port < 65536:
        raise ValueError("--port must be a number from 1 to 65535")
    how = options_from(args)  # OptionError is a ValueError: a usage error, before connecting
    if how.helo is not None:
        try:
            check_line(how.helo)
        except LocalProtocolError as error:
            raise ValueError(f"--helo: {error}") from None
    return ProbeOptions(
        host,
        port,
        implicit_tls=how.tls == "implicit",
        insecure=how.insecure,
        cafile=how.cafile,
        timeout=args.timeout,
        helo=how.helo,
        tls_version=how.tls_version,
        sni=how.sni,
        verify_name=how.verify_name,
        require_tls=args.require_tls,
        min_days=args.min_days,
        lmtp=how.lmtp,
        proxy_protocol=how.proxy_protocol,
    )


def clean(text: str) -> str:
    """Text from the network made safe for a terminal, on one line (proto.visible_text's rule)."""
    return visible(text)


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
        if report.tls.verified:
            checked = "certificate verified"
        elif report.tls.verify_code is not None:
            checked = f"certificate FAILED verification ({report.tls.verify_result}); session not continued"
        else:
            checked = "certificate NOT checked"
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
