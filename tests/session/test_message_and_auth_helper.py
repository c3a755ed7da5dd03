"""The DATA helpers (template, dot-stuffing) and the /auth helper, checked against the sandbox's own SASL code."""

from __future__ import annotations

import email
import email.policy

import pytest

from smtpshell.proto.auth import AuthExchange, b64decode
from smtpshell.proto.client_state import GREETING, ClientState
from smtpshell.proto.framing import DataReader
from smtpshell.proto.replies import Reply
from smtpshell.session.auth_helper import MASK, AuthHelperError, ClientAuth
from smtpshell.session.message import data_payload, message_template, split_message_text, stuffed_lines


def test_template_is_a_parseable_message_from_the_envelope() -> None:
    state = ClientState()
    state.apply(GREETING, Reply(220))
    state.apply("EHLO me.example", Reply(250, ("sandbox.test",)))
    state.apply("MAIL FROM:<alice@sandbox.test>", Reply(250))
    state.apply("RCPT TO:<bob@sandbox.test>", Reply(250))
    state.apply("RCPT TO:<carol@sandbox.test>", Reply(250))
    parsed = email.message_from_string(message_template(state), policy=email.policy.default)
    assert parsed["From"] == "alice@sandbox.test"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["bob@sandbox.test", "carol@sandbox.test"]
    assert parsed["Subject"] and parsed["Date"].datetime is not None
    assert parsed["Message-ID"].endswith("@sandbox.test>")
    assert parsed.get_content().strip()


def test_dot_stuffing_round_trips_through_the_servers_reader() -> None:
    lines = ["Subject: dots", "", ".", "..two", ".leading", "plain"]
    stuffed, doubled = stuffed_lines(lines)
    assert doubled == 3 and stuffed[2:5] == ["..", "...two", "..leading"]
    payload = data_payload(lines)
    assert payload.endswith(b"\r\n.\r\n")
    reader = DataReader(size_limit=10_000)
    buffer = bytearray(payload)
    reader.feed(buffer)
    assert reader.done and not buffer  # the sandbox's reader found the end of the message, and nothing after
    assert bytes(reader.content) == b"".join(line.encode() + b"\r\n" for line in lines)


def test_raw_payload_is_not_stuffed_and_empty_message_is_only_the_end() -> None:
    assert data_payload([".x"], raw=True) == b".x\r\n.\r\n"
    assert data_payload([]) == b".\r\n"


def test_split_message_text_accepts_lf_and_crlf() -> None:
    assert split_message_text("a\r\nb\nc\n") == ["a", "b", "c"]
    assert split_message_text("a\n\nb") == ["a", "", "b"]


def _server(mechanism: str) -> AuthExchange:
    users = {"alice": "wonderland"}
    return AuthExchange(mechanism, lambda u, p: users.get(u) == p, users.get, challenge_text="<1.2@sandbox.test>")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
@pytest.mark.parametrize(("password", "accepted"), [("wonderland", True), ("guess", False)])
def test_client_auth_talks_to_the_servers_sasl(mechanism: str, password: str, accepted: bool) -> None:
    client = ClientAuth(mechanism, "alice", password)
    server = _server(mechanism)
    first = client.first()
    words = first.line.split()
    outcome = server.begin(words[2] if len(words) > 2 else None)
    for _ in range(3):
        if outcome.challenge is None:
            break
        step = client.answer(outcome.challenge)
        assert password not in step.explained and password not in step.shown
        outcome = server.respond(step.line)
    assert outcome.challenge is None and outcome.success is accepted and outcome.username == "alice"
    assert password not in first.shown and password not in first.explained


def test_plain_shows_the_structure_with_the_password_masked() -> None:
    step = ClientAuth("plain", "alice", "wonderland").first()
    assert b64decode(step.line.split()[2]) == b"\0alice\0wonderland"
    assert "\\0alice\\0" + MASK in step.explained
    assert step.shown == "AUTH PLAIN [credentials hidden]"


def test_one_challenge_too_many_or_garbage_is_an_error() -> None:
    client = ClientAuth("CRAM-MD5", "alice", "pw")
    client.answer("PDEyMz4=")
    with pytest.raises(AuthHelperError):
        client.answer("PDEyMz4=")
    with pytest.raises(AuthHelperError):
        ClientAuth("LOGIN", "a", "b").answer("not base64!")
