"""The client-side reply parser, dot-stuffing, and the client's view of the session."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpshell.proto.client_state import DATA_END, GREETING, ClientState
from smtpshell.proto.errors import RemoteProtocolError
from smtpshell.proto.framing import DataReader, dot_stuff
from smtpshell.proto.replies import EnhancedStatus, Reply
from smtpshell.proto.reply_parser import ReplyParser


def test_multiline_reply_with_enhanced_code() -> None:
    parser = ReplyParser()
    assert parser.feed(b"250-first\r\n250-2.1.5 second\r") == []
    (reply,) = parser.feed(b"\n250 last\r\n")
    assert reply.code == 250 and reply.lines == ("first", "2.1.5 second", "last")
    assert reply.enhanced is None  # only the first line's code counts


def test_enhanced_code_parsed_and_text_stripped() -> None:
    (reply,) = ReplyParser().feed(b"550 5.7.1 Relay access denied\r\n")
    assert reply.enhanced == EnhancedStatus(5, 7, 1) and reply.text == "Relay access denied"
    assert reply.first_digit == 5 and str(reply.enhanced) == "5.7.1" and reply.enhanced.generic == "X.7.1"


def test_several_replies_in_one_read_and_bare_lf_tolerated() -> None:
    replies = ReplyParser().feed(b"250 ok\n354 go on\r\n221 2.0.0 bye\r\n")
    assert [r.code for r in replies] == [250, 354, 221]
    assert replies[1].enhanced is None


def test_code_alone_is_a_reply() -> None:
    (reply,) = ReplyParser().feed(b"250\r\n")
    assert reply.lines == ("",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello there\r\n", "not an SMTP reply"),
        (b"25 ok\r\n", "not an SMTP reply"),
        (b"250x\r\n", "not an SMTP reply"),
        (b"999 what\r\n", "200 to 599"),
        (b"250-a\r\n251 b\r\n", "changed its code"),
        (b"250 " + b"a" * 3000 + b"\r\n", "octets"),
        (b"250 " + b"a" * 3000, "without ending it"),
    ],
)
def test_garbage_is_a_remote_protocol_error(data: bytes, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        ReplyParser().feed(data)


def test_discard_drops_injected_replies() -> None:
    parser = ReplyParser()
    parser.receive(b"220 2.0.0 go ahead\r\n250 injected\r\n250-partial")
    reply = parser.next_reply()
    assert reply is not None and reply.code == 220
    assert parser.discard() == b"250 injected\r\n250-partial"
    assert parser.next_reply() is None and parser.buffered == 0


@given(
    st.lists(
        st.tuples(
            st.integers(200, 599),
            st.lists(
                st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
                min_size=1,
                max_size=4,
            ),
        ),
        max_size=6,
    )
)
def test_reply_round_trip_whole_and_byte_at_a_time(specs: list[tuple[int, list[str]]]) -> None:
    replies = [Reply(code, tuple(line.rstrip() for line in lines)) for code, lines in specs]
    wire = b"".join(r.to_bytes() for r in replies)
    whole = ReplyParser().feed(wire)
    parser = ReplyParser()
    split = [r for i in range(len(wire)) for r in parser.feed(wire[i : i + 1])]
    assert [(r.code, r.lines) for r in whole] == [(r.code, r.lines) for r in replies]
    assert [(r.code, r.lines) for r in split] == [(r.code, r.lines) for r in whole]


def test_reply_make_prefixes_every_line() -> None:
    reply = Reply.make(250, ["a", "b"], "2.1.5")
    assert reply.wire_lines() == ["250-2.1.5 a", "250 2.1.5 b"] and reply.text == "a\nb"


def test_dot_stuffing_round_trip() -> None:
    lines = [".", "..two", "plain", ".hidden"]
    wire = dot_stuff(lines)
    assert wire == b"..\r\n...two\r\nplain\r\n..hidden\r\n.\r\n"
    reader = DataReader(size_limit=10_000)
    buffer = bytearray(wire + b"NEXT")
    reader.feed(buffer)
    assert reader.done and bytes(buffer) == b"NEXT"
    assert bytes(reader.content) == b".\r\n..two\r\nplain\r\n.hidden\r\n"


def _state(*steps: tuple[str, Reply]) -> ClientState:
    state = ClientState()
    for command, reply in steps:
        state.apply(command, reply)
    return state


EHLO_REPLY = Reply(250, ("sandbox.test Hello", "SIZE 1000", "AUTH PLAIN LOGIN", "STARTTLS", "CHUNKING"))


def test_client_state_tracks_a_transaction() -> None:
    state = _state((GREETING, Reply(220, ("hi",))), ("EHLO me", EHLO_REPLY))
    assert state.next_verbs()[:2] == ["MAIL", "STARTTLS"]
    assert state.size_limit() == 1000 and state.auth_mechanisms() == ["PLAIN", "LOGIN"]
    state.apply("MAIL FROM:<a@b.example>", Reply(250, ("ok",)))
    state.apply("RCPT TO:<x@y.example>", Reply(550, ("no",)))
    assert state.sender == "a@b.example" and state.recipients == []
    assert state.next_verbs()[0] == "RCPT"
    state.apply("RCPT TO:<bob@sandbox.test>", Reply(250, ("ok",)))
    assert state.next_verbs()[:3] == ["RCPT", "DATA", "BDAT"]
    state.apply("DATA", Reply(354, ("go",)))
    assert state.in_data and state.next_verbs() == []
    state.apply(DATA_END, Reply(250, ("queued",)))
    assert not state.in_transaction and not state.in_data


def test_client_state_starttls_forgets_extensions() -> None:
    state = _state((GREETING, Reply(220, ("hi",))), ("EHLO me", EHLO_REPLY), ("STARTTLS", Reply(220, ("go",))))
    assert state.tls and state.helo is None and state.extensions == {}
    assert state.next_verbs()[0] == "EHLO"


def test_client_state_auth_exchange() -> None:
    state = _state(
        (GREETING, Reply(220, ("hi",))), ("EHLO me", EHLO_REPLY), ("AUTH LOGIN", Reply(334, ("VXNlcm5hbWU6",)))
    )
    assert state.auth_mechanism == "LOGIN" and state.next_verbs() == []
    state.apply("<auth response>", Reply(334, ("UGFzc3dvcmQ6",)))
    state.apply("<auth response>", Reply(235, ("ok",)))
    assert state.authenticated == "LOGIN" and state.auth_mechanism is None


def test_client_state_refused_commands_change_nothing() -> None:
    state = _state((GREETING, Reply(220, ("hi",))), ("MAIL FROM:<a@b.example>", Reply(503, ("no",))))
    assert state.sender is None and state.next_verbs()[0] == "EHLO"
    state.apply("QUIT", Reply(421, ("bye",)))
    assert state.closed and not state.connected
