"""What the transport itself owes: the connection cap, timeouts, delays in order, faults across connections,
delivery before the 250 (Maildir), a clean stop."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.net.sandbox import Sandbox, SandboxError, SandboxThread
from smtpshell.net.server_log import LogEntry, SessionClosed
from smtpshell.proto.faults import preset_rule
from smtpshell.proto.policy import SandboxPolicy
from tests.net.wire import WireClient


def policy_with(*faults: str, **settings: float) -> SandboxPolicy:
    policy = SandboxPolicy(**settings)  # type: ignore[arg-type]
    policy.faults.rules.extend(preset_rule(spec) for spec in faults)
    return policy


class SessionEnds:
    """Counts finished sessions, so a test can wait for the server to notice a close (no sleeping)."""

    def __init__(self, sandbox: SandboxThread) -> None:
        self.count = 0
        self._changed = threading.Condition()
        sandbox.log.subscribe(self._heard)

    def _heard(self, entry: LogEntry) -> None:
        if isinstance(entry.item, SessionClosed):
            with self._changed:
                self.count += 1
                self._changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.count >= count, timeout=10)


@pytest.fixture
def capped(smtpshell_home: Path) -> Iterator[SandboxThread]:
    with SandboxThread(max_connections=2, data_dir=smtpshell_home) as running:
        yield running


def test_connections_over_the_cap_get_421_and_are_closed(capped: SandboxThread) -> None:
    ends = SessionEnds(capped)
    first, second = WireClient(capped.port), WireClient(capped.port)
    try:
        assert first.reply()[0] == 220 and second.reply()[0] == 220
        third = WireClient(capped.port)
        code, lines = third.reply()
        assert code == 421 and lines[0].startswith("4.3.2 ")
        assert third.at_eof()
        third.close()
        ends.wait_for(1)  # the refused one
        first.command("QUIT")
        first.close()
        ends.wait_for(2)
        fourth = WireClient(capped.port)  # a place is free again
        assert fourth.reply()[0] == 220
        fourth.close()
    finally:
        first.close()
        second.close()


def test_an_idle_client_gets_421_timeout_and_is_closed(smtpshell_home: Path) -> None:
    with SandboxThread(SandboxPolicy(command_timeout=0.3), data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        assert client.reply()[0] == 220
        assert client.command("EHLO client.example")[0] == 250
        started = time.monotonic()
        code, lines = client.reply()  # nothing more sent: the next thing to arrive is the timeout
        assert code == 421 and lines[0].startswith("4.4.2")
        assert time.monotonic() - started >= 0.25
        assert client.at_eof()
        client.close()


def test_a_client_that_keeps_talking_is_not_timed_out(smtpshell_home: Path) -> None:
    with SandboxThread(SandboxPolicy(command_timeout=0.8), data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        client.reply()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # busy for longer than the timeout, never idle that long
            assert client.command("NOOP")[0] == 250
        client.close()


def test_the_data_phase_has_its_own_timeout(smtpshell_home: Path) -> None:
    policy = SandboxPolicy(command_timeout=60, data_timeout=0.3)
    with SandboxThread(policy, data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        client.reply()
        client.command("HELO client.example")
        client.command("MAIL FROM:<alice@sandbox.test>")
        client.command("RCPT TO:<bob@sandbox.test>")
        assert client.command("DATA")[0] == 354
        client.send(b"Subject: half a message\r\n")
        assert client.reply()[0] == 421
        client.close()
        assert sandbox.store.messages() == []


def test_a_delayed_reply_comes_late_and_pipelined_replies_keep_their_order(smtpshell_home: Path) -> None:
    with SandboxThread(policy_with("delay:NOOP:0.3"), data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        client.reply()
        client.command("EHLO client.example")
        started = time.monotonic()
        client.send(b"NOOP\r\nRSET\r\nHELP\r\n")
        assert client.reply()[0] == 250  # NOOP, after the delay
        assert time.monotonic() - started >= 0.25
        assert client.reply()[1] == ["2.0.0 Ok"]  # RSET
        assert client.reply()[0] == 214  # HELP
        commands = [e.item for e in sandbox.log.entries() if type(e.item).__name__ == "CommandReceived"]
        assert len(commands) == 4
        client.close()


def test_a_client_that_half_closes_still_gets_its_delayed_replies(smtpshell_home: Path) -> None:
    with SandboxThread(policy_with("delay:NOOP:0.2"), data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        client.reply()
        client.send(b"NOOP\r\nNOOP\r\n")
        client.sock.shutdown(socket.SHUT_WR)  # as `printf ... | nc` does once its input ends
        assert client.reply()[0] == 250
        assert client.reply()[0] == 250
        assert client.at_eof()
        client.close()


def test_a_disconnect_fault_closes_the_connection(smtpshell_home: Path) -> None:
    with SandboxThread(policy_with("disconnect:MAIL"), data_dir=smtpshell_home) as sandbox:
        client = WireClient(sandbox.port)
        client.reply()
        client.command("HELO client.example")
        client.send(b"MAIL FROM:<alice@sandbox.test>\r\n")
        assert client.at_eof()
        client.close()


def test_greylisting_refuses_the_first_attempt_and_accepts_the_retry_on_a_new_connection(
    smtpshell_home: Path,
) -> None:
    with SandboxThread(policy_with("greylist"), data_dir=smtpshell_home) as sandbox:
        with (
            smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp,
            pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
        ):
            smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: try 1\r\n\r\nx\r\n")
        code, text = refused.value.recipients["bob@sandbox.test"]
        assert code == 451 and text.startswith(b"4.7.1")
        assert sandbox.store.messages() == []
        with smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp:
            assert smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: try 2\r\n\r\nx\r\n") == {}
        [message] = sandbox.store.messages()
        assert b"try 2" in message.content


def test_a_message_that_got_250_is_already_in_the_maildir(tmp_path: Path, smtpshell_home: Path) -> None:
    maildir = tmp_path / "Maildir"
    with (
        SandboxThread(maildir=maildir, data_dir=smtpshell_home) as sandbox,
        smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp,
    ):
        smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: kept\r\n\r\nsafe on disk\r\n")
        [path] = (maildir / "new").iterdir()  # read while the connection is still open, right after the 250
        assert path.read_bytes().endswith(b"Subject: kept\n\nsafe on disk\n")
        assert list((maildir / "tmp").iterdir()) == []


def test_a_maildir_that_fails_gives_451_and_no_message(tmp_path: Path, smtpshell_home: Path) -> None:
    maildir = tmp_path / "Maildir"
    with SandboxThread(maildir=maildir, data_dir=smtpshell_home) as sandbox:
        (maildir / "new").rmdir()
        (maildir / "new").write_text("in the way")
        with (
            smtplib.SMTP("127.0.0.1", sandbox.port, timeout=10) as smtp,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], b"Subject: lost\r\n\r\nx\r\n")
        assert refused.value.smtp_code == 451
        assert sandbox.store.messages() == []


def test_stopping_tells_connected_clients_421(smtpshell_home: Path) -> None:
    sandbox = SandboxThread(data_dir=smtpshell_home).start()
    client = WireClient(sandbox.port)
    try:
        client.reply()
        sandbox.stop()
        code, lines = client.reply()
        assert code == 421 and lines[0].startswith("4.3.2")
        assert client.at_eof()
    finally:
        client.close()
        sandbox.stop()  # a second stop is harmless


def test_a_port_in_use_is_a_clear_error(sandbox: SandboxThread) -> None:
    with pytest.raises(SandboxError, match="already in use"):
        SandboxThread(port=sandbox.port).start()


def test_it_listens_on_loopback_by_default() -> None:
    assert Sandbox().host == "127.0.0.1"
