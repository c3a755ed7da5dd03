"""`smtpshell serve`: the sandbox in the foreground for any client (telnet, swaks, a mail program).

Rule: it listens on 127.0.0.1 unless told otherwise, prints where it listens and one line per finished session,
and stops cleanly on Ctrl-C or SIGTERM. Bad flags get a one-line error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import re
import signal
import sys
from pathlib import Path

from smtpshell.net.event_loop import run_server
from smtpshell.net.mailstore import DEFAULT_MEMORY_BYTES
from smtpshell.net.sandbox import (
    DEFAULT_HOST,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PER_ADDRESS,
    Sandbox,
    SandboxError,
)
from smtpshell.net.server_log import LogEntry, SessionClosed
from smtpshell.proto.faults import FaultError, FaultRule, load_fault_file, preset_rule
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.visible_text import visible

MIB = 1024 * 1024
DEFAULT_PORT = 2525  # the real SMTP port, 25, needs administrator rights; 2525 is the usual stand-in

DESCRIPTION = f"""Run the sandbox SMTP server in the foreground, for any client: telnet, swaks, a mail program.
It listens on {DEFAULT_HOST}:{DEFAULT_PORT} unless told otherwise (port {DEFAULT_PORT} because the real SMTP
port, 25, needs administrator rights). It captures every message it accepts and delivers nothing outward.
Stop it with Ctrl-C."""

EPILOG = """faults (--fault, repeatable): greylist, mailbox-full, unknown-user, relay-denied, rate-limit, each
optionally with :ADDRESS-GLOB (mailbox-full:bob@*); delay:VERB:SECONDS; disconnect:VERB.
A --faults file holds [[fault]] tables with preset/command, address, reply, delay, disconnect, times.

examples:
  smtpshell serve
  smtpshell serve --port 2526 --maildir ~/sandbox-mail --user bob:builder
  smtpshell serve --fault greylist --fault delay:DATA:2"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"smtpshell serve: {message}\n(see `smtpshell serve --help`)\n")


def _port(text: str) -> int:
    if not is_ascii_digits(text):  # int() also reads " 25", "2_5" and other scripts' digits
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number")
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535; 0 picks a free one)")
    return value


def _user(text: str) -> tuple[str, str]:
    name, colon, password = text.partition(":")
    if not colon or not name or not password:
        raise argparse.ArgumentTypeError(f"{text!r}: write the user as NAME:PASSWORD")
    if any(c.isspace() for c in name):
        raise argparse.ArgumentTypeError(f"{name!r}: a user name cannot contain spaces")
    return name, password


def _positive(text: str) -> int:
    value = int(text) if is_ascii_digits(text) else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="smtpshell serve",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"SMTP port, with STARTTLS (default {DEFAULT_PORT})"
    )
    parser.add_argument("--tls-port", type=_port, help="also listen here with implicit TLS (as on port 465)")
    parser.add_argument("--maildir", type=Path, help="also write each accepted message into this Maildir")
    parser.add_argument(
        "--user",
        type=_user,
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="add a user for AUTH (repeatable)",
    )
    parser.add_argument("--faults", type=Path, metavar="FILE", help="load fault rules from a TOML file")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC", help="add a fault (repeatable)")
    parser.add_argument(
        "--auth-plaintext",
        action="store_true",
        help="offer AUTH before STARTTLS too (to show why that is dangerous)",
    )
    parser.add_argument(
        "--auth-lab",
        action="store_true",
        help="check SPF, DKIM and DMARC of mail from the lab's domains (good.test, badspf.test, ...) strictly",
    )
    parser.add_argument(
        "--max-connections",
        type=_positive,
        default=DEFAULT_MAX_CONNECTIONS,
        help=f"clients served at once; more get 421 (default {DEFAULT_MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--lmtp",
        action="store_true",
        help="speak LMTP (RFC 2033): greeted with LHLO, one reply per recipient after the data",
    )
    add_limit_arguments(parser)
    return parser


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """The limits that keep one client from locking the others out (issue: no lock-out, bounded memory)."""
    defaults = SandboxPolicy()
    parser.add_argument(
        "--max-per-address",
        type=_positive,
        default=None,
        metavar="N",
        help=f"connections one client address may hold; more get 421 (default {DEFAULT_MAX_PER_ADDRESS}; with "
        "--class, three per student, since a class often comes through one address)",
    )
    parser.add_argument(
        "--mailbox-memory",
        type=_positive,
        default=DEFAULT_MEMORY_BYTES // MIB,
        metavar="MIB",
        help=f"memory for the captured messages, in MiB; the oldest are let go beyond it, the Maildir keeps "
        f"them all (default {DEFAULT_MEMORY_BYTES // MIB})",
    )
    parser.add_argument(
        "--command-deadline",
        type=_seconds,
        default=defaults.command_deadline,
        metavar="SECONDS",
        help=f"time for one whole command line, however slowly it arrives (default {defaults.command_deadline:g})",
    )
    parser.add_argument(
        "--message-deadline",
        type=_seconds,
        default=defaults.message_deadline,
        metavar="SECONDS",
        help=f"time for one whole message after DATA or the first BDAT (default {defaults.message_deadline:g})",
    )


