"""Hostile input to the state machine: octets that are not UTF-8, digits from other scripts, control characters,
lines at and over their limits, and a client that keeps making errors. Each gets its RFC reply and, unless the
limit of errors is reached, the session goes on."""

from __future__ import annotations

import base64

import pytest

from smtpshell.explain import knowledge
from smtpshell.proto.events import Close, CommandReceived, SendReply
from smtpshell.proto.faults import FaultError, ReplySpec, preset_rule
from smtpshell.proto.policy import SandboxPolicy
from tests.proto.test_server_machine import Harness, codes, ehlo, open_txn


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


# Each row: what is sent after EHLO (or in a TLS session, for AUTH), and the reply the last line gets.
CRASHERS = [
    ("EHLO with octets that are not UTF-8", [b"EHLO \xff\xfe.test"], "501 5.5.4"),
    ("HELO with octets that are not UTF-8", [b"HELO \xff\xfe.test"], "501 5.5.4"),
    ("MAIL with octets that are not UTF-8", [b"MAIL FROM:<\xff@sandbox.test>"], "501 5.1.7"),
    ("MAIL SMTPUTF8, octets not UTF-8", [b"MAIL FROM:<\xff@sandbox.test> SMTPUTF8"], "501 5.1.7"),
    ("RCPT with octets that are not UTF-8", [b"MAIL FROM:<a@b.example>", b"RCPT TO:<bob@\xff\xfe.test>"], "501 5.1.3"),
    (
        "RCPT SMTPUTF8, octets not UTF-8",
        [b"MAIL FROM:<a@b.example> SMTPUTF8", b"RCPT TO:<bob@\xff\xfe.test>"],
        "501 5.1.3",
    ),
    ("SIZE with a superscript two", ["MAIL FROM:<a@b.example> SIZE=²".encode()], "501 5.5.4"),
    ("SIZE with Arabic-Indic digits", ["MAIL FROM:<a@b.example> SIZE=١٢".encode()], "501 5.5.4"),
    ("BDAT with a superscript two", ["BDAT ²".encode()], "501 5.5.4"),
    ("BDAT with Arabic-Indic digits", ["BDAT ١".encode()], "501 5.5.4"),
    ("address literal with Arabic-Indic digits", ["EHLO [١٢٧.0.0.1]".encode()], "501 5.5.4"),
]


@pytest.mark.parametrize(("lines", "expected"), [c[1:] for c in CRASHERS], ids=[c[0] for c in CRASHERS])
def test_a_hostile_argument_gets_its_reply_and_the_session_goes_on(lines: list[bytes], expected: str) -> None:
    h = Harness()
    ehlo(h)
    replies = h.send(b"".join(line + b"\r\n" for line in lines))
    assert codes(replies)[-1] == expected
    assert codes([h.line("NOOP")]) == ["250 2.0.0"]
    assert not h.server.closed


def test_a_cram_md5_answer_with_non_ascii_text_is_refused_with_535() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert h.line("AUTH CRAM-MD5").code == 334
    assert codes(h.send(_b64("alice é".encode()) + b"\r\n")) == ["535 5.7.8"]
    assert codes([h.line("NOOP")]) == ["250 2.0.0"]


def test_an_auth_line_of_octets_that_are_not_utf8_is_undecodable() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert h.line("AUTH LOGIN").code == 334
    assert codes(h.send(b"\xff\xfe\r\n")) == ["501 5.5.2"]
    assert codes([h.line("NOOP")]) == ["250 2.0.0"]


@pytest.mark.parametrize(
    "line",
    [
        b"VRFY \x1b]0;owned\x07@sandbox.test",
        b"EXPN \x1b[2J",
        b"HELP \x1b[2J",
        b"ETRN #\x1b[2J",
        b"RCPT TO:<\x1b[2J@sandbox.test>",
        b"XYZZY\x1b[2J",
        b"HELP \xff\xfe",
        "RCPT TO:<a\u202e@elsewhere.example>".encode(),
        "VRFY \u009b2J@x.example".encode(),
    ],
)
def test_a_reply_never_carries_control_characters_or_raw_octets_back(line: bytes) -> None:
    h = Harness(SandboxPolicy(max_errors=99))
    h.line("EHLO a.example")
    if line.startswith(b"RCPT"):
        h.send(b"MAIL FROM:<a@b.example> SMTPUTF8\r\n")
    (reply,) = h.send(line + b"\r\n")
    wire = reply.to_bytes().decode("utf-8")  # strict: raw octets that are not UTF-8 would fail here
    body = wire.removesuffix("\r\n")
    assert body.isprintable(), wire
    assert "\\x" in body or "\\u" in body  # shown escaped, so the user still sees what was sent
    reasons = [o.reason for o in h.outputs if isinstance(o, SendReply)]
    assert all(reason.isprintable() for reason in reasons)
    logged = [o.line for o in h.outputs if isinstance(o, CommandReceived)]
    assert all(line.isprintable() for line in logged), logged  # the F4 view and /server show these


