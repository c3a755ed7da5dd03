"""Arbitrary octets inside each argument position of every command of the command table (not only whole random
lines, which rarely get past the verb): the machine never raises, always answers or closes cleanly, never sends
a control character or a raw octet back, and, when the octets stay inside one line, the session goes on."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpshell.proto import server
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS
from smtpshell.proto.events import Close, CommandReceived, Output, SendReply
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.server import ServerConnection

HOLE = "\x00HOLE\x00"  # where the arbitrary octets go
_SEPARATORS = re.compile(r"([ :<>@=;,.])")


def _positions(line: str) -> Iterator[str]:
    """``line`` with each word after the verb (between separators) replaced by the hole, then with the hole added."""
    verb, _, argument = line.partition(" ")
    pieces = _SEPARATORS.split(argument)
    for index, piece in enumerate(pieces):
        if piece and not _SEPARATORS.fullmatch(piece):
            yield f"{verb} " + "".join([*pieces[:index], HOLE, *pieces[index + 1 :]])
    yield f"{verb} {HOLE}"
    yield f"{verb} {argument} {HOLE}".replace("  ", " ")


def _templates() -> Iterator[tuple[str, str]]:
    """(command, template) for every command of the table, its parameters and the AUTH and content exchanges."""
    for command in COMMANDS.values():
        for template in _positions(command.example):
            yield command.verb, template
        for param in command.params:
            yield command.verb, f"{command.example} {param.name}={HOLE}"
            yield command.verb, f"{command.example} {HOLE}={param.value or 'x'}"
    for mechanism in AUTH_MECHANISMS:
        yield "AUTH", f"AUTH {mechanism}\r\n{HOLE}"
        yield "AUTH", f"AUTH {mechanism} {HOLE}"
        yield "AUTH", f"AUTH {mechanism}\r\nYWxpY2U=\r\n{HOLE}"
    yield "DATA", f"DATA\r\n{HOLE}\r\n."
    yield "DATA", f"DATA\r\nSubject: {HOLE}\r\n\r\n{HOLE}\r\n."
    yield "BDAT", f"BDAT 4 LAST\r\n{HOLE}"


TEMPLATES = sorted(set(_templates()))

# What must come first for the command to be judged past its sequence checks.
CONTEXT = {
    "RCPT": ["MAIL FROM:<alice@sandbox.test>"],
    "DATA": ["MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"],
    "BDAT": ["MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"],
}

SPECIAL = [
    b"\xff\xfe",
    b"\xc3",  # a UTF-8 sequence cut short
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
    "²".encode(),
    "١٢".encode(),
    "é".encode(),
    "\u202e".encode(),
    "\u009b".encode(),
    b"\x1b[2J",
    b"\x00",
    b"\x7f",
    b"*",
    b"=",
    b"<>",
    b"@",
    b"+",
    b"99999999999999999999999",
    b"-1",
    b"x" * 600,
]
octets = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(SPECIAL),
    st.lists(st.sampled_from(SPECIAL), max_size=4).map(b"".join),
    st.text(max_size=12).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


def _fill(template: str, hole: bytes) -> bytes:
    return template.encode("utf-8").replace(HOLE.encode(), hole)


def _machine(tls: bool) -> ServerConnection:
    ids = iter(range(10**6))
    return ServerConnection(
        SandboxPolicy(), lambda _message: None, tls=tls, clock=lambda: 0.0, new_id=lambda: f"Q{next(ids)}"
    )


def _check(outputs: list[Output]) -> None:
    for index, item in enumerate(outputs):
        if isinstance(item, SendReply):
            assert 200 <= item.reply.code <= 599 and item.reason
            wire = item.reply.to_bytes().decode("utf-8")  # strict: no raw octet is sent back
            assert all(line.isprintable() for line in wire.split("\r\n")), wire
            assert item.reason.isprintable(), item.reason
        if isinstance(item, CommandReceived):
            assert item.line.isprintable(), item.line
        if isinstance(item, Close):
            assert index == len(outputs) - 1


def _session(tls: bool, verb: str, utf8: bool) -> tuple[ServerConnection, list[Output]]:
    machine = _machine(tls)
    out = machine.start()
    context = CONTEXT.get(verb, [])
    if utf8 and context:
        context = [context[0] + " SMTPUTF8", *context[1:]]
    out += machine.receive_data(b"".join(line.encode() + b"\r\n" for line in ["EHLO client.example", *context]))
    return machine, out


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(TEMPLATES), hole=octets, tls=st.booleans(), utf8=st.booleans())
def test_any_octets_in_any_argument_give_replies_or_a_clean_close(
    template: tuple[str, str], hole: bytes, tls: bool, utf8: bool
) -> None:
    verb, text = template
    machine, out = _session(tls, verb, utf8)
    out += machine.receive_data(_fill(text, hole) + b"\r\n")
    out += machine.receive_data(b"\r\nNOOP\r\nQUIT\r\n")
    _check(out)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=st.sampled_from(TEMPLATES),
    hole=octets.map(lambda data: data.replace(b"\r", b"").replace(b"\n", b"")),
    tls=st.booleans(),
    utf8=st.booleans(),
)
def test_octets_inside_one_line_never_end_the_session(
    template: tuple[str, str], hole: bytes, tls: bool, utf8: bool
) -> None:
    verb, text = template
    machine, out = _session(tls, verb, utf8)
    out += machine.receive_data(_fill(text, hole) + b"\r\n")
    # Whatever the line began (an AUTH exchange, a message, a chunk, a handshake), finish it the usual way.
    if machine.phase == server.AUTH_RESPONSE:
        out += machine.receive_data(b"*\r\n")
    if machine.phase == server.DATA:
        out += machine.receive_data(b".\r\n")
    if machine.phase == server.CHUNK:
        if machine.chunk_remaining > 100_000:  # a chunk of that size is legal; the message deadline bounds it
            return
        out += machine.receive_data(b"x" * machine.chunk_remaining)
    if machine.phase == server.TLS:
        out += machine.tls_established()
    if verb == "QUIT" and machine.closed:  # "QUIT " followed by nothing but spaces is a QUIT
        assert isinstance(out[-2], SendReply) and out[-2].reply.code == 221
        return
    assert machine.phase == server.COMMAND, out
    noop = machine.receive_data(b"NOOP\r\n")
    _check(out + noop)
    replies = [item.reply for item in noop if isinstance(item, SendReply)]
    assert [reply.code for reply in replies] == [250], (text, hole, replies)


def test_the_templates_reach_every_command_and_parameter() -> None:
    verbs = {verb for verb, _ in TEMPLATES}
    assert verbs == set(COMMANDS)
    texts = " ".join(text for _, text in TEMPLATES)
    for command in COMMANDS.values():
        for param in command.params:
            assert f"{param.name}={HOLE}" in texts
    assert "MAIL FROM:<\x00HOLE\x00@sandbox.test>" in texts and "RCPT TO:<bob@\x00HOLE\x00.test>" in texts
