"""`smtpshell connect --mx DOMAIN` and `smtpshell --plain --mx DOMAIN`: the domain's mail servers listed, then one
chosen by number on a terminal; without a terminal the list is the whole output. DNS is a real UDP server on
127.0.0.1 (tests/client/dns_server.py) given with --nameserver.
"""

from __future__ import annotations

import asyncio
import os
import pty
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pytest

from smtpshell.session.target import Target
from smtpshell.shell_command import build_parser, choose_mx_target
from tests.client.dns_server import dns_thread, loopback_nameserver

LISTED = [
    "1. mx1.example.test  (preference 10)",
    "2. mx2.example.test  (preference 10)",
    "3. backup.example.test  (preference 20)",
    "4. last.test  (preference 30)",
]

QUESTION = "Connect to which? 1-4, or N:PORT for another port (Enter: 1; q: quit): "


async def run_smtpshell(home: Path, *args: str) -> tuple[int, str, str]:
    """smtpshell in a fresh process with standard input that is not a terminal (/dev/null)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smtpshell",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "SMTPSHELL_HOME": str(home)},
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("command", [["connect"], ["--plain"]])
async def test_without_a_terminal_the_list_is_printed_and_the_exit_status_is_0(
    tmp_path: Path, command: list[str]
) -> None:
    async with loopback_nameserver() as (address, dns_server):
        status, out, err = await run_smtpshell(tmp_path, *command, "--mx", "example.test", "--nameserver", address)
    assert status == 0, out + err
    lines = out.splitlines()
    assert lines[0] == "Mail for example.test goes to these 4 servers, in the order senders try them:"
    assert lines[1:5] == LISTED
    assert "nothing was chosen" in out and err == ""
    assert dns_server.questions == ["example.test."]
    assert not (tmp_path / "history").exists()  # no shell ran


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["connect", "--mx", "nowhere.test"], 1, "The domain nowhere.test does not exist (DNS answered NXDOMAIN)."),
        (["connect", "--mx", "nomail.test"], 1, "The domain says it accepts no mail (a null MX, RFC 7505)."),
        (["connect"], 2, "give the server to talk to, HOST[:PORT], or --mx DOMAIN"),
        (["connect", "mail.test", "--mx", "example.test"], 2, "give a server or --mx DOMAIN, not both"),
        (["--connect", "mail.test", "--mx", "example.test"], 2, "give a server or --mx DOMAIN, not both"),
    ],
)
async def test_failures_are_a_message_and_an_exit_status(
    tmp_path: Path, args: list[str], status: int, said: str
) -> None:
    async with loopback_nameserver() as (address, _):
        got, out, err = await run_smtpshell(tmp_path, *args, "--nameserver", address)
    assert got == status and said in err and "Traceback" not in err, out + err


async def test_a_nameserver_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    status, _, err = await run_smtpshell(tmp_path, "connect", "--mx", "example.test", "--nameserver", "dns.test")
    assert status == 1 and "'dns.test' is not a DNS server address" in err and "Traceback" not in err


@contextmanager
def terminal() -> Iterator[tuple[int, TextIO, TextIO]]:
    """A real pseudo-terminal: its master end (the keyboard and screen) and its slave end as text files."""
    master, slave = pty.openpty()
    stdin = os.fdopen(slave, "r", encoding="utf-8")
    stdout = os.fdopen(os.dup(slave), "w", encoding="utf-8")
    try:
        yield master, stdin, stdout
    finally:
        stdin.close()
        stdout.close()
        os.close(master)


def screen(master: int, until: str, times: int = 1) -> str:
    """What the terminal shows, read until ``until`` has appeared ``times`` (select waits for output)."""
    seen = ""
    while seen.replace("\r\n", "\n").count(until) < times:
        ready, _, _ = select.select([master], [], [], 10)
        assert ready, f"the terminal never showed {until!r}; it showed {seen!r}"
        seen += os.read(master, 65536).decode("utf-8", "replace")
    return seen.replace("\r\n", "\n")


def test_on_a_terminal_a_number_picks_the_server_and_mistakes_ask_again(tmp_path: Path) -> None:
    with dns_thread() as (address, _), terminal() as (master, stdin, stdout):
        options = build_parser("connect").parse_args(["--mx", "example.test", "--starttls", "--nameserver", address])
        os.write(master, b"9\nsmtp\n2:587\n")  # typed ahead: the terminal keeps the lines until they are read
        chosen = choose_mx_target(options, stdin, stdout, sys.stderr)
        shown = screen(master, QUESTION, times=3)
    assert not isinstance(chosen, int)
    target, choice = chosen
    assert target == Target("remote", "mx2.example.test", 587, "starttls")
    assert [host.host for host in choice.result.hosts][:2] == ["mx1.example.test", "mx2.example.test"]
    for row in LISTED:
        assert row in shown
    assert "choose a number from 1 to 4 (you typed 9)." in shown
    assert "'smtp' is not one of the numbers 1 to 4." in shown


@pytest.mark.parametrize(("typed", "expected"), [(b"\n", "mx1.example.test"), (b"q\n", None), (b"\x04", None)])
def test_on_a_terminal_enter_takes_the_first_and_q_or_end_of_input_quits(typed: bytes, expected: str | None) -> None:
    with dns_thread() as (address, _), terminal() as (master, stdin, stdout):
        options = build_parser("shell").parse_args(["--mx", "example.test", "--nameserver", address])
        os.write(master, typed)
        chosen = choose_mx_target(options, stdin, stdout, sys.stderr)
    if expected is None:
        assert chosen == 0
    else:
        assert not isinstance(chosen, int) and chosen[0] == Target("remote", expected, 25)