# ---- line limits ----------------------------------------------------------------------------------------------


def _noop_line(octets: int, ending: bytes = b"\r\n") -> bytes:
    """A NOOP line of exactly ``octets`` octets, its line ending included."""
    return b"NOOP " + b"x" * (octets - 5 - len(ending)) + ending


@pytest.mark.parametrize(("octets", "expected"), [(511, "250 2.0.0"), (512, "250 2.0.0"), (513, "500 5.5.2")])
def test_a_command_line_is_at_most_512_octets_counting_its_crlf(octets: int, expected: str) -> None:
    h = Harness()
    ehlo(h)
    line = _noop_line(octets)
    assert len(line) == octets
    assert codes(h.send(line)) == [expected]
    assert codes([h.line("NOOP")]) == ["250 2.0.0"]


@pytest.mark.parametrize("octets", [512, 513])
def test_the_limit_holds_however_the_line_is_split(octets: int) -> None:
    whole, split = Harness(), Harness()
    line = _noop_line(octets)
    expected = whole.send(line)
    got = [reply for i in range(len(line)) for reply in split.send(line[i : i + 1])]
    assert codes(got) == codes(expected) == (["250"] if octets == 512 else ["500"])


def test_a_bare_lf_line_end_counts_one_octet() -> None:
    h = Harness()
    ehlo(h)
    assert codes(h.send(_noop_line(512, b"\n"))) == ["250 2.0.0"]
    assert codes(h.send(_noop_line(513, b"\n"))) == ["500 5.5.2"]


def test_mail_gets_the_room_its_offered_extensions_add_and_no_more() -> None:
    # SIZE 26 + 8BITMIME 16 + DSN 100 + SMTPUTF8 10 (RFC 1870, 6152, 3461, 6531); AUTH is not offered before TLS.
    limit = 512 + 26 + 16 + 100 + 10
    head = b"MAIL FROM:<a@b.example> SIZE=1 X="  # what follows is judged only once the length is
    for octets, too_long in ((limit, False), (limit + 1, True)):
        h = Harness()
        ehlo(h)
        line = head + b"x" * (octets - len(head) - 2) + b"\r\n"
        (reply,) = h.send(line)
        assert (reply.code == 500 and reply.text == "Line too long") is too_long, (octets, reply)
    helo = Harness()
    helo.line("HELO a.example")  # no extensions, so no extra room
    assert codes(helo.send(b"MAIL FROM:<a@b.example>" + b" " * 488 + b"\r\n")) == ["500"]


def test_rcpt_gets_room_for_dsn_only_and_other_verbs_none() -> None:
    h = Harness(SandboxPolicy(max_errors=99))
    open_txn(h)
    head = b"RCPT TO:<carol@sandbox.test> ORCPT=rfc822;"
    assert codes(h.send(head + b"x" * (1012 - len(head) - 2) + b"\r\n")) == ["250 2.1.5"]
    assert codes(h.send(head + b"x" * (1013 - len(head) - 2) + b"\r\n")) == ["500 5.5.2"]
    assert codes(h.send(b"VRFY " + b"x" * 506 + b"\r\n")) == ["500 5.5.2"]


def test_an_auth_exchange_line_has_its_own_limit_and_its_own_code() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert h.line("AUTH PLAIN").code == 334
    assert codes(h.send(b"A" * 12287 + b"\r\n")) == ["500 5.5.6"]  # 12,289 octets: over the AUTH limit
    assert not h.server.auth_pending
    assert codes([h.line("NOOP")]) == ["250 2.0.0"]
    ok = Harness(tls=True)
    ehlo(ok)
    assert ok.line("AUTH PLAIN").code == 334
    assert codes(ok.send(b"A" * 1000 + b"\r\n")) == ["535 5.7.8"]  # long, but within the AUTH limit


def test_an_endless_line_is_dropped_as_it_comes_and_answered_once() -> None:
    h = Harness()
    ehlo(h)
    for _ in range(100):
        assert h.send(b"x" * 10_000) == []
        assert h.server.buffered < 10_000
    assert codes(h.send(b"\r\nNOOP\r\n")) == ["500 5.5.2", "250 2.0.0"]


