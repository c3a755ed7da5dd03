"""A 334 that answers anything but AUTH (a hostile server's "login prompt" after MAIL) is not explained as a
challenge to answer: no AUTH exchange is under way, so the explanation says not to send credentials, and the
shell does not take the next line for a login answer."""

from __future__ import annotations

from smtpshell.explain.engine import explain_reply
from smtpshell.proto.client_state import AUTH_RESPONSE
from smtpshell.proto.replies import Reply

USERNAME = Reply.make(334, "VXNlcm5hbWU6")  # base64 of "Username:"


def test_a_334_to_mail_is_a_prompt_nobody_asked_for() -> None:
    explanation = explain_reply(USERNAME, "MAIL FROM:<alice@example.org>")
    assert explanation.decoded is None
    assert "send it as one base64 line" not in explanation.meaning
    assert "no AUTH exchange" in explanation.meaning and "credentials" in explanation.meaning
    assert "nobody asked for" in explanation.headline
    assert not [step for step in explanation.next_steps if "base64" in step]


def test_a_334_to_auth_is_still_a_challenge_to_answer() -> None:
    for command in ("AUTH LOGIN", AUTH_RESPONSE):
        explanation = explain_reply(USERNAME, command)
        assert explanation.decoded == "Username:"
        assert "user name" in explanation.meaning
        assert "nobody asked for" not in explanation.headline
