"""Where a command may stand in a pipelined group is one fact of the command table, read by the shell's pasting
and by the lesson checker alike."""

from __future__ import annotations

import pytest

from smtpshell.proto.commands import COMMANDS
from smtpshell.session.pipelining import group_length


@pytest.mark.parametrize("verb", [c.verb for c in COMMANDS.values() if c.pipelining == "alone"])
def test_a_command_sent_alone_is_never_in_a_group(verb: str) -> None:
    line = COMMANDS[verb].example
    assert group_length(["MAIL FROM:<a@sandbox.test>", line, "RSET"]) == 1
    assert group_length([line, "RSET"]) == 0


@pytest.mark.parametrize("verb", [c.verb for c in COMMANDS.values() if c.pipelining == "last"])
def test_a_command_whose_reply_matters_closes_the_group(verb: str) -> None:
    assert group_length(["MAIL FROM:<a@sandbox.test>", COMMANDS[verb].example, "RSET"]) == 2


def test_the_roles_follow_rfc_2920_and_keep_auth_and_bdat_out_of_groups() -> None:
    last = {c.verb for c in COMMANDS.values() if c.pipelining == "last"}
    assert {"EHLO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP"} <= last  # RFC 2920 §3.1
    assert "STARTTLS" in last  # RFC 3207 §4.2: what follows is sent over TLS
    assert {c.verb for c in COMMANDS.values() if c.pipelining == "alone"} == {"AUTH", "BDAT"}