def _data_line(octets: int) -> bytes:
    return b"y" * (octets - 2) + b"\r\n"


@pytest.mark.parametrize(("octets", "expected"), [(1000, "250 2.0.0"), (1001, "500 5.5.2")])
def test_a_text_line_is_at_most_1000_octets_counting_its_crlf(octets: int, expected: str) -> None:
    h = Harness()
    open_txn(h)
    h.line("DATA")
    assert codes(h.send(b"Subject: x\r\n\r\n" + _data_line(octets) + b".\r\n")) == [expected]


@pytest.mark.parametrize(("octets", "expected"), [(1001, "250 2.0.0"), (1002, "500 5.5.2")])
def test_the_dot_added_by_dot_stuffing_does_not_count(octets: int, expected: str) -> None:
    # RFC 5321 §4.5.3.1.6: 1000 octets "not counting the leading dot duplicated for transparency".
    for split in (False, True):
        h = Harness()
        open_txn(h)
        h.line("DATA")
        data = b"Subject: x\r\n\r\n." + _data_line(octets - 1) + b".\r\n"
        replies = [r for i in range(0, len(data), 7) for r in h.send(data[i : i + 7])] if split else h.send(data)
        assert codes(replies) == [expected], split


# ---- too many errors ------------------------------------------------------------------------------------------

ERROR_LINES = [
    ("unknown verbs", b"XYZZY\r\n"),
    ("malformed MAIL", b"MAIL FROM:bad\r\n"),
    ("RCPT without MAIL", b"RCPT TO:<bob@sandbox.test>\r\n"),
    ("over-long lines", b"NOOP " + b"x" * 600 + b"\r\n"),
    ("refused recipients", b"VRFY nobody\r\n"),
]


@pytest.mark.parametrize("line", [e[1] for e in ERROR_LINES], ids=[e[0] for e in ERROR_LINES])
def test_every_kind_of_error_counts_and_the_20th_ends_the_session_with_421(line: bytes) -> None:
    h = Harness()
    ehlo(h)
    replies = h.send(line * 25)
    assert [r.code for r in replies[:20]] == [replies[0].code] * 20 and replies[0].code >= 500
    assert len(replies) == 21 and replies[20].code == 421 and str(replies[20].enhanced) == "4.7.0"
    assert "too many errors" in replies[20].text
    assert isinstance(h.outputs[-1], Close) and h.server.closed
    assert h.send(b"NOOP\r\n") == []


def test_mixed_errors_add_up() -> None:
    h = Harness(SandboxPolicy(max_errors=5))
    ehlo(h)
    replies = h.send(b"".join(line for _, line in ERROR_LINES) + b"NOOP\r\n")
    assert [r.code for r in replies] == [500, 501, 503, 500, 550, 421]


def test_a_delivered_message_starts_the_count_again() -> None:
    h = Harness(SandboxPolicy(max_errors=3))
    ehlo(h)
    h.send(b"XYZZY\r\nXYZZY\r\n")
    open_txn(h)
    assert codes(h.send(b"DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n")) == ["354", "250 2.0.0"]
    assert codes(h.send(b"XYZZY\r\nXYZZY\r\nNOOP\r\n")) == ["500 5.5.2", "500 5.5.2", "250 2.0.0"]
    assert not h.server.closed


def test_the_421_for_too_many_errors_is_explained() -> None:
    h = Harness(SandboxPolicy(max_errors=2))
    ehlo(h)
    h.send(b"XYZZY\r\nXYZZY\r\n")
    last = h.outputs[-2]
    assert isinstance(last, SendReply) and last.reply.code == 421
    assert "2 error replies" in last.reason and "smtpd_hard_error_limit" in last.reason
    pattern = knowledge.match_pattern(last.reply.text)
    assert pattern is not None and pattern.id == "too-many-errors"


# ---- fault specs are user input too ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["²²² oops", "٤٥١ 4.7.1 later", "451 4.٧.1 later", "451 4.x.1 later"])
def test_a_fault_reply_with_digits_from_other_scripts_is_a_clear_error(spec: str) -> None:
    with pytest.raises(FaultError):
        ReplySpec.parse(spec)


@pytest.mark.parametrize("seconds", ["nan", "inf", "-1", "1e9", "²", "١"])
def test_a_fault_delay_must_be_plain_seconds(seconds: str) -> None:
    with pytest.raises(FaultError):
        preset_rule(f"delay:DATA:{seconds}")
    assert preset_rule("delay:DATA:0.5").delay == 0.5
