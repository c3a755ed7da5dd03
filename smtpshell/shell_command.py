"""`smtpshell [options]` and `smtpshell connect HOST[:PORT]`: open the shell on the sandbox or a real server.

Rule: the full-screen UI is the default on a terminal; --plain gives the prompt_toolkit prompt; when standard
input is not a terminal the lines are read from it and run as a script. Front ends are imported only once chosen.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smtpshell.proto.faults import FaultError, preset_rule
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.target import SUBMISSION_PORT_TLS, Target, TargetError, TLSMode, parse_host_port

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

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
        parser.add_argument("server", metavar="HOST[:PORT]", help="the server to talk to")
    else:
        parser.add_argument("--connect", metavar="HOST[:PORT]", dest="server", help="talk to this server")
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


def target_from(options: argparse.Namespace) -> Target:
    tls: TLSMode = "implicit" if options.tls else "starttls" if options.starttls else "none"
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
        target = target_from(options)
        policy = SandboxPolicy()
        policy.faults.rules.extend(preset_rule(spec) for spec in options.fault)
    except (TargetError, FaultError) as error:
        print(f"smtpshell: {error}", file=sys.stderr)
        return 2
    if not sys.stdin.isatty():
        from smtpshell.repl.script import run_script

        return asyncio.run(run_script(_engine(target, policy, options), sys.stdin, sys.stdout))
    if not options.plain:
        if importlib.util.find_spec("smtpshell.tui.app") is not None:
            return _run_tui(target, policy, options)
        print("smtpshell: the full-screen UI is not installed here; using the plain prompt.", file=sys.stderr)
    from smtpshell.repl.app import run_repl

    return asyncio.run(run_repl(_engine(target, policy, options)))


def _engine(target: Target, policy: SandboxPolicy, options: argparse.Namespace) -> ShellEngine:
    from smtpshell.session.engine import ShellEngine

    engine = ShellEngine(target, policy=policy)
    engine.explanations = not options.no_explain
    engine.raw = options.raw
    if options.replay:
        engine.startup_lines.append(f"/replay {shlex.quote(options.replay)}")
    return engine


def _run_tui(target: Target, policy: SandboxPolicy, options: argparse.Namespace) -> int:
    from smtpshell.tui.app import SMTPShellApp

    engine = _engine(target, policy, options)
    app = SMTPShellApp(target, policy=policy, engine=engine)
    try:
        result = app.run()
    finally:
        if engine.sandbox is not None:  # however the app ended, the sandbox thread must not outlive it
            engine.sandbox.stop()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main(["shell", *sys.argv[1:]]))
