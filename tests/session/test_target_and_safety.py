"""Targets from HOST[:PORT], and the checks the shell makes before a typed line goes out."""

from __future__ import annotations

import pytest

from smtpshell.proto.client_state import GREETING, ClientState
from smtpshell.proto.replies import Reply
from smtpshell.session.safety import forbidden_character, pointless_warning
from smtpshell.session.target import Target, TargetError, parse_connect_args, parse_host_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail.example", ("mail.example", 25)),
        ("mail.example:587", ("mail.example", 587)),
        ("127.0.0.1:2525", ("127.0.0.1", 2525)),
        ("::1", ("::1", 25)),
        ("[::1]:2525", ("::1", 2525)),
        ("[::1]", ("::1", 25)),
    ],
)
def test_host_port_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text) == expected


@pytest.mark.parametrize("text", ["", "host:", "host:0", "host:70000", "host:abc", "[::1", "[::1]x", ":25"])
def test_bad_host_port_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_host_port(text)
    assert str(caught.value)


def test_connect_args_choose_the_tls_port_and_options() -> None:
    target = parse_connect_args(["mail.example", "--tls", "--cafile", "ca.pem"])
    assert target == Target("remote", "mail.example", 465, "implicit", False, "ca.pem")
    assert parse_connect_args(["[::1]:2525", "--starttls", "--insecure"]) == Target(
        "remote", "::1", 2525, "starttls", True, None
    )
    assert Target("remote", "::1", 2525).describe() == "[::1]:2525"


@pytest.mark.parametrize("words", [[], ["a", "b"], ["a", "--tls", "--starttls"], ["a", "--cafile"], ["a", "--bogus"]])
def test_bad_connect_args(words: list[str]) -> None:
    with pytest.raises(TargetError):
        parse_connect_args(words)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("MAIL FROM:<a@b>", None),
        ("RCPT TO:<a@b>\r\nRSET", "a carriage return (CR)"),
        ("NOOP\nQUIT", "a line feed (LF)"),
        ("HELO a\x00b", "a NUL character"),
    ],
)
def test_forbidden_characters(line: str, found: str | None) -> None:
    assert forbidden_character(line) == found


def _state(*steps: tuple[str, int, str]) -> ClientState:
    state = ClientState()
    state.apply(GREETING, Reply(220, ("sandbox.test ESMTP",)))
    for command, code, text in steps:
        state.apply(command, Reply(code, tuple(text.split("\n"))))
    return state


EHLO = ("EHLO me.example", 250, "sandbox.test\nSTARTTLS\nCHUNKING")
MAIL = ("MAIL FROM:<a@sandbox.test>", 250, "2.1.0 OK")
RCPT = ("RCPT TO:<bob@sandbox.test>", 250, "2.1.5 OK")


@pytest.mark.parametrize(
    ("steps", "line", "warned"),
    [
        ((), "MAIL FROM:<a@sandbox.test>", "MAIL before EHLO"),
        ((EHLO,), "MAIL FROM:<a@sandbox.test>", None),
        ((EHLO, MAIL), "MAIL FROM:<a@sandbox.test>", "already open"),
        ((EHLO,), "RCPT TO:<bob@sandbox.test>", "RCPT before MAIL"),
        ((EHLO, MAIL), "RCPT TO:<bob@sandbox.test>", None),
        ((EHLO,), "DATA", "no transaction"),
        ((EHLO, MAIL), "DATA", "no recipient"),
        ((EHLO, MAIL), "bdat 10 last", "no recipient"),
        ((EHLO, MAIL, RCPT), "DATA", None),
        ((), "AUTH PLAIN", "AUTH before EHLO"),
        ((EHLO,), "NOOP", None),
        ((), "QUIT", None),
    ],
)
def test_pointless_commands_are_warned_about(
    steps: tuple[tuple[str, int, str], ...], line: str, warned: str | None
) -> None:
    warning = pointless_warning(line, _state(*steps))
    if warned is None:
        assert warning is None
    else:
        assert warning is not None and warned in warning and "again" in warning


ENHANCED_EHLO = ("EHLO me.example", 250, "sandbox.test\nENHANCEDSTATUSCODES")


@pytest.mark.parametrize(
    ("steps", "line", "predicted"),
    [
        ((), "MAIL FROM:<a@sandbox.test>", "answer 503."),  # no EHLO yet: no enhanced code (RFC 2034 §3)
        ((), "AUTH PLAIN", "answer 503."),
        ((EHLO,), "DATA", "answer 503."),  # EHLO without ENHANCEDSTATUSCODES
        ((ENHANCED_EHLO,), "DATA", "answer 503 5.5.1."),
    ],
)
def test_the_predicted_reply_has_an_enhanced_code_only_when_advertised(
    steps: tuple[tuple[str, int, str], ...], line: str, predicted: str
) -> None:
    warning = pointless_warning(line, _state(*steps))
    assert warning is not None and predicted in warning
