"""Why Tab found nothing: one line the learner can act on, for each way a line can leave nothing to complete."""

from __future__ import annotations

import pytest

from smtpshell.proto.client_state import ClientState
from smtpshell.session.completion import complete
from smtpshell.session.completion_hint import nothing_to_complete


def after_ehlo(**extensions: str) -> ClientState:
    return ClientState(connected=True, greeted=True, helo="me", esmtp=True, extensions=dict(extensions))


@pytest.mark.parametrize(
    ("text", "state", "why"),
    [
        ("AUTH ", after_ehlo(STARTTLS="", PIPELINING=""), "AUTH is offered only after STARTTLS"),
        ("AUTH ", after_ehlo(PIPELINING=""), "did not offer AUTH"),
        ("AUTH ", ClientState(connected=True, greeted=True), "send EHLO first"),
        ("MAIL FROM:<x@y>", after_ehlo(SIZE="1000"), "type a space for MAIL's parameters"),
        ("QUIT ", after_ehlo(), "QUIT takes no argument"),
        ("XYZZY", after_ehlo(), "no SMTP command starts with 'XYZZY'"),
        ("/nosuch", after_ehlo(), "no shell command starts with '/nosuch'"),
        ("MAIL FROM:<a@b> SIZE=1 ", ClientState(connected=True, greeted=True, helo="me"), "need EHLO"),
    ],
)
def test_each_empty_completion_says_why(text: str, state: ClientState, why: str) -> None:
    assert complete(text, state) == []  # the hint is only for lines where Tab really finds nothing
    assert why in nothing_to_complete(text, state)


def test_in_a_message_or_an_auth_answer_nothing_completes() -> None:
    state = after_ehlo()
    state.in_data = True
    assert "reading the message" in nothing_to_complete("Subject: hi", state)
    state = after_ehlo(AUTH="PLAIN")
    state.auth_mechanism = "PLAIN"
    assert "base64" in nothing_to_complete("dGVzdA", state)
