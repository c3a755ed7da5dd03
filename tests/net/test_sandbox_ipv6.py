"""Over IPv6 the sandbox and the client write a peer's address the same way, so every reply's reason is found."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from smtpshell.net.client import ClientConnection
from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.events import SendReply


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
async def test_the_client_finds_its_replies_in_the_log_over_ipv6(smtpshell_home: Path) -> None:
    with SandboxThread(host="::1", data_dir=smtpshell_home) as sandbox:
        connection = await ClientConnection.open("::1", sandbox.port)
        try:
            greeting = await connection.read_reply()
            await connection.send_line("EHLO client.example")
            ehlo = await connection.read_reply()
        finally:
            await connection.close()
    assert connection.local_address.startswith("[::1]:")
    entries = sandbox.log.entries(peer=connection.local_address)
    replies = [entry.item.reply for entry in entries if isinstance(entry.item, SendReply)]
    assert [r.code for r in replies[:2]] == [greeting.code, ehlo.code] == [220, 250]
