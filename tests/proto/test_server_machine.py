"""The sandbox state machine without sockets: every command, every error path, every limit."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from smtpshell.proto.events import Authenticated, Close, CommandReceived, Delay, Message, SendReply, StartTLS
from smtpshell.proto.faults import FaultPlan, preset_rule
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server import DeliveryError, ServerConnection


class Harness:
    def __init__(self, policy: SandboxPolicy | None = None, *, tls: bool = False, peer: str = "127.0.0.1") -> None:
        self.delivered: list[Message] = []
        self.server = ServerConnection(policy or SandboxPolicy(), self.delivered.append, peer=peer, tls=tls)
        self.outputs = self.server.start()

    def send(self, data: bytes | str) -> list[Reply]:
        raw = data.encode() if isinstance(data, str) else data
        out = self.server.receive_data(raw)
        self.outputs += out
        return [o.reply for o in out if isinstance(o, SendReply)]

    def line(self, text: str) -> Reply:
        replies = self.send(text + "\r\n")
        assert len(replies) == 1, replies
        return replies[0]

    def reasons(self) -> list[str]:
        return [o.reason for o in self.outputs if isinstance(o, SendReply)]


def codes(replies: list[Reply]) -> list[str]:
    return [f"{r.code} {r.enhanced}" if r.enhanced else str(r.code) for r in replies]


def ehlo(h: Harness) -> None:
    assert h.line("EHLO client.example").code == 250


def open_txn(h: Harness) -> None:
    ehlo(h)
    assert h.line("MAIL FROM:<alice@example.org>").code == 250
    assert h.line("RCPT TO:<bob@sandbox.test>").code == 250


def test_greeting_names_the_host_and_has_no_enhanced_code() -> None:
    h = Harness()
    (greeting,) = [o.reply for o in h.outputs if isinstance(o, SendReply)]
    assert greeting.code == 220 and greeting.enhanced is None
    assert greeting.lines[0].startswith("sandbox.test ")


def test_ehlo_advertises_extensions_and_starttls_before_tls() -> None:
    h = Harness()
    reply = h.line("EHLO client.example")
    keywords = [line.split()[0] for line in reply.lines[1:]]
    for keyword in (
        "PIPELINING",
        "SIZE",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "CHUNKING",
        "DSN",
        "ETRN",
        "HELP",
        "STARTTLS",
    ):
        assert keyword in keywords
    assert "AUTH" not in keywords  # only after TLS
    assert "SIZE 10485760" in reply.lines


def test_ehlo_after_tls_offers_auth_not_starttls() -> None:
    reply = Harness(tls=True).line("EHLO client.example")
    keywords = [line.split()[0] for line in reply.lines[1:]]
    assert "AUTH" in keywords and "STARTTLS" not in keywords
    assert "AUTH PLAIN LOGIN CRAM-MD5" in reply.lines


def test_auth_over_plaintext_setting_advertises_auth() -> None:
    reply = Harness(SandboxPolicy(auth_over_plaintext=True)).line("EHLO x.example")
    assert any(line.startswith("AUTH ") for line in reply.lines)


def test_helo_session_has_no_enhanced_codes_and_no_parameters() -> None:
    h = Harness()
    assert h.line("HELO client.example").lines == ("sandbox.test Hello client.example [127.0.0.1]",)
    assert codes([h.line("NOOP")]) == ["250"]
    assert codes([h.line("MAIL FROM:<a@example.org> SIZE=10")]) == ["555"]


# Each row: the lines sent after EHLO (or without it when the first is HELO/EHLO-less), and the replies expected.
SEQUENCE_CASES = [
    ("mail before helo", ["MAIL FROM:<a@example.org>"], ["503"], False),
    ("rcpt before helo", ["RCPT TO:<bob@sandbox.test>"], ["503"], False),
    ("rcpt without mail", ["RCPT TO:<bob@sandbox.test>"], ["503 5.5.1"], True),
    ("data without mail", ["DATA"], ["503 5.5.1"], True),
    ("data without recipient", ["MAIL FROM:<a@example.org>", "DATA"], ["250 2.1.0", "554 5.5.1"], True),
    ("nested mail", ["MAIL FROM:<a@example.org>", "MAIL FROM:<b@example.org>"], ["250 2.1.0", "503 5.5.1"], True),
    (
        "rset clears",
        ["MAIL FROM:<a@example.org>", "RSET", "RCPT TO:<bob@sandbox.test>"],
        ["250 2.1.0", "250 2.0.0", "503 5.5.1"],
        True,
    ),
    (
        "ehlo resets transaction",
        ["MAIL FROM:<a@example.org>", "EHLO again.example", "RCPT TO:<bob@sandbox.test>"],
        ["250 2.1.0", "250", "503 5.5.1"],
        True,
    ),
    ("null sender", ["MAIL FROM:<>"], ["250 2.1.0"], True),
    ("space after colon tolerated", ["MAIL FROM: <a@example.org>"], ["250 2.1.0"], True),
    ("missing brackets", ["MAIL FROM:a@example.org"], ["501 5.5.4"], True),
    ("bad sender syntax", ["MAIL FROM:<a b@example.org>"], ["501 5.1.7"], True),
    ("no FROM keyword", ["MAIL <a@example.org>"], ["501 5.5.4"], True),
    ("postmaster without domain", ["MAIL FROM:<>", "RCPT TO:<postmaster>"], ["250 2.1.0", "250 2.1.5"], True),
    ("unknown local user", ["MAIL FROM:<>", "RCPT TO:<nobody@sandbox.test>"], ["250 2.1.0", "550 5.1.1"], True),
    ("relay denied", ["MAIL FROM:<>", "RCPT TO:<x@elsewhere.example>"], ["250 2.1.0", "554 5.7.1"], True),
    ("bad recipient syntax", ["MAIL FROM:<>", "RCPT TO:<@@>"], ["250 2.1.0", "501 5.1.3"], True),
    ("null recipient", ["MAIL FROM:<>", "RCPT TO:<>"], ["250 2.1.0", "501 5.1.3"], True),
    ("mailing list recipient", ["MAIL FROM:<>", "RCPT TO:<staff@sandbox.test>"], ["250 2.1.0", "250 2.1.5"], True),
    ("unknown parameter", ["MAIL FROM:<a@example.org> FOO=1"], ["555 5.5.4"], True),
    ("duplicate parameter", ["MAIL FROM:<a@example.org> SIZE=1 SIZE=2"], ["501 5.5.4"], True),
    ("size over limit", ["MAIL FROM:<a@example.org> SIZE=99999999999"], ["552 5.3.4"], True),
    ("size not a number", ["MAIL FROM:<a@example.org> SIZE=big"], ["501 5.5.4"], True),
    ("body values", ["MAIL FROM:<a@example.org> BODY=8bitmime"], ["250 2.1.0"], True),
    ("bad body", ["MAIL FROM:<a@example.org> BODY=9BIT"], ["501 5.5.4"], True),
    ("smtputf8 flag with value", ["MAIL FROM:<a@example.org> SMTPUTF8=yes"], ["501 5.5.4"], True),
    ("utf8 address without SMTPUTF8", ["MAIL FROM:<jörg@example.org>"], ["553 5.6.7"], True),
    ("utf8 address with SMTPUTF8", ["MAIL FROM:<jörg@example.org> SMTPUTF8"], ["250 2.1.0"], True),
    ("dsn on mail", ["MAIL FROM:<a@example.org> RET=HDRS ENVID=abc+2Bdef"], ["250 2.1.0"], True),
    ("bad ret", ["MAIL FROM:<a@example.org> RET=ALL"], ["501 5.5.4"], True),
    (
        "dsn on rcpt",
        ["MAIL FROM:<>", "RCPT TO:<bob@sandbox.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@sandbox.test"],
        ["250 2.1.0", "250 2.1.5"],
        True,
    ),
    (
        "notify never mixed",
        ["MAIL FROM:<>", "RCPT TO:<bob@sandbox.test> NOTIFY=NEVER,SUCCESS"],
        ["250 2.1.0", "501 5.5.4"],
        True,
    ),
    ("bad orcpt", ["MAIL FROM:<>", "RCPT TO:<bob@sandbox.test> ORCPT=bob"], ["250 2.1.0", "501 5.5.4"], True),
    ("rcpt param on mail", ["MAIL FROM:<a@example.org> NOTIFY=NEVER"], ["555 5.5.4"], True),
    ("auth param before auth advertised", ["MAIL FROM:<a@example.org> AUTH=<>"], ["555 5.5.4"], True),
    ("data with argument", ["DATA now"], ["501 5.5.4"], True),
    ("rset with argument", ["RSET x"], ["501 5.5.4"], True),
    ("quit with argument", ["QUIT now"], ["501 5.5.4"], True),
    ("noop with argument", ["NOOP anything"], ["250 2.0.0"], True),
    ("ehlo without name", ["EHLO"], ["501 5.5.4"], True),
    ("helo with two words", ["HELO a b"], ["501 5.5.4"], True),
    ("ehlo address literal", ["EHLO [127.0.0.1]"], ["250"], True),
    ("unknown command", ["FROB"], ["500 5.5.2"], True),
    ("turn is obsolete", ["TURN"], ["502 5.5.1"], True),
    ("send is obsolete", ["SEND FROM:<a@example.org>"], ["502 5.5.1"], True),
    ("vrfy user", ["VRFY alice"], ["250 2.1.5"], True),
    ("vrfy by address", ["VRFY <bob@sandbox.test>"], ["250 2.1.5"], True),
    ("vrfy unknown", ["VRFY zed"], ["550 5.1.1"], True),
    ("vrfy empty", ["VRFY"], ["501 5.5.4"], True),
    ("expn list", ["EXPN staff"], ["250 2.1.5"], True),
    ("expn mailbox", ["EXPN alice"], ["550 5.1.1"], True),
    ("help", ["HELP"], ["214 2.0.0"], True),
    ("help topic", ["HELP rcpt"], ["214 2.0.0"], True),
    ("help unknown topic", ["HELP FROB"], ["504 5.5.1"], True),
    ("etrn", ["ETRN client.example"], ["250 2.0.0"], True),
    ("etrn at-domain", ["ETRN @client.example"], ["250 2.0.0"], True),
    ("etrn bad", ["ETRN"], ["501 5.5.4"], True),
    ("etrn in transaction", ["MAIL FROM:<>", "ETRN client.example"], ["250 2.1.0", "503 5.5.1"], True),
    ("auth before tls", ["AUTH PLAIN"], ["538 5.7.11"], True),
    ("starttls with argument", ["STARTTLS now"], ["501 5.5.4"], True),
    ("starttls before ehlo", ["STARTTLS"], ["503"], False),
    ("starttls in transaction", ["MAIL FROM:<>", "STARTTLS"], ["250 2.1.0", "503 5.5.1"], True),
    ("bdat without mail", ["BDAT 0 LAST"], ["503 5.5.1"], True),
    ("bdat bad syntax", ["BDAT x"], ["501 5.5.4"], True),
    ("bare cr in command", ["NOOP a\rb"], ["501 5.5.2"], True),
    ("quit", ["QUIT"], ["221 2.0.0"], True),
]


@pytest.mark.parametrize(
    ("lines", "expected", "greet"), [c[1:] for c in SEQUENCE_CASES], ids=[c[0] for c in SEQUENCE_CASES]
)
def test_command_sequences(lines: list[str], expected: list[str], greet: bool) -> None:
    h = Harness()
    if greet:
        ehlo(h)
    replies = h.send("".join(line + "\r\n" for line in lines))
    assert codes(replies) == expected


def test_every_reply_carries_a_reason() -> None:
    h = Harness()
    for _, lines, _, greet in SEQUENCE_CASES:
        if greet:
            h.send("EHLO x.example\r\n")
        h.send("".join(line + "\r\n" for line in lines if line != "QUIT"))
    assert h.reasons() and all(len(reason) > 10 for reason in h.reasons())


def test_reasons_name_the_rule() -> None:
    h = Harness()
    ehlo(h)
    h.line("RCPT TO:<bob@sandbox.test>")
    assert h.reasons()[-1] == "RCPT refused: no MAIL transaction is open"


def test_whole_transaction_delivers_with_trace_headers_and_unstuffed_body() -> None:
    h = Harness(peer="192.0.2.7")
    open_txn(h)
    assert h.line("RCPT TO:<carol@sandbox.test>").code == 250
    assert h.line("DATA").code == 354
    (reply,) = h.send("Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n")
    assert reply.code == 250 and reply.enhanced is not None and "queued as" in reply.text
    (message,) = h.delivered
    assert message.envelope.sender == "alice@example.org"
    assert message.envelope.recipients == ("bob@sandbox.test", "carol@sandbox.test")
    assert message.content.startswith(
        b"Return-Path: <alice@example.org>\r\nReceived: from client.example ([192.0.2.7])"
    )
    assert b"with ESMTP id " in message.content
    assert message.content.endswith(b"Subject: hi\r\n\r\n.leading dot\r\nbody\r\n")
    assert message.queue_id in reply.text


def test_empty_message_ends_at_first_dot() -> None:
    h = Harness()
    open_txn(h)
    h.line("DATA")
    assert codes(h.send(".\r\n")) == ["250 2.0.0"]


def test_pipelined_transaction_in_one_write() -> None:
    h = Harness()
    replies = h.send(b"EHLO a.example\r\nMAIL FROM:<>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n")
    assert [r.code for r in replies] == [250, 250, 250, 354, 250, 221]
    assert len(h.delivered) == 1 and isinstance(h.outputs[-1], Close)


def test_data_over_size_limit_is_refused() -> None:
    h = Harness(SandboxPolicy(size_limit=100))
    open_txn(h)
    h.line("DATA")
    assert codes(h.send(b"x" * 60 + b"\r\n" + b"y" * 60 + b"\r\n.\r\n")) == ["552 5.3.4"]
    assert not h.delivered


def test_text_line_over_1000_octets_is_refused() -> None:
    h = Harness()
    open_txn(h)
    h.line("DATA")
    assert codes(h.send(b"a" * 1200 + b"\r\n.\r\n")) == ["500 5.5.2"]


def test_command_line_over_limit_is_refused_and_session_continues() -> None:
    h = Harness()
    ehlo(h)
    assert codes(h.send(b"NOOP " + b"a" * 2000 + b"\r\nNOOP\r\n")) == ["500 5.5.2", "250 2.0.0"]


def test_recipient_limit() -> None:
    h = Harness(SandboxPolicy(max_recipients=2))
    open_txn(h)
    assert h.line("RCPT TO:<carol@sandbox.test>").code == 250
    assert codes([h.line("RCPT TO:<dave@sandbox.test>")]) == ["452 4.5.3"]


def test_unknown_command_cap_closes() -> None:
    h = Harness(SandboxPolicy(max_errors=3))
    replies = h.send(b"A\r\nB\r\nC\r\nD\r\n")
    assert codes(replies) == ["500", "500", "500", "421"]  # the third error is answered, then the 421
    assert isinstance(h.outputs[-1], Close) and h.server.closed


def test_starttls_discards_pipelined_plaintext_and_resets() -> None:
    h = Harness()
    ehlo(h)
    out = h.server.receive_data(b"STARTTLS\r\nNOOP\r\n")
    assert [type(o) for o in out] == [CommandReceived, SendReply, StartTLS]
    assert "CVE-2011-0411" in out[1].reason  # type: ignore[union-attr]
    assert h.server.receive_data(b"NOOP\r\n") == []  # nothing is read before the handshake
    assert h.server.tls_established() == []
    h.outputs = []
    assert codes([h.line("MAIL FROM:<>")]) == ["503"]  # must EHLO again; codes not negotiated yet
    reply = h.line("EHLO again.example")
    assert "STARTTLS" not in reply.lines and any(line.startswith("AUTH") for line in reply.lines)


def test_starttls_when_already_tls() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert codes([h.line("STARTTLS")]) == ["503 5.5.1"]


def test_starttls_without_certificate() -> None:
    h = Harness(SandboxPolicy(tls_available=False))
    reply = h.line("EHLO a.example")
    assert "STARTTLS" not in reply.lines
    assert codes([h.line("STARTTLS")]) == ["454 4.7.0"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_auth_plain_initial_response() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert codes([h.line("AUTH PLAIN " + _b64("\0alice\0wonderland"))]) == ["235 2.7.0"]
    assert any(isinstance(o, Authenticated) and o.username == "alice" for o in h.outputs)
    assert codes([h.line("AUTH PLAIN")]) == ["503 5.5.1"]


def test_auth_plain_without_initial_response_gets_empty_challenge() -> None:
    h = Harness(tls=True)
    ehlo(h)
    reply = h.line("AUTH PLAIN")
    assert reply.code == 334 and reply.lines == ("",)
    assert codes([h.line(_b64("\0alice\0nope"))]) == ["535 5.7.8"]


def test_auth_login() -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert h.line("AUTH LOGIN").lines == (_b64("Username:"),)
    assert h.line(_b64("alice")).lines == (_b64("Password:"),)
    assert codes([h.line(_b64("wonderland"))]) == ["235 2.7.0"]


def test_auth_cram_md5() -> None:
    h = Harness(tls=True)
    ehlo(h)
    challenge = base64.b64decode(h.line("AUTH CRAM-MD5").lines[0]).decode()
    assert challenge.startswith("<") and challenge.endswith("@sandbox.test>")
    digest = hmac.new(b"wonderland", challenge.encode(), hashlib.md5).hexdigest()
    assert codes([h.line(_b64(f"alice {digest}"))]) == ["235 2.7.0"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["AUTH PLAIN", "*"], ["334", "501 5.7.0"]),
        (["AUTH PLAIN", "!!notbase64"], ["334", "501 5.5.2"]),
        (["AUTH KERBEROS_V4"], ["504 5.5.4"]),
        (["AUTH"], ["501 5.5.4"]),
        (["AUTH CRAM-MD5 abc"], ["501 5.5.4"]),
    ],
)
def test_auth_errors(lines: list[str], expected: list[str]) -> None:
    h = Harness(tls=True)
    ehlo(h)
    assert codes(h.send("".join(line + "\r\n" for line in lines))) == expected


def test_auth_secrets_never_logged() -> None:
    h = Harness(tls=True)
    ehlo(h)
    secret = _b64("\0alice\0wonderland")
    h.send(f"AUTH PLAIN {secret}\r\n")
    h.send(f"AUTH LOGIN\r\n{_b64('alice')}\r\n")
    logged = [o.line for o in h.outputs if isinstance(o, CommandReceived)]
    assert "AUTH PLAIN ****" in logged and all(secret not in line for line in logged)
    assert _b64("alice") not in " ".join(logged)


def test_authenticated_client_may_relay_but_nothing_leaves() -> None:
    h = Harness(tls=True)
    ehlo(h)
    h.line("AUTH PLAIN " + _b64("\0alice\0wonderland"))
    h.line("MAIL FROM:<alice@sandbox.test> AUTH=alice@sandbox.test")
    reply = h.line("RCPT TO:<friend@elsewhere.example>")
    assert reply.code == 250 and "nothing is sent out" in h.reasons()[-1]


def test_bdat_chunks_and_binarymime() -> None:
    h = Harness()
    ehlo(h)
    h.line("MAIL FROM:<> BODY=BINARYMIME")
    h.line("RCPT TO:<bob@sandbox.test>")
    assert codes([h.line("DATA")]) == ["503 5.5.1"]
    assert codes(h.send(b"BDAT 5\r\nab\r\ncBDAT 3 LAST\r\n\x00\xff.")) == ["250 2.0.0", "250 2.0.0"]
    assert h.delivered[0].content.endswith(b"ab\r\nc\x00\xff.")


def test_bdat_out_of_sequence_still_consumes_its_chunk() -> None:
    h = Harness()
    ehlo(h)
    assert codes(h.send(b"BDAT 6 LAST\r\nNOOP\r\nNOOP\r\n")) == ["503 5.5.1", "250 2.0.0"]


def test_bdat_over_size_limit() -> None:
    h = Harness(SandboxPolicy(size_limit=4))
    open_txn(h)
    assert codes(h.send(b"BDAT 3\r\nabcBDAT 3 LAST\r\ndef")) == ["250 2.0.0", "552 5.3.4"]


def test_timeout_closes_with_421() -> None:
    h = Harness()
    assert h.server.timeout == 300
    out = h.server.timed_out()
    assert isinstance(out[0], SendReply) and out[0].reply.code == 421 and isinstance(out[-1], Close)


def test_data_timeout_is_shorter_rule() -> None:
    h = Harness()
    open_txn(h)
    h.line("DATA")
    assert h.server.timeout == 180


def test_delivery_failure_gives_451() -> None:
    def fail(_: Message) -> None:
        raise DeliveryError("disk full")

    server = ServerConnection(SandboxPolicy(), fail)
    server.start()
    out = server.receive_data(b"EHLO a.example\r\nMAIL FROM:<>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\nx\r\n.\r\n")
    assert [o.reply.code for o in out if isinstance(o, SendReply)][-1] == 451


def test_vrfy_and_expn_switched_off() -> None:
    h = Harness(SandboxPolicy(vrfy=False, expn=False))
    ehlo(h)
    assert codes([h.line("VRFY alice"), h.line("EXPN staff")]) == ["252 2.5.0", "502 5.5.1"]


def test_extension_switched_off() -> None:
    policy = SandboxPolicy(extensions=("PIPELINING", "ENHANCEDSTATUSCODES", "HELP"))
    h = Harness(policy)
    reply = h.line("EHLO a.example")
    assert [line.split()[0] for line in reply.lines[1:]] == ["PIPELINING", "ENHANCEDSTATUSCODES", "HELP"]
    assert codes([h.line("MAIL FROM:<> SIZE=10")]) == ["555 5.5.4"]
    assert codes([h.line("ETRN a.example"), h.line("STARTTLS")]) == ["502 5.5.1", "502 5.5.1"]


def _faulty(*specs: str) -> SandboxPolicy:
    return SandboxPolicy(faults=FaultPlan([preset_rule(s) for s in specs]))


def test_greylisting_refuses_first_attempt_then_accepts_across_connections() -> None:
    policy = _faulty("greylist")
    first = Harness(policy)
    ehlo(first)
    first.line("MAIL FROM:<a@example.org>")
    assert codes([first.line("RCPT TO:<bob@sandbox.test>")]) == ["451 4.7.1"]
    second = Harness(policy)  # the same client retries later on a new connection
    ehlo(second)
    second.line("MAIL FROM:<a@example.org>")
    assert codes([second.line("RCPT TO:<bob@sandbox.test>")]) == ["250 2.1.5"]
    other = Harness(policy, peer="192.0.2.9")
    ehlo(other)
    other.line("MAIL FROM:<a@example.org>")
    assert other.line("RCPT TO:<bob@sandbox.test>").code == 451


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mailbox-full:bob@*", "452 4.2.2"),
        ("unknown-user:bob@sandbox.test", "550 5.1.1"),
        ("relay-denied", "554 5.7.1"),
    ],
)
def test_recipient_faults(spec: str, expected: str) -> None:
    h = Harness(_faulty(spec))
    ehlo(h)
    h.line("MAIL FROM:<>")
    assert codes([h.line("RCPT TO:<bob@sandbox.test>")]) == [expected]
    assert "fault" in h.reasons()[-1]


def test_fault_matches_only_its_address() -> None:
    h = Harness(_faulty("mailbox-full:bob@*"))
    ehlo(h)
    h.line("MAIL FROM:<>")
    assert h.line("RCPT TO:<carol@sandbox.test>").code == 250


def test_rate_limit_fault_closes() -> None:
    h = Harness(_faulty("rate-limit"))
    ehlo(h)
    assert codes([h.line("MAIL FROM:<>")]) == ["421 4.7.0"]
    assert isinstance(h.outputs[-1], Close)


def test_delay_and_disconnect_faults() -> None:
    h = Harness(_faulty("delay:NOOP:2.5", "disconnect:RSET"))
    ehlo(h)
    out = h.server.receive_data(b"NOOP\r\n")
    assert [type(o) for o in out] == [CommandReceived, Delay, SendReply] and out[1] == Delay(2.5)
    out = h.server.receive_data(b"RSET\r\nNOOP\r\n")
    assert [type(o) for o in out] == [CommandReceived, Close]


def test_closed_connection_ignores_input() -> None:
    h = Harness()
    h.line("QUIT")
    assert h.server.receive_data(b"NOOP\r\n") == []
