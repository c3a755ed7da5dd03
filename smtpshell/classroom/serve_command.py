"""`smtpshell serve` with the class options: ``--class``, ``--watch``, the channel, per-student faults.

Rule: without a class option this is exactly the plain `serve` (net/serve_command.py); the class options only add.
Passwords that were generated are printed once and written to a file only the teacher can read.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import re
import signal
import ssl
import sys
from collections.abc import Callable
from pathlib import Path

from smtpshell.classroom.faults import GREYLIST_KEYS, ClassFaults, parse_specs
from smtpshell.classroom.feed import ClassFeed, FeedEvent, format_event
from smtpshell.classroom.roster import Roster, RosterError, load_roster, write_passwords
from smtpshell.net import serve_command as plain
from smtpshell.net.connection_limits import DEFAULT_MAX_PER_ADDRESS
from smtpshell.net.event_loop import run_server as run
from smtpshell.net.sandbox import Sandbox, SandboxError
from smtpshell.proto.faults import FaultError
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.policy import SandboxPolicy

CLASS_EPILOG = """
a class (one sandbox for every student):
  smtpshell serve --class 30                  student01 … student30, passwords generated
  smtpshell serve --class roster.txt          one student a line: NAME or NAME:PASSWORD
  smtpshell serve --class 30 --watch          print every command and reply as it happens
  smtpshell serve --class 30 --host 0.0.0.0 --maildir ./mail --fault greylist
