"""550 is the ordinary "no" of VRFY and EXPN (RFC 5321 §3.5, §4.3.2), not a sign that they are switched off."""

from __future__ import annotations

import pytest

from smtpshell.explain import explain_reply
from tests.explain.test_explain_engine import greeted, wire


@pytest.mark.parametrize(
    ("command", "reply", "headline"),
    [
        ("VRFY zoe", "550 5.1.1 <zoe>: Recipient address rejected: User unknown", "No such mailbox here"),
        ("EXPN alice", "550 5.1.1 <alice>: not a mailing list", "Not a mailing list here"),
        ("VRFY zoe", "502 5.5.1 VRFY command is disabled", "VRFY is switched off here"),
        ("EXPN staff", "502 5.5.1 EXPN command is disabled", "EXPN is switched off here"),
        ("VRFY bob", "252 2.0.0 bob", "The server will not confirm the address"),
    ],
)
def test_vrfy_and_expn_replies_say_what_the_server_meant(command: str, reply: str, headline: str) -> None:
    explanation = explain_reply(wire(reply), command, greeted())
    assert explanation.headline.startswith(headline)
    if reply.startswith("550"):
        assert "switched off" not in explanation.headline + explanation.meaning
