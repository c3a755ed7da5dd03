"""`smtpshell web [--host 127.0.0.1] [--port 8000]`: serve the full-screen shell to browser tabs.

Rule: safe by default. It listens on loopback unless told otherwise, and binding anything else prints a warning,
since anyone who can reach the port gets a shell (each with its own sandbox, which sends no mail outward, but a
shell all the same). A port in use is a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import socket
import sys

MAX_TABS = 20  # each tab is a process of about 50 MB: 20 fit a teacher's laptop


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell web",
        description="Serve the full-screen shell in a browser: each tab gets its own shell and its own sandbox "
        "(or talks to --connect HOST[:PORT], a class server). Nothing is fetched from the internet.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000)")
    parser.add_argument(
        "--max-tabs", type=int, default=MAX_TABS, metavar="N", help=f"shells open at once (default: {MAX_TABS})"
    )
    parser.add_argument("--connect", metavar="HOST[:PORT]", help="every tab talks to this server, not a sandbox")
    parser.add_argument("--theme", metavar="NAME", help="the tabs' theme, such as high-contrast")
    return parser


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> str | None:
    """Why the server cannot listen there, or None. (The server binds again itself; this gives the message.)"""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"cannot listen on {host}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use (another program listens there); choose another with --port N"
            if error.errno == errno.EACCES:
                return f"not allowed to listen on port {port}; ports below 1024 need privileges: try --port 8000"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv[1:])
    if not 0 < options.port < 65536:
        print(f"smtpshell web: --port wants a number from 1 to 65535, not {options.port}", file=sys.stderr)
        return 2
    if options.max_tabs < 1:
        print("smtpshell web: --max-tabs wants 1 or more", file=sys.stderr)
        return 2
    if options.connect:
        from smtpshell.session.target import TargetError, parse_host_port

        try:
            parse_host_port(options.connect, 25)
        except TargetError as error:
            print(f"smtpshell web: {error}", file=sys.stderr)
            return 2
    problem = check_port(options.host, options.port)
    if problem is not None:
        print(f"smtpshell web: {problem}", file=sys.stderr)
        return 1
    if not is_loopback(options.host):
        print(
            f"smtpshell web: WARNING: listening on {options.host}, not on loopback: anyone who can reach this "
            f"machine on port {options.port} can open a shell here (up to {options.max_tabs} at once), and each "
            "shell can /connect to mail servers from this machine. Use it on a trusted classroom network only.",
            file=sys.stderr,
        )
    from aiohttp import web

    from smtpshell.web.server import ShellWebServer, WebSettings

    shell_args = []
    if options.connect:
        shell_args += ["--connect", options.connect]
    if options.theme:
        shell_args += ["--theme", options.theme]
    server = ShellWebServer(WebSettings(options.host, options.port, options.max_tabs, shell_args))
    shown = f"[{options.host}]" if ":" in options.host else options.host
    print(
        f"smtpshell web: serving the shell on http://{shown}:{options.port}/ (each tab its own shell and "
        f"{'connection to ' + options.connect if options.connect else 'sandbox'}, at most {options.max_tabs}); "
        "Ctrl+C stops.",
        flush=True,
    )
    try:
        web.run_app(server.application(), host=options.host, port=options.port, print=None, handle_signals=True)
    except OSError as error:
        print(f"smtpshell web: cannot listen on {options.host}:{options.port}: {error.strerror}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    return 0
