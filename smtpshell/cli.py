"""Command-line entry point: routes to a subcommand, importing it lazily so `smtpshell explain` starts fast.

Each subcommand module owns its arguments and exposes ``main(argv: list[str]) -> int``.
"""

from __future__ import annotations

import os
import sys

from smtpshell.startup import import_quickly

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "explain": ("smtpshell.explain.command", "explain a reply code, enhanced code, keyword, command or transcript"),
    "serve": ("smtpshell.classroom.serve_command", "run the sandbox SMTP server in the foreground (--class: a class)"),
    "probe": ("smtpshell.net.probe_command", "report what a real SMTP server supports (sends no mail)"),
    "connect": (
        "smtpshell.shell_command",
        "open the shell on a real server: connect HOST[:PORT] or connect --mx DOMAIN",
    ),
    "domain": ("smtpshell.domain.command", "report and explain a domain's MX, SPF, DMARC, MTA-STS, DANE, DKIM setup"),
    "lessons": ("smtpshell.lessons.command", "list lessons and progress; lessons check DIR; lessons reset"),
    "learn": ("smtpshell.lessons.command", "open a guided lesson: learn [ID]"),
    "demo": ("smtpshell.demo_command", "run a demo script step by step (Enter sends the next line): demo FILE"),
    "replay": ("smtpshell.demo_command", "step through a saved transcript with its explanations, no server needed"),
    "web": ("smtpshell.web.command", "serve the full-screen shell to browser tabs, each its own shell and sandbox"),
    "teach": ("smtpshell.classroom.teach_command", "the teacher's live dashboard of a class server: teach HOST:PORT"),
}

USAGE = """usage: smtpshell [--plain] [--connect HOST[:PORT]] [options]
       smtpshell SUBCOMMAND [args]

With no subcommand, smtpshell opens the shell on its built-in sandbox server
(the full-screen UI, or a plain prompt with --plain).

subcommands:
{subcommands}

Run `smtpshell SUBCOMMAND --help` for a subcommand's options, `smtpshell --help-shell` for the shell's."""


def usage() -> str:
    lines = [f"  {name:<9} {summary}" for name, (_, summary) in SUBCOMMANDS.items()]
    return USAGE.format(subcommands="\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    try:
        result = _dispatch(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # inside the try: a closed pipe must not surface at interpreter exit
        return result
    except BrokenPipeError:
        # The reader went away (`smtpshell lessons | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


def _dispatch(args: list[str]) -> int:
    if args and args[0] in ("-h", "--help"):
        print(usage())
        return 0
    if args and args[0] in ("-V", "--version"):
        from smtpshell import __version__

        print(f"smtpshell {__version__}")
        return 0
    if args and args[0] in SUBCOMMANDS:
        module = import_quickly(SUBCOMMANDS[args[0]][0])
        result: int = module.main(args)
        return result
    if args and not args[0].startswith("-"):
        print(f"smtpshell: unknown subcommand {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = import_quickly("smtpshell.shell_command")
    shell_result: int = module.main(["shell", *args])
    return shell_result


if __name__ == "__main__":
    raise SystemExit(main())
