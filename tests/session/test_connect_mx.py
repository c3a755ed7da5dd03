"""/connect --mx DOMAIN lists a domain's mail servers in preference order; /connect N[:PORT] picks one.

DNS is a real UDP server on 127.0.0.1 (tests/client/dns_server.py), given to the engine as its nameserver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.net.sandbox import SandboxThread
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange
from tests.client.dns_server import LoopbackDNS, loopback_nameserver
from tests.session.helpers import changes, codes, notices


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[tuple[ShellEngine, LoopbackDNS]]:
    async with loopback_nameserver() as (address, dns_server):
        engine = ShellEngine(data_dir=smtpshell_home)
        engine.nameserver = address
        await engine.start()
        try:
            yield engine, dns_server
        finally:
            await engine.close()


async def test_the_list_is_numbered_in_preference_order_and_the_session_goes_on(
    engine: tuple[ShellEngine, LoopbackDNS],
) -> None:
    shell, dns_server = engine
    await shell.submit("/connect --mx Example.TEST")
    listing = notices(shell, "info")[-1]
    assert listing.text == "Mail for Example.TEST goes to these 4 servers, in the order senders try them:"
    rows = listing.detail.splitlines()[:4]
    assert rows == [
        "1. mx1.example.test  (preference 10)",
        "2. mx2.example.test  (preference 10)",
        "3. backup.example.test  (preference 20)",
        "4. last.test  (preference 30)",
    ]
    assert "Type /connect 1" in listing.detail
    assert dns_server.questions == ["example.test."]
    # Listing is not connecting: the sandbox session is still there.
    assert shell.connected and [c.event for c in changes(shell)] == ["connected"]
    await shell.submit("NOOP")
    assert codes(shell)[-1] == 250


async def test_picking_a_number_connects_to_that_host_with_the_options_given_to_mx(
    engine: tuple[ShellEngine, LoopbackDNS], sandbox: SandboxThread
) -> None:
    shell, _ = engine
    # loop.test's first MX is 127.0.0.1, where another sandbox plays a real server on a port of its own.
    await shell.submit("/connect --mx loop.test --starttls --insecure")
    await shell.submit(f"/connect 1:{sandbox.port}")
    assert shell.target.describe() == f"127.0.0.1:{sandbox.port}" and shell.target.kind == "remote"
    assert (shell.target.tls, shell.target.insecure) == ("starttls", True)
    tls = [c for c in changes(shell) if c.event == "tls"]
    assert tls and tls[-1].target == f"127.0.0.1:{sandbox.port}" and shell.state.tls
    connected = [c for c in changes(shell) if c.event == "connected"][-1]
    assert isinstance(connected, ConnectionChange) and connected.detail == f"127.0.0.1:{sandbox.port}"
    # Options given with the number replace those of --mx.
    await shell.submit(f"/connect 1:{sandbox.port} --insecure")
    assert (shell.target.tls, shell.target.insecure) == ("none", True) and not shell.state.tls
    assert shell.connected


@pytest.mark.parametrize(
    ("lines", "text", "detail"),
    [
        (["/connect 2"], "2 is a number, but there is no list to choose from", "then /connect N[:PORT]"),
        (["/connect --mx loop.test", "/connect 3"], "choose a number from 1 to 2 (you typed 3)", "Usage"),
        (["/connect --mx loop.test", "/connect 0:25"], "choose a number from 1 to 2 (you typed 0)", "Usage"),
        (["/connect --mx"], "--mx needs a value: --mx example.com", "Usage"),
        (["/connect mail.test --mx loop.test"], "give a host or --mx DOMAIN, not both", "Usage"),
        (["/connect --mx nowhere.test"], "The domain nowhere.test does not exist (DNS answered NXDOMAIN)", "spelling"),
        (["/connect --mx nomail.test"], "The domain says it accepts no mail (a null MX, RFC 7505)", "'.'"),
        (["/connect --mx servfail.test"], "No DNS server gave an answer about servfail.test", "SERVFAIL"),
        (["/connect --mx a..b"], "'a..b' is not a valid domain name", "labels"),
    ],
)
async def test_mistakes_and_failed_lookups_are_explained(
    engine: tuple[ShellEngine, LoopbackDNS], lines: list[str], text: str, detail: str
) -> None:
    shell, _ = engine
    for line in lines:
        await shell.submit(line)
    error = notices(shell, "error")[-1]
    assert text in error.text and detail in error.detail
    assert shell.connected and shell.target.kind == "sandbox"  # nothing was disturbed


async def test_a_domain_without_mx_records_lists_its_own_address(engine: tuple[ShellEngine, LoopbackDNS]) -> None:
    shell, _ = engine
    await shell.submit("/connect --mx a-only.test")
    listing = notices(shell, "info")[-1]
    assert "has no MX records" in listing.text
    assert listing.detail.splitlines()[0] == "1. a-only.test  (the implicit MX, RFC 5321 §5.1)"


async def test_a_bad_nameserver_is_a_clear_message(engine: tuple[ShellEngine, LoopbackDNS]) -> None:
    shell, _ = engine
    shell.nameserver = "dns.example"
    await shell.submit("/connect --mx example.test")
    error = notices(shell, "error")[-1]
    assert error.text == "'dns.example' is not a DNS server address" and "IP address" in error.detail
