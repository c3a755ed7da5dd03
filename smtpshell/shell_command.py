"""`smtpshell [options]` and `smtpshell connect HOST[:PORT]`: open the shell on the sandbox or a real server.

Rule: the full-screen UI is the default on a terminal; --plain gives the prompt_toolkit prompt; when standard
input is not a terminal the lines are read from it and run as a script. Front ends are imported only once chosen.
With --mx DOMAIN the domain's mail servers are listed first: on a terminal the user picks one by number; otherwise
the list is the whole output.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from smtpshell.proto.faults import FaultError, preset_rule
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.visible_text import visible_lines
from smtpshell.session.target import (
    SUBMISSION_PORT_TLS,
    ConnectRequest,
    Target,
    TargetError,
    TLSMode,
    parse_host_port,
)

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine
    from smtpshell.session.mx_choice import MXChoice

DESCRIPTION = """Type SMTP by hand and see every reply explained. Without --connect the shell talks to its
built-in sandbox server; with it, to a real server. Inside the shell, /help lists the shell's commands."""


def build_parser(command: str) -> argparse.ArgumentParser:
    connect = command == "connect"
    parser = argparse.ArgumentParser(
        prog="smtpshell connect" if connect else "smtpshell",
        description=DESCRIPTION,
        epilog="When standard input is not a terminal, its lines run as typed and the exit status is 0 only if "
        "every reply was 2xx or 3xx.",
    )
    if connect:
        parser.add_argument("server", metavar="HOST[:PORT]", nargs="?", help="the server to talk to")
    else:
        parser.add_argument("--connect", metavar="HOST[:PORT]", dest="server", help="talk to this server")
    parser.add_argument(
        "--mx",
        metavar="DOMAIN",
        help="list the domain's mail servers (its MX records) in preference order and choose one",
    )
    parser.add_argument(
        "--nameserver",
        metavar="IP[:PORT]",
        help="the DNS server that --mx (and /connect --mx) asks, instead of the system's",
    )
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--starttls", action="store_true", help="send EHLO and STARTTLS right after the greeting")
    tls.add_argument("--tls", action="store_true", help=f"TLS from the first byte (port {SUBMISSION_PORT_TLS})")
    parser.add_argument("--insecure", action="store_true", help="do not check the server's certificate")
    parser.add_argument("--cafile", metavar="FILE", help="trust this CA (PEM) to check the certificate")
    parser.add_argument("--plain", action="store_true", help="a plain prompt instead of the full-screen UI")
    parser.add_argument("--no-explain", action="store_true", help="do not show explanations under replies")
    parser.add_argument("--raw", action="store_true", help="send lines exactly as typed (no safety checks)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="a sandbox fault: greylist, mailbox-full[:ADDR], delay:VERB:SECONDS, ...",
    )
    parser.add_argument("--replay", metavar="FILE", help="run this demo script first (as /replay FILE)")
    return parser


def _tls_mode(options: argparse.Namespace) -> TLSMode:
    return "implicit" if options.tls else "starttls" if options.starttls else "none"


def target_from(options: argparse.Namespace, command: str = "shell") -> Target | None:
    """The target the options name; None with --mx, whose target is chosen from the domain's list."""
    tls = _tls_mode(options)
    if options.server is not None and options.mx is not None:
        raise TargetError(f"give a server or --mx DOMAIN, not both ({options.server} and --mx {options.mx})")
    if options.mx is not None:
        return None
    if options.server is None and command == "connect":
        raise TargetError("give the server to talk to, HOST[:PORT], or --mx DOMAIN to choose one of a domain's")
    if options.server is None:
        if options.insecure or options.cafile:
            raise TargetError("--insecure and --cafile are for a real server; the sandbox's certificate is trusted")
        return Target("sandbox", tls=tls)
    host, port = parse_host_port(options.server, SUBMISSION_PORT_TLS if tls == "implicit" else 25)
    return Target("remote", host, port, tls, options.insecure, options.cafile)


