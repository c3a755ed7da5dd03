"""Delivery handed to the transport: a machine made without a deliver callback asks with Deliver, sends nothing
more (not the 250, not the replies to commands pipelined after the message) until ``delivery_done``."""

from __future__ import annotations

from smtpshell.proto import server
from smtpshell.proto.events import Deliver, MessageAccepted, SendReply
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.server import ServerConnection

TRANSACTION = (
    b"EHLO client.example\r\nMAIL FROM:<alice@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n"
    b"Subject: x\r\n\r\nbody\r\n.\r\nNOOP\r\n"
)


def _codes(outputs: list[object]) -> list[int]:
    return [o.reply.code for o in outputs if isinstance(o, SendReply)]


def test_the_250_waits_for_the_transport_to_store_the_message() -> None:
    machine = ServerConnection(SandboxPolicy(), None)
    machine.start()
    out = machine.receive_data(TRANSACTION)
    assert _codes(out) == [250, 250, 250, 354]
    assert isinstance(out[-1], Deliver) and out[-1].message.content.endswith(b"body\r\n")
    assert machine.phase == server.DELIVERY
    assert machine.receive_data(b"RSET\r\n") == []  # held, not read, while the disk works
    done = machine.delivery_done()
    assert isinstance(done[0], MessageAccepted)
    assert _codes(done) == [250, 250, 250]  # the message, then NOOP and RSET in order
    assert machine.phase == server.COMMAND


def test_a_failed_store_is_a_451_and_the_session_goes_on() -> None:
    machine = ServerConnection(SandboxPolicy(), None)
    machine.start()
    machine.receive_data(TRANSACTION)
    done = machine.delivery_done("the disk is full")
    replies = [o for o in done if isinstance(o, SendReply)]
    assert [r.reply.code for r in replies] == [451, 250]
    assert "the disk is full" in replies[0].reason
    assert not any(isinstance(o, MessageAccepted) for o in done)
