"""The client's waits are RFC 5321 §4.5.3.2's, chosen by the command the reply answers."""

from __future__ import annotations

import pytest

from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING
from smtpshell.proto.timeouts import OTHER_TIMEOUT, REPLY_TIMEOUTS, reply_timeout


@pytest.mark.parametrize(
    ("command", "minutes", "section"),
    [
        (GREETING, 5, "§4.5.3.2.1"),
        ("MAIL FROM:<alice@example.test>", 5, "§4.5.3.2.2"),
        ("mail from:<>", 5, "§4.5.3.2.2"),
        ("RCPT TO:<bob@example.test>", 5, "§4.5.3.2.3"),
        ("DATA", 2, "§4.5.3.2.4"),
        (DATA_END, 10, "§4.5.3.2.6"),
        ("BDAT 100 LAST", 10, "§4.5.3.2.6"),
        ("EHLO client.test", 5, "§4.5.3.2"),
        ("  noop", 5, "§4.5.3.2"),
        (AUTH_RESPONSE, 5, "§4.5.3.2"),
        ("", 5, "§4.5.3.2"),
    ],
)
def test_each_command_gets_its_wait(command: str, minutes: int, section: str) -> None:
    row = reply_timeout(command)
    assert row.seconds == minutes * 60
    assert row.section == f"RFC 5321 {section}"
    assert row.why


def test_unknown_verbs_wait_like_the_others() -> None:
    assert reply_timeout("XYZZY") is OTHER_TIMEOUT


def test_no_wait_is_shorter_than_the_rfc_minimum_of_two_minutes() -> None:
    assert min(row.seconds for row in REPLY_TIMEOUTS.values()) == 120
