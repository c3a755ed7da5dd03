"""`smtpshell teach [HOST:PORT]`: the teacher's dashboard for a class server, here or on another machine.

Rule: the channel is found from the class server's SMTP greeting (or given with --channel), the token is checked
before the dashboard opens, and every problem is one clear line with exit status 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from smtpshell.net.client import split_host_port

TOKEN_VARIABLE = "SMTPSHELL_TEACHER_TOKEN"
DEFAULT_SERVER = "127.0.0.1:2525"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell teach",
        description="Open the teacher's dashboard on a class server (`smtpshell serve --class N`): a row per "
        "session updating live, a session's transcript with explanations, faults, mailboxes.",
    )
    parser.add_argument(
        "server", nargs="?", default=DEFAULT_SERVER, metavar="HOST:PORT", help=f"its SMTP address ({DEFAULT_SERVER})"
    )
    parser.add_argument("--token", help=f"the teacher token `serve` printed (or set {TOKEN_VARIABLE})")
    parser.add_argument("--channel", metavar="URL", help="the class channel's URL, when the greeting cannot be read")
    return parser


async def _check(server: str, channel: str | None, token: str) -> str:
    from smtpshell.classroom.teacher_client import TeacherClient, TeacherError, find_channel

    if channel is None:
        host, port = split_host_port(server, 2525)
        channel = await find_channel(host, port)
    async with TeacherClient(channel, token) as client:
        me = await client.me()
    if me.get("role") != "teacher":
        raise TeacherError("that token is a student's; the teacher token is the one `serve` printed at start")
    return channel


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv[1:])
    token = options.token or os.environ.get(TOKEN_VARIABLE)
    if not token:
        print(
            f"smtpshell teach: give the teacher token `serve --class` printed: --token TOKEN (or {TOKEN_VARIABLE})",
            file=sys.stderr,
        )
        return 2
    from smtpshell.classroom.teacher_client import TeacherError

    try:
        url = asyncio.run(_check(options.server, options.channel, token))
    except ValueError as error:
        print(f"smtpshell teach: {error}", file=sys.stderr)
        return 2
    except TeacherError as error:
        print(f"smtpshell teach: {error}", file=sys.stderr)
        return 1
    from smtpshell.tui.teach_app import TeachApp

    result = TeachApp(url, token).run()
    return result if isinstance(result, int) else 0