Then: `smtpshell teach HOST:PORT` for the teacher's dashboard, `smtpshell connect HOST:PORT --student NAME`
for a student. The channel beside SMTP listens on the next port (--channel-port) and is named in the greeting."""


def build_parser() -> argparse.ArgumentParser:
    parser = plain.build_parser()
    parser.epilog = (parser.epilog or "") + "\n" + CLASS_EPILOG
    group = parser.add_argument_group("class")
    group.add_argument("--class", dest="roster", metavar="N|FILE", help="serve a class: N students, or a roster file")
    group.add_argument(
        "--passwords",
        type=Path,
        metavar="FILE",
        help="where to write the generated passwords (default class-passwords.txt, or ROSTER.passwords)",
    )
    group.add_argument(
        "--greylist-key",
        choices=GREYLIST_KEYS,
        help="what greylisting remembers with sender and recipient (default: helo in a class, else address)",
    )
    group.add_argument(
        "--channel-port", type=plain._port, metavar="PORT", help="port of the channel beside SMTP (default SMTP+1)"
    )
    group.add_argument("--teacher-token", metavar="TOKEN", help="the teacher's token (default: a new one, printed)")
    group.add_argument(
        "--tls-name",
        action="append",
        default=[],
        type=_tls_name,
        metavar="NAME|IP",
        help="add a host name or address (the lab server's) to the certificate the class server makes (repeatable)",
    )
    group.add_argument("--watch", action="store_true", help="print every command and reply as it happens")
    group.add_argument("--json", action="store_true", help="with --watch: one JSON object a line")
    return parser


_DNS_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def _tls_name(text: str) -> str:
    name = text.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    if not _DNS_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(f"{text!r} is neither a host name (lab.example) nor an IP address")
    return name


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as leaving:
        return leaving.code if isinstance(leaving.code, int) else 2
    if args.json and not args.watch:
        print("smtpshell serve: --json goes with --watch", file=sys.stderr)
        return 2
    if args.roster is None:
        class_only = (args.passwords, args.greylist_key, args.channel_port, args.teacher_token, args.tls_name)
        if any(option not in (None, []) for option in class_only):
            print("smtpshell serve: that option needs --class N or --class FILE", file=sys.stderr)
            return 2
        if not args.watch:
            return plain.main(argv)
    try:
        specs, args.fault = args.fault, []  # read here, where "SPEC times=N" is understood too
        policy = plain.build_policy(args)
        policy.faults.rules.extend(parse_specs(specs))
        roster = _roster(args, policy)
    except (FaultError, RosterError) as error:
        print(f"smtpshell serve: {error}", file=sys.stderr)
        return 2
    maildir = args.maildir.expanduser() if args.maildir else None
    options = {
        "host": args.host,
        "port": args.port,
        "tls_port": args.tls_port,
        "max_connections": args.max_connections,
        "max_per_address": args.max_per_address,  # None: the default, which depends on the class's size
        "mailbox_memory": args.mailbox_memory * plain.MIB,
    }
    try:
        if roster is None:
            options["max_per_address"] = options["max_per_address"] or DEFAULT_MAX_PER_ADDRESS
            watched = Sandbox(policy, maildir=maildir, **options)
            try:
                return run(_serve_watched(watched, args))
            except KeyboardInterrupt:  # where signal handlers cannot be installed (Windows)
                print("stopped.", file=sys.stderr if args.json else sys.stdout, flush=True)
                return 0
        from smtpshell.classroom.running import ClassServer
        from smtpshell.classroom.server import ClassSandbox

        faults = ClassFaults(list(policy.faults.rules), args.greylist_key or "helo")
        certificate, context, problem = _certificate(tuple(args.tls_name))
        sandbox = ClassSandbox(policy, roster, faults=faults, maildir=maildir, certificate=context, **options)
        if problem is not None:
            sandbox.tls_problem = problem
            sandbox.policy.tls_available = False  # STARTTLS is answered 454, with this reason
    except OSError as error:
        print(f"smtpshell serve: cannot use {args.maildir} as a Maildir: {error.strerror or error}", file=sys.stderr)
        return 2
    channel_port = args.channel_port if args.channel_port is not None else (args.port + 1 if args.port else 0)
    public = _reachable_host(args.host, args.tls_name)
    server = ClassServer(sandbox, channel_port=channel_port, teacher_token=args.teacher_token, public_host=public)
    server.channel.certificate_file = certificate
    try:
        return run(_serve_class(server, roster, args))
    except KeyboardInterrupt:
        print("stopped.", flush=True)
        return 0


def _reachable_host(host: str, names: list[str]) -> str:
    """The address to print for students: the one listened on, or for 0.0.0.0 / :: the lab's name or address."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    if names:
        return names[0]
    import socket

    try:  # the address of the route outward; a UDP "connect" sends nothing
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def _certificate(names: tuple[str, ...]) -> tuple[Path | None, ssl.SSLContext | None, str | None]:
    """The class server's certificate file and context, with the lab's own names if given; or why there is none."""
    from smtpshell.net.certs import sandbox_certificate, server_context

    try:
        files = sandbox_certificate(None, names)
        return files.certificate, server_context(files), None
    except (OSError, ValueError, ssl.SSLError) as error:
        return None, None, f"could not make or read the class server's TLS certificate: {error}"


def _roster(args: argparse.Namespace, policy: SandboxPolicy) -> Roster | None:
    if args.roster is None:
        return None
    from smtpshell.classroom.server import reserved_names

    return load_roster(args.roster, reserved_names(policy))


def _passwords_path(args: argparse.Namespace) -> Path:
    if args.passwords is not None:
        return Path(args.passwords).expanduser()
    if is_ascii_digits(args.roster):
        return Path("class-passwords.txt")
    return Path(args.roster + ".passwords").expanduser()


def _watcher(as_json: bool) -> Callable[[FeedEvent], None]:
    def show(event: FeedEvent) -> None:
        text = json.dumps(event.to_json(), ensure_ascii=False) if as_json else format_event(event)
        print(text, flush=True)

    return show