def main(argv: Sequence[str]) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C outside a prompt: leave quietly, with the shell's conventional status
        print("\nsmtpshell: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str]) -> int:
    command, args = argv[0], list(argv[1:])
    if "--help-shell" in args:
        build_parser(command).print_help()
        return 0
    options = build_parser(command).parse_args(args)
    try:
        named = target_from(options, command)
        policy = SandboxPolicy()
        policy.faults.rules.extend(preset_rule(spec) for spec in options.fault)
    except (TargetError, FaultError) as error:
        print(visible_lines(f"smtpshell: {error}"), file=sys.stderr)
        return 2
    choice: MXChoice | None = None
    if named is None:
        chosen = choose_mx_target(options, sys.stdin, sys.stdout, sys.stderr)
        if isinstance(chosen, int):
            return chosen
        target, choice = chosen
    else:
        target = named
    if not sys.stdin.isatty():
        from smtpshell.repl.script import run_script

        return asyncio.run(run_script(_engine(target, policy, options), sys.stdin, sys.stdout))
    if not options.plain:
        if importlib.util.find_spec("smtpshell.tui.app") is not None:
            return _run_tui(target, policy, options, choice)
        print("smtpshell: the full-screen UI is not installed here; using the plain prompt.", file=sys.stderr)
    from smtpshell.repl.app import run_repl

    return asyncio.run(run_repl(_engine(target, policy, options, choice)))


def choose_mx_target(
    options: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> tuple[Target, MXChoice] | int:
    """--mx DOMAIN: list the domain's mail servers; on a terminal ask which one (else, or on q, the exit status)."""
    from smtpshell.net.client_errors import ClientError
    from smtpshell.session.mx_choice import MXChoice, look_up

    request = ConnectRequest(None, None, options.mx, _tls_mode(options), options.insecure, options.cafile)
    try:
        result = asyncio.run(look_up(options.mx, options.nameserver))
    except ClientError as error:
        detail = f"\n  ({error.detail})" if error.detail else ""
        print(visible_lines(f"smtpshell: {error.headline}.\n{error.advice}{detail}"), file=stderr)
        return 1
    choice = MXChoice(result, request)
    print(visible_lines("\n".join([choice.heading(), *choice.rows()])), file=stdout)  # a domain is anyone's text
    count = len(result.hosts)
    if not stdin.isatty():
        print(
            f"\nStandard input is not a terminal, so nothing was chosen: run smtpshell connect HOST to talk to "
            f"one{' (it listens on port 25)' if request.tls == 'none' else ''}.",
            file=stdout,
        )
        return 0
    question = f"Connect to which? 1-{count}, or N:PORT for another port (Enter: 1; q: quit): "
    while True:
        stdout.write(question)
        stdout.flush()
        answer = stdin.readline()
        if not answer or answer.strip().lower() in ("q", "quit"):
            stdout.write("\n" if not answer else "")
            return 0
        try:
            return choice.pick(answer.strip() or "1"), choice
        except TargetError as error:
            print(visible_lines(f"  {error}."), file=stdout)


def _engine(
    target: Target, policy: SandboxPolicy, options: argparse.Namespace, choice: MXChoice | None = None
) -> ShellEngine:
    from smtpshell.session.engine import ShellEngine

    engine = ShellEngine(target, policy=policy)
    engine.nameserver = options.nameserver
    engine.mx_choice = choice  # /connect N picks another of the servers listed
    engine.explanations = not options.no_explain
    engine.raw = options.raw
    if options.replay:
        engine.startup_lines.append(f"/replay {shlex.quote(options.replay)}")
    return engine


def _run_tui(target: Target, policy: SandboxPolicy, options: argparse.Namespace, choice: MXChoice | None = None) -> int:
    from smtpshell.tui.app import SMTPShellApp

    engine = _engine(target, policy, options, choice)
    app = SMTPShellApp(target, policy=policy, engine=engine)
    try:
        result = app.run()
    finally:
        if engine.sandbox is not None:  # however the app ended, the sandbox thread must not outlive it
            engine.sandbox.stop()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main(["shell", *sys.argv[1:]]))
