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
import os
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from smtpshell.net.connect_options import ConnectOptions, OptionError, add_connect_options, options_from
from smtpshell.proto.visible_text import visible_lines
from smtpshell.session.target import ConnectRequest, Target, TargetError, remote_target
from smtpshell.startup import collector_paused

if TYPE_CHECKING:
    from smtpshell.proto.policy import SandboxPolicy
    from smtpshell.session.engine import ShellEngine
    from smtpshell.session.mx_choice import MXChoice

DESCRIPTION = """Type SMTP by hand and see every reply explained. Without --connect the shell talks to its
built-in sandbox server; with it, to a real server. Inside the shell, /help lists the shell's commands."""


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the width: by default it asks shutil, whose import pulls in the compression
    modules, and argparse makes a formatter for every option it adds, help or no help."""

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.stdout.fileno()).columns
        except (ValueError, OSError):
            columns = 80
        super().__init__(prog, width=max(columns - 2, 40))


def build_parser(command: str) -> argparse.ArgumentParser:
    connect = command == "connect"
    parser = argparse.ArgumentParser(
        prog="smtpshell connect" if connect else "smtpshell",
        formatter_class=_HelpFormatter,
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
    add_connect_options(parser)
    parser.add_argument("--plain", action="store_true", help="a plain prompt instead of the full-screen UI")
    parser.add_argument(
        "--tui",
        action="store_true",
        help="the full-screen UI even when standard input is not a terminal (as smtpshell web runs it)",
    )
    parser.add_argument("--web-tab", action="store_true", help=argparse.SUPPRESS)  # smtpshell web's tabs
    parser.add_argument(
        "--theme", metavar="NAME", help="the full-screen UI's theme: high-contrast for a projector, or any of Ctrl+P's"
    )
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
    parser.add_argument(
        "--student",
        metavar="NAME",
        help="on a class server: log in to its channel as this student, for /mailbox (password asked, or "
        "from SMTPSHELL_CLASS_PASSWORD)",
    )
    return parser


def connect_options(options: argparse.Namespace) -> ConnectOptions:
    try:
        return options_from(options)
    except OptionError as error:
        raise TargetError(str(error)) from None


def target_from(options: argparse.Namespace, command: str = "shell") -> Target | None:
    """The target the options name; None with --mx, whose target is chosen from the domain's list."""
    how = connect_options(options)
    tls = how.tls
    if options.server is not None and options.mx is not None:
        raise TargetError(f"give a server or --mx DOMAIN, not both ({options.server} and --mx {options.mx})")
    if options.fault and (options.server is not None or options.mx is not None or command == "connect"):
        raise TargetError(
            "--fault makes the built-in sandbox misbehave; a real server's faults are its own. Leave out --fault, "
            "or leave out the server to practise on the sandbox"
        )
    if options.mx is not None:
        return None
    if options.server is None and command == "connect":
        raise TargetError("give the server to talk to, HOST[:PORT], or --mx DOMAIN to choose one of a domain's")
    if options.server is None:
        if how.with_tls("none").has_options:
            raise TargetError(
                "--insecure, --cafile, --tls-version, --sni, --verify-name, --helo, --lmtp and --proxy-protocol are "
                "for a real server (--connect HOST or smtpshell connect HOST); the sandbox's certificate is trusted"
            )
        return Target("sandbox", tls=tls)
    return remote_target(options.server, how)


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
        policy = _sandbox_policy(options.fault) if named is not None and named.kind == "sandbox" else None
    except (TargetError, ValueError) as error:  # a FaultError is a ValueError
        print(visible_lines(f"smtpshell: {error}"), file=sys.stderr)
        return 2
    options.class_password = None
    if options.student is not None:
        from smtpshell.classroom.student_link import ask_password

        options.class_password = ask_password(options.student)
        if options.class_password is None:
            return 2
    choice: MXChoice | None = None
    if named is None:
        chosen = choose_mx_target(options, sys.stdin, sys.stdout, sys.stderr)
        if isinstance(chosen, int):
            return chosen
        target, choice = chosen
    else:
        target = named
    options.tui = options.tui or options.web_tab
    if not sys.stdin.isatty() and not options.tui:
        with collector_paused():
            from smtpshell.repl.script import run_script

            engine = _engine(target, policy, options)
        return asyncio.run(run_script(engine, sys.stdin, sys.stdout))
    if options.tui or not options.plain:
        if importlib.util.find_spec("smtpshell.tui.app") is not None:
            return _run_tui(target, policy, options, choice)
        print("smtpshell: the full-screen UI is not installed here; using the plain prompt.", file=sys.stderr)
    from smtpshell.repl.app import run_repl

    return asyncio.run(run_repl(_engine(target, policy, options, choice)))


def _sandbox_policy(faults: list[str]) -> SandboxPolicy:
    """The sandbox's rules with the --fault specs; only a sandbox session pays for importing them."""
    from smtpshell.proto.faults import preset_rule
    from smtpshell.proto.policy import SandboxPolicy

    policy = SandboxPolicy()
    policy.faults.rules.extend(preset_rule(spec) for spec in faults)
    return policy


def choose_mx_target(
    options: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> tuple[Target, MXChoice] | int:
    """--mx DOMAIN: list the domain's mail servers; on a terminal ask which one (else, or on q, the exit status)."""
    from smtpshell.net.client_errors import ClientError
    from smtpshell.session.mx_choice import MXChoice, look_up

    request = ConnectRequest(None, None, options.mx, connect_options(options))
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
    target: Target, policy: SandboxPolicy | None, options: argparse.Namespace, choice: MXChoice | None = None
) -> ShellEngine:
    from smtpshell.session.engine import ShellEngine

    engine = ShellEngine(target, policy=policy)
    engine.nameserver = options.nameserver
    engine.mx_choice = choice  # /connect N picks another of the servers listed
    engine.explanations = not options.no_explain
    engine.raw = options.raw
    if options.replay:
        engine.startup_lines.append(f"/replay {shlex.quote(options.replay)}")
    # Inert until a server's greeting names a class channel (after `connect` or a later /connect alike).
    from smtpshell.classroom.student_link import attach_class_link

    attach_class_link(engine, options.student, getattr(options, "class_password", None))
    return engine


def _theme(name: str | None) -> str | None:
    if name is None:
        return None
    from smtpshell.tui.themes import theme_name

    return theme_name(name)


def _run_tui(
    target: Target, policy: SandboxPolicy | None, options: argparse.Namespace, choice: MXChoice | None = None
) -> int:
    from smtpshell.tui.app import SMTPShellApp

    engine = _engine(target, policy, options, choice)
    app = SMTPShellApp(target, policy=engine.policy, engine=engine, theme=_theme(options.theme))
    if options.web_tab:
        from smtpshell.web.tab import confine_files

        confine_files(engine, app)
    try:
        result = app.run()
    finally:
        if engine.sandbox is not None:  # however the app ended, the sandbox thread must not outlive it
            engine.sandbox.stop()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main(["shell", *sys.argv[1:]]))