async def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(number, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not on this platform; KeyboardInterrupt still stops it
    return stop


async def _serve_watched(sandbox: Sandbox, args: argparse.Namespace) -> int:
    """The plain sandbox, every command and reply printed as it happens."""
    stop = await _stop_event()
    try:
        await sandbox.start()
    except SandboxError as error:
        print(f"smtpshell serve: {error}", file=sys.stderr)
        return 1
    feed = ClassFeed(sandbox.log)
    feed.listen(_watcher(args.json))
    out = sys.stderr if args.json else sys.stdout  # standard output carries only the JSON lines
    for line in plain.describe(sandbox):
        print(line, file=out, flush=True)
    await stop.wait()
    await sandbox.stop()
    print("stopped.", file=out, flush=True)
    return 0


async def _serve_class(server: object, roster: Roster, args: argparse.Namespace) -> int:
    from smtpshell.classroom.running import ClassServer

    assert isinstance(server, ClassServer)
    stop = await _stop_event()
    try:
        await server.start()
    except SandboxError as error:
        print(f"smtpshell serve: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"smtpshell serve: cannot start the class channel: {error.strerror or error}", file=sys.stderr)
        return 1
    sandbox = server.sandbox
    out = sys.stderr if args.json else sys.stdout
    shown = [line for line in plain.describe(sandbox) if not line.startswith(("  AUTH users", "Press Ctrl-C"))]
    for line in [*shown, *describe_class(server, roster, args), "Press Ctrl-C to stop."]:
        print(line, file=out, flush=True)
    if args.watch:
        server.feed.listen(_watcher(args.json))
    else:
        sandbox.log.subscribe(plain._print_session)
    await stop.wait()
    print("stopping: telling connected clients 421 ...", file=out, flush=True)
    await server.stop()
    print("stopped.", file=out, flush=True)
    return 0


def describe_class(server: object, roster: Roster, args: argparse.Namespace) -> list[str]:
    from smtpshell.classroom.running import ClassServer

    assert isinstance(server, ClassServer)
    sandbox = server.sandbox
    domain = sandbox.policy.domains[0]
    host = plain._shown_host(_reachable_host(sandbox.host, args.tls_name))
    lines = [
        f"class of {len(roster)}: mailboxes {roster.students[0].address(domain)} … "
        f"{roster.students[-1].address(domain)}, each an AUTH login and its own folder",
        f"  channel beside SMTP: {server.channel.url}  (named in the greeting; see docs/class-channel.md)",
        f"  teacher token: {server.channel.teacher_token}",
        f"  teacher's dashboard: smtpshell teach {host}:{sandbox.port} --token {server.channel.teacher_token}",
        f"  students: smtpshell connect {host}:{sandbox.port} --student NAME",
        *_certificate_lines(server, f"{host}:{sandbox.port}", args.tls_name),
        f"  greylisting remembers: {sandbox.faults.greylist_key} + sender + recipient",
    ]
    if sandbox.class_store.maildir is not None:
        lines.append(f"  folders: {sandbox.class_store.maildir}/NAME/{{tmp,new,cur}}")
    generated = [s for s in roster.students if s.generated]
    if generated:
        path = _passwords_path(args)
        try:
            write_passwords(roster, path, domain)
            lines.append(f"  generated passwords (shown once; also in {path}, readable by you only):")
        except OSError as error:
            lines.append(f"  generated passwords (shown once; could not write {path}: {error.strerror or error}):")
        lines += [f"    {s.name}:{s.password}" for s in generated]
    return lines


def _certificate_lines(server: object, where: str, extra_names: list[str]) -> list[str]:
    from smtpshell.classroom.running import ClassServer
    from smtpshell.net.certs import SANDBOX_ADDRESSES, SANDBOX_NAMES

    assert isinstance(server, ClassServer)
    path = server.channel.certificate_file
    if path is None:
        return [f"  no STARTTLS: {server.sandbox.tls_problem}"]
    names = ", ".join([*SANDBOX_NAMES, *SANDBOX_ADDRESSES, *extra_names])
    return [
        f"  certificate: {path} (self-signed, for {names})",
        f"  students here trust it with: smtpshell connect {where} --starttls --cafile {path}",
        f"  students elsewhere fetch it first: curl -o class-ca.pem {server.channel.url}api/certificate",
    ]
