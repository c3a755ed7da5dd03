"""An AUTH line with a tab between its words (servers such as Postfix split commands on any white space) carries
credentials as surely as one with spaces: it is held on an unencrypted far connection, hidden in records and
left out of the history file."""

from __future__ import annotations

from base64 import b64encode

import pytest

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import Reply
from smtpshell.session.redact import HIDDEN, history_line, is_auth_line, redact_command
from smtpshell.session.safety import carries_credentials

SECRET = b64encode(b"\0alice\0c0rrect-h0rse").decode()
LINES = [f"AUTH\tPLAIN {SECRET}", f"AUTH \tPLAIN\t{SECRET}", f"\tauth plain {SECRET}", f"AUTH PLAIN {SECRET}"]


@pytest.fixture
def state() -> ClientState:
    state = ClientState()
    state.apply("EHLO me", Reply(250, ("x", "AUTH PLAIN LOGIN")))
    return state


@pytest.mark.parametrize("line", LINES)
def test_tabs_do_not_hide_credentials_from_the_guard(line: str, state: ClientState) -> None:
    assert is_auth_line(line)
    assert carries_credentials(line, state, auth_response=False)
    assert SECRET not in redact_command(line) and HIDDEN in redact_command(line)
    assert (history_line(line) or "").upper() == "AUTH PLAIN"
