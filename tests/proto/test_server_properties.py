"""Properties of the state machine: any bytes give replies or a clean close, never an exception; how the bytes
are split into reads never changes the replies; and no line-ending trick ever yields two messages."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpshell.proto.events import Close, Message, Output, SendReply
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES
from smtpshell.proto.server import ServerConnection


def _run(chunks: list[bytes], policy: SandboxPolicy | None = None) -> tuple[list[Output], list[Message]]:
    delivered: list[Message] = []
    ids = iter(range(10**6))
    server = ServerConnection(
        policy or SandboxPolicy(), delivered.append, clock=lambda: 0.0, new_id=lambda: f"Q{next(ids)}"
    )
    out = server.start()
    # No handshake happens here: after STARTTLS the machine ignores plaintext, however it was split.
    for chunk in chunks:
        out += server.receive_data(chunk)
    return out, delivered


def _summary(outputs: list[Output]) -> list[str]:
    return [str(o.reply) if isinstance(o, SendReply) else type(o).__name__ for o in outputs]


# Fragments that reach every corner of the grammar, mixed with arbitrary bytes.
FRAGMENTS = [
    b"EHLO a.example\r\n",
    b"HELO b\r\n",
    b"MAIL FROM:<a@example.org>\r\n",
    b"MAIL FROM:<> SIZE=10 BODY=8BITMIME\r\n",
    b"RCPT TO:<bob@sandbox.test>\r\n",
    b"RCPT TO:<x@y.example> NOTIFY=NEVER\r\n",
    b"DATA\r\n",
    b"BDAT 4\r\n",
    b"BDAT 2 LAST\r\n",
    b".\r\n",
    b"..x\r\n",
    b"\r\n",
    b"\n",
    b"\r",
    b".",
    b"RSET\r\n",
    b"NOOP\r\n",
    b"VRFY alice\r\n",
    b"EXPN staff\r\n",
    b"HELP MAIL\r\n",
    b"AUTH PLAIN\r\n",
    b"AUTH LOGIN YWxpY2U=\r\n",
    b"*\r\n",
    b"STARTTLS\r\n",
    b"TURN\r\n",
    b"ETRN a.example\r\n",
    b"\x00",
    b"\xff\xfe",
    "jörg".encode(),
    b"x" * 700,
    b"QUIT\r\n",
    # hostile arguments: octets that are not UTF-8, digits of other scripts, lines at and over the limit
    b"EHLO \xff\xfe.test\r\n",
    b"MAIL FROM:<\xff@sandbox.test> SMTPUTF8\r\n",
    "MAIL FROM:<a@b.example> SIZE=²\r\n".encode(),
    "BDAT ١\r\n".encode(),
    b"NOOP " + b"y" * 505 + b"\r\n",
    b"NOOP " + b"y" * 506 + b"\r\n",
    b"AUTH CRAM-MD5\r\n",
    b"YWxpY2Ugw6k=\r\n",
]
stream = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=30).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=stream)
def test_any_bytes_give_replies_or_close_never_an_exception(data: bytes) -> None:
    outputs, _ = _run([data])
    for item in outputs:
        if isinstance(item, SendReply):
            assert 200 <= item.reply.code <= 599 and item.reason
    closes = [i for i, o in enumerate(outputs) if isinstance(o, Close)]
    assert not closes or closes[0] == len(outputs) - 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=stream)
def test_byte_at_a_time_equals_whole(data: bytes) -> None:
    whole, whole_messages = _run([data])
    split, split_messages = _run([data[i : i + 1] for i in range(len(data))])
    assert _summary(split) == _summary(whole)
    assert [m.content for m in split_messages] == [m.content for m in whole_messages]


@settings(max_examples=100, deadline=None)
@given(data=stream, cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8))
def test_any_split_equals_whole(data: bytes, cuts: list[int]) -> None:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    assert _summary(_run(chunks)[0]) == _summary(_run([data])[0])


@settings(max_examples=200, deadline=None)
@given(data=stream)
def test_every_reply_the_server_sends_is_in_the_registry(data: bytes) -> None:
    for item in _run([data])[0]:
        if isinstance(item, SendReply):
            assert item.reply.code in BASIC_CODES
            if item.reply.enhanced is not None:
                assert item.reply.enhanced.generic in ENHANCED_CODES
                assert item.reply.enhanced.klass == item.reply.first_digit


SMUGGLING_ENDINGS = [
    b"\n.\n",
    b"\n.\r\n",
    b"\r\n.\n",
    b"\r.\r\n",
    b"\r\n.\r",
    b"\r.\r",
]


@pytest.mark.parametrize(
    "ending", SMUGGLING_ENDINGS, ids=lambda e: e.decode().replace("\r", "<CR>").replace("\n", "<LF>")
)
def test_smuggling_never_yields_two_messages(ending: bytes) -> None:
    smuggled = (
        b"MAIL FROM:<ceo@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n"
        b"From: ceo@sandbox.test\r\n\r\nwire the money\r\n"
    )
    data = (
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n"
        b"Subject: one\r\n\r\nfirst" + ending + smuggled + b".\r\nQUIT\r\n"
    )
    outputs, delivered = _run([data])
    assert len(delivered) == 0  # the whole thing is one message, refused for its bare line end
    replies = [o.reply for o in outputs if isinstance(o, SendReply)]
    assert [r.code for r in replies] == [220, 250, 250, 250, 354, 554, 221]
    assert "bare" in replies[5].text


@pytest.mark.parametrize("ending", SMUGGLING_ENDINGS, ids=lambda e: repr(e))
def test_smuggling_with_rejection_off_still_one_message(ending: bytes) -> None:
    data = (
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n"
        b"first" + ending + b"MAIL FROM:<x@example.org>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\nsecond\r\n.\r\n"
    )
    _, delivered = _run([data], SandboxPolicy(reject_bare_newlines=False))
    assert len(delivered) == 1 and b"second" in delivered[0].content


def test_server_reply_catalog_agrees_with_the_registry() -> None:
    from smtpshell.proto.replies import EnhancedStatus
    from smtpshell.proto.server_replies import catalog

    for name, reply in catalog().items():
        assert reply.code in BASIC_CODES, name
        if reply.enhanced is not None:
            status = EnhancedStatus.parse(reply.enhanced)
            assert status is not None and status.generic in ENHANCED_CODES, name
            assert status.klass == reply.code // 100, name
        else:
            assert reply.code // 100 == 3 or name in ("GREETING", "LMTP_GREETING", "EHLO_OK"), name
