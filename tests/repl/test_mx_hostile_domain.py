"""`connect --mx DOMAIN` writes the domain (and the resolver's words about it) with control characters escaped,
on standard output and standard error alike: a domain pasted from a hostile page cannot retitle the terminal.
DNS is the real loopback UDP server of tests/client/dns_server.py."""

from __future__ import annotations

import io

from smtpshell.shell_command import build_parser, choose_mx_target
from tests.client.dns_server import dns_thread

HOSTILE = "ev\x1b[2J\x07il.test"


def test_a_domain_that_does_not_exist_is_reported_escaped() -> None:
    out, err, stdin = io.StringIO(), io.StringIO(), io.StringIO("")
    with dns_thread() as (address, _):
        options = build_parser("connect").parse_args(["--mx", HOSTILE, "--nameserver", address])
        status = choose_mx_target(options, stdin, out, err)
    assert status == 1
    written = out.getvalue() + err.getvalue()
    assert "ev\\x1b[2J\\x07il" in written
    assert not [char for char in "\x1b\x07" if char in written]