def _seconds(text: str) -> float:
    value = float(text) if re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,6})?", text) else 0.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above 0 (at most 86400)")
    return value


def build_policy(args: argparse.Namespace) -> SandboxPolicy:
    """The policy the flags describe; FaultError when a fault flag or file is wrong."""
    policy = SandboxPolicy(
        auth_over_plaintext=args.auth_plaintext,
        command_deadline=args.command_deadline,
        message_deadline=args.message_deadline,
        lmtp=args.lmtp,
    )
    policy.users.update(dict(args.user))
    rules: list[FaultRule] = []
    if args.faults is not None:
        rules += load_fault_file(args.faults)
    rules += [preset_rule(spec) for spec in args.fault]
    policy.faults.rules.extend(rules)
    if args.auth_lab:
        from smtpshell.authlab.receiver import AuthLab

        policy.message_check = AuthLab()
    return policy


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as leaving:
        return leaving.code if isinstance(leaving.code, int) else 2
    try:
        policy = build_policy(args)
    except FaultError as error:
        print(visible(f"smtpshell serve: {error}"), file=sys.stderr)
        return 2
    try:
        sandbox = Sandbox(
            policy,
            host=args.host,
            port=args.port,
            tls_port=args.tls_port,
            maildir=args.maildir.expanduser() if args.maildir else None,
            max_connections=args.max_connections,
            max_per_address=args.max_per_address or DEFAULT_MAX_PER_ADDRESS,
            mailbox_memory=args.mailbox_memory * MIB,
        )
    except OSError as error:
        why = error.strerror or error
        print(visible(f"smtpshell serve: cannot use {args.maildir} as a Maildir: {why}"), file=sys.stderr)
        return 2
    try:
        return run_server(_serve(sandbox))
    except KeyboardInterrupt:  # where signal handlers cannot be installed (Windows), Ctrl-C lands here
        print("stopped.", flush=True)
        return 0


async def _serve(sandbox: Sandbox) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(number, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not on this platform; KeyboardInterrupt still stops it
    try:
        await sandbox.start()
    except SandboxError as error:
        print(visible(f"smtpshell serve: {error}"), file=sys.stderr)
        return 1
    sandbox.log.subscribe(_print_session)
    for line in describe(sandbox):
        print(line, flush=True)
    await stop.wait()
    print("stopping: telling connected clients 421 ...", flush=True)
    await sandbox.stop()
    print("stopped.", flush=True)
    return 0


def describe(sandbox: Sandbox) -> list[str]:
    """What `serve` says at start: where it listens and what it offers."""
    policy = sandbox.policy
    host = _shown_host(sandbox.host)
    tls = "with STARTTLS" if policy.tls_available else f"without STARTTLS ({sandbox.tls_problem})"
    protocol = "LMTP" if policy.lmtp else "SMTP"
    lines = [f"smtpshell sandbox ({policy.hostname}) listening on {host}:{sandbox.port}, {protocol} {tls}"]
    if sandbox.tls_port is not None:
        lines.append(f"  implicit TLS on {host}:{sandbox.tls_port}")
    if sandbox.port == DEFAULT_PORT:
        lines.append(f"  port {DEFAULT_PORT}: the real SMTP port, 25, needs administrator rights")
    if not _is_loopback(sandbox.host):
        lines.append(f"  warning: {sandbox.host} is reachable from other machines; the sandbox is for learning only")
    domain = policy.domains[0]
    lines.append(f"  mailboxes: {', '.join(f'{name}@{domain}' for name in policy.mailboxes)}")
    if policy.lists:
        lines.append(f"  mailing lists: {', '.join(f'{name}@{domain}' for name in policy.lists)}")
    where = "over TLS and plaintext" if policy.auth_over_plaintext else "after STARTTLS"
    lines.append(f"  AUTH users ({where}): {', '.join(policy.users) or 'none'}")
    if sandbox.store.maildir is not None:
        lines.append(f"  Maildir: {sandbox.store.maildir}")
    for fault in policy.faults.describe():
        lines.append(f"  fault: {fault}")
    lines.append(limits_line(sandbox))
    lines.append(f"  try: telnet {host} {sandbox.port}   or   swaks --server {host}:{sandbox.port} --to bob@{domain}")
    lines.append("Press Ctrl-C to stop.")
    return [visible(line) for line in lines]  # a path, a user name or a fault is text a terminal must not obey


def limits_line(sandbox: Sandbox) -> str:
    limits = sandbox.limits
    memory = sandbox.store.max_bytes / MIB
    return (
        f"  limits: {limits.total} connections, {limits.per_address} per client address; "
        f"mailbox memory {memory:g} MiB (see --help)"
    )


def _print_session(entry: LogEntry) -> None:
    item = entry.item
    if not isinstance(item, SessionClosed):
        return
    messages = "1 message" if item.messages == 1 else f"{item.messages} messages"
    commands = "1 command" if item.commands == 1 else f"{item.commands} commands"
    print(f"session {entry.session} from {entry.peer}: {commands}, {messages} delivered; {item.reason}", flush=True)


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
