"""The legality table (proto/phases.py) is the server's order and the client's prediction at once: driving the
sandbox's ServerConnection and the shell's ClientState together over random command sequences, every refusal
the table predicts is the reply the server sends, the shell's warning names that reply, and every sequencing
refusal the server sends is one the table predicted."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.proto import server_replies as R
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.events import Output, SendReply, StartTLS
from smtpshell.proto.grammar import split_command
from smtpshell.proto.phases import LEGALITY, Phase, refusal
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server import ServerConnection
from smtpshell.session.safety import pointless_warning, predicted_reply

PLAIN = base64.b64encode(b"\0alice\0wonderland").decode()
COMMANDS = [
    "EHLO client.example",
    "HELO client.example",
    "MAIL FROM:<alice@sandbox.test>",
    "RCPT TO:<bob@sandbox.test>",
    "DATA",
    "BDAT 3",
    "BDAT 3 LAST",
    "RSET",
    "NOOP",
    "VRFY alice",
    "STARTTLS",
    f"AUTH PLAIN {PLAIN}",
    "AUTH LOGIN",
]
SEQUENCING = {R.NEED_HELO.text, R.NEED_MAIL.text, R.NESTED_MAIL.text, R.NO_RECIPIENTS.text, R.TLS_ACTIVE.text}
SEQUENCING |= {row.reply.text for row in LEGALITY}


def _policy(variant: str) -> SandboxPolicy:
    policy = SandboxPolicy()
    if variant == "no enhanced codes":
        policy.extensions = tuple(e for e in policy.extensions if e != "ENHANCEDSTATUSCODES")
    elif variant == "no chunking":
        policy.extensions = tuple(e for e in policy.extensions if e != "CHUNKING")
    elif variant == "auth over plaintext":
        policy.auth_over_plaintext = True
    return policy


class Pair:
    """A server and the client's view of it, fed the same lines; the client advances only on the replies."""

    def __init__(self, policy: SandboxPolicy) -> None:
        self.server = ServerConnection(policy, lambda message: None, clock=lambda: 0.0, new_id=lambda: "Q1")
        self.state = ClientState()
        [greeting] = self._replies(self.server.start())
        self.state.apply(GREETING, greeting)

    @staticmethod
    def _replies(outputs: list[Output]) -> list[Reply]:
        return [o.reply for o in outputs if isinstance(o, SendReply)]

    def send(self, line: str, state_command: str | None = None, payload: bytes = b"") -> Reply:
        outputs = self.server.receive_data(line.encode() + b"\r\n" + payload)
        [reply] = self._replies(outputs)
        self.state.apply(state_command or line, reply)
        if any(isinstance(o, StartTLS) for o in outputs):
            self.server.tls_established()  # the handshake, as the transport would do it
        return reply

    def settle(self) -> None:
        """Out of a message or an AUTH exchange, as a learner would get out of it."""
        if self.state.phase is Phase.MESSAGE:
            self.send("Subject: test\r\n\r\nhello\r\n.", DATA_END)
        elif self.state.phase is Phase.AUTH:
            self.send("*", AUTH_RESPONSE)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["default", "no enhanced codes", "no chunking", "auth over plaintext"]),
    st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=14),
)
def test_the_server_answers_what_the_table_predicts(variant: str, lines: list[str]) -> None:
    pair = Pair(_policy(variant))
    for line in lines:
        pair.settle()
        if pair.state.closed:
            return
        state = pair.state.copy()
        predicted = refusal(state.session(), split_command(line).verb)
        warning = pointless_warning(line, state)
        words = line.split()
        payload = b"abc" if words[0] == "BDAT" else b""
        reply = pair.send(line, payload=payload)
        said = str(reply)
        if predicted is not None:
            assert reply.code == predicted.reply.code and reply.text == predicted.reply.text, (line, said)
            assert said.startswith(predicted_reply(predicted, state)), (line, said)
            if predicted.warning is not None:
                assert warning is not None and f"answer {predicted_reply(predicted, state)}." in warning
        else:
            assert warning is None, (line, warning)
            assert reply.text not in SEQUENCING or reply.code != 503, (line, said, state.phase)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["MAIL FROM:<alice@sandbox.test>"], "503"),
        (["EHLO client.example", "RCPT TO:<bob@sandbox.test>"], "503 5.5.1"),
        (["EHLO client.example", "MAIL FROM:<alice@sandbox.test>", "DATA"], "554 5.5.1"),
    ],
)
def test_the_warning_names_the_reply_as_this_server_writes_it(lines: list[str], expected: str) -> None:
    pair = Pair(SandboxPolicy())
    for line in lines[:-1]:
        pair.send(line)
    warning = pointless_warning(lines[-1], pair.state)
    assert warning is not None and f"would most likely answer {expected}." in warning
    assert str(pair.send(lines[-1])).startswith(expected + " ")


def test_next_verbs_follow_the_table() -> None:
    pair = Pair(SandboxPolicy())
    assert pair.state.next_verbs() == ["EHLO", "HELO", "QUIT"]
    pair.send("EHLO client.example")
    assert pair.state.next_verbs() == ["MAIL", "STARTTLS", "NOOP", "RSET", "VRFY", "HELP", "QUIT"]
    pair.send("STARTTLS")
    pair.send("EHLO client.example")
    assert pair.state.next_verbs() == ["MAIL", "AUTH", "NOOP", "RSET", "VRFY", "HELP", "QUIT"]
    pair.send(f"AUTH PLAIN {PLAIN}")
    pair.send("MAIL FROM:<alice@sandbox.test>")
    assert pair.state.next_verbs() == ["RCPT", "RSET", "NOOP", "QUIT"]
    pair.send("RCPT TO:<bob@sandbox.test>")
    assert pair.state.next_verbs() == ["RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT"]
    pair.send("BDAT 3", payload=b"abc")
    assert pair.state.next_verbs() == ["BDAT", "RSET", "QUIT"]
