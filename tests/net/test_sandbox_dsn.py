"""The sandbox reports a recipient it accepted but cannot reach with an RFC 3464 delivery status notification to
the envelope sender, as a real relay does; smtplib is the client, Python's email package reads the report."""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator
from email.message import Message as EmailMessage
from pathlib import Path

import pytest

from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.policy import SandboxPolicy

MESSAGE = b"From: Alice <alice@sandbox.test>\r\nSubject: Hello friend\r\n\r\nThe body stays home.\r\n"


@pytest.fixture
def relay(smtpshell_home: Path) -> Iterator[SandboxThread]:
    with SandboxThread(SandboxPolicy(auth_over_plaintext=True), data_dir=smtpshell_home) as running:
        yield running


def send(relay: SandboxThread, sender: str, recipient: str, mail: list[str], rcpt: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as smtp:
        smtp.ehlo("client.example")
        smtp.login("alice", "wonderland")
        smtp.sendmail(sender, [recipient], MESSAGE, mail_options=mail, rcpt_options=rcpt)


def parsed(content: bytes) -> EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.compat32)


def test_a_recipient_outside_the_sandbox_comes_back_as_a_delivery_status_notification(relay: SandboxThread) -> None:
    send(
        relay,
        "alice@sandbox.test",
        "friend@example.org",
        ["RET=HDRS", "ENVID=QQ314159"],
        ["NOTIFY=FAILURE", "ORCPT=rfc822;friend@example.org"],
    )
    original, report = relay.store.messages()
    assert original.envelope.recipients == ("friend@example.org",)
    assert report.envelope.sender == "" and report.envelope.recipients == ("alice@sandbox.test",)
    dsn = parsed(report.content)
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert dsn["Auto-Submitted"] == "auto-replied"
    human, status, returned = dsn.get_payload()
    assert "friend@example.org" in human.get_payload()
    assert status.get_content_type() == "message/delivery-status"
    per_message, per_recipient = status.get_payload()
    assert per_message["Reporting-MTA"] == "dns; sandbox.test"
    assert per_message["Original-Envelope-Id"] == "QQ314159"
    assert per_recipient["Final-Recipient"] == "rfc822; friend@example.org"
    assert per_recipient["Original-Recipient"] == "rfc822;friend@example.org"
    assert per_recipient["Action"] == "failed" and per_recipient["Status"] == "5.4.4"
    assert returned.get_content_type() == "text/rfc822-headers"  # RET=HDRS: the headers only
    assert "Subject: Hello friend" in returned.get_payload() and "The body stays home" not in report.content.decode()


def test_without_ret_the_whole_message_comes_back(relay: SandboxThread) -> None:
    send(relay, "alice@sandbox.test", "friend@example.org", [], [])
    report = parsed(relay.store.messages()[-1].content)
    returned = report.get_payload()[2]
    assert returned.get_content_type() == "message/rfc822"
    assert "The body stays home." in returned.as_string()


@pytest.mark.parametrize(
    ("sender", "recipient", "rcpt"),
    [
        ("alice@sandbox.test", "friend@example.org", ["NOTIFY=NEVER"]),  # the sender asked for no report
        ("alice@sandbox.test", "friend@example.org", ["NOTIFY=SUCCESS"]),  # only on success
        ("", "friend@example.org", []),  # a bounce never bounces (RFC 5321 §4.5.5)
        ("alice@sandbox.test", "bob@sandbox.test", ["NOTIFY=FAILURE"]),  # delivered: nothing to report
    ],
)
def test_no_report_when_none_is_due(relay: SandboxThread, sender: str, recipient: str, rcpt: list[str]) -> None:
    send(relay, sender, recipient, [], rcpt)
    assert len(relay.store.messages()) == 1
