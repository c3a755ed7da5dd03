"""`smtpshell demo FILE` and `smtpshell replay FILE`: a demo a teacher paces, and yesterday's transcript again.

Rule: the file is read and checked before anything opens (a bad directive is `file:line: what is wrong` on
standard error, status 2). `demo` talks to the sandbox (or --connect HOST:PORT) one line per key in the
full-screen UI; `replay` opens no socket at all: it shows a saved transcript exchange by exchange with its
explanations. With standard input not a terminal, nobody can press a key: `demo` runs the whole script and prints
the annotated transcript, `replay` prints the explained transcript.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shlex
import sys
from pathlib import Path
from typing import Any

from smtpshell.session.replay import ScriptError, read_demo
from smtpshell.session.target import Target, TargetError, parse_host_port


def _demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell demo",
        description="Run a demo script step by step: Enter, Space or → sends the next line and shows its reply and "
        "explanation; Esc ends. Lines starting with # are the presenter's notes; '# pause' stops --auto until "
        "a key, '# explain' opens the last reply's full explanation. A transcript saved with /save replays "
        "the commands it holds.",
    )
    parser.add_argument("file", metavar="FILE", help="the demo script, or a transcript saved with /save")
    parser.add_argument("--connect", metavar="HOST[:PORT]", help="run it against this server instead of the sandbox")
    parser.add_argument("--auto", metavar="SECONDS", type=float, help="advance by itself every SECONDS")
    parser.add_argument("--typing", action="store_true", help="show each line being typed before it is sent")
    parser.add_argument("--theme", metavar="NAME", help="a theme, such as high-contrast for a projector")
    return parser


def _replay_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell replay",
        description="Step through a saved transcript (smtpshell's /save, C:/S: logs, swaks output) exchange by "
        "exchange with the explanation of each reply. Nothing is sent: no server is needed.",
    )
    parser.add_argument("file", metavar="FILE", help="the transcript")
    parser.add_argument("--theme", metavar="NAME", help="a theme, such as high-contrast for a projector")
    return parser


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    return _demo(args) if command == "demo" else _replay(args)


def _theme(name: str | None) -> str | None:
    if name is None:
        return None
    from smtpshell.tui.themes import theme_name

    return theme_name(name)


def _demo(args: list[str]) -> int:
    options = _demo_parser().parse_args(args)
    try:
        read_demo(Path(options.file).expanduser())  # checked here, so a mistake never reaches the screen
        target = Target("sandbox")
        if options.connect:
            host, port = parse_host_port(options.connect, 25)
            target = Target("remote", host, port)
        if options.auto is not None and not 0.1 <= options.auto <= 600:
            raise TargetError("--auto wants between 0.1 and 600 seconds between lines")
    except (ScriptError, TargetError) as error:
        print(f"smtpshell demo: {error}", file=sys.stderr)
        return 2
    words = ["/replay"]
    if options.auto is not None:
        words += ["--auto", f"{options.auto:g}"]
    if options.typing:
        words.append("--typing")
    replay = " ".join([*words, shlex.quote(options.file)])

    from smtpshell.session.engine import ShellEngine

    engine = ShellEngine(target)
    if not sys.stdin.isatty():
        from smtpshell.repl.script import run_script

        return asyncio.run(run_script(engine, io.StringIO(replay + "\n"), sys.stdout))
    from smtpshell.tui.app import SMTPShellApp

    engine.startup_lines.append(replay)
    extra: dict[str, Any] = {}
    if options.theme:
        extra["theme"] = _theme(options.theme)
    app = SMTPShellApp(target, engine=engine, **extra)
    try:
        result = app.run()
    finally:
        if engine.sandbox is not None:
            engine.sandbox.stop()
    return result if isinstance(result, int) else 0


def _replay(args: list[str]) -> int:
    options = _replay_parser().parse_args(args)
    path = Path(options.file).expanduser()
    from smtpshell.handout.from_text import UnknownTranscript, text_handout

    try:
        text = path.read_bytes().decode("utf-8", "replace")
        handout = text_handout(text, str(path))
    except (OSError, UnknownTranscript) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        what = reason if isinstance(error, UnknownTranscript) else f"{path}: {reason}"
        print(f"smtpshell replay: {what}", file=sys.stderr)
        return 2
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        from smtpshell.explain.command import main as explain_main

        return explain_main(["explain", "--file", str(path)])
    from smtpshell.tui.demo_transcript import TranscriptReplayApp

    result = TranscriptReplayApp(handout, theme=_theme(options.theme)).run()
    return result if isinstance(result, int) else 0
