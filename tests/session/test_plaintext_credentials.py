"""Typed credentials over plaintext: held once with a warning (as /auth refuses), sent on insistence; a script
gets the warning and sends. The non-loopback case is simulated through the loopback check; the peer is real."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.proto.auth import b64encode, plain_response
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import Reply
from smtpshell.repl.script import run_script
from smtpshell.session import engine as engine_module
from smtpshell.session.engine import ShellEngine
from smtpshell.session.redact import HIDDEN
from smtpshell.session.safety import carries_credentials, is_loopback_peer, plaintext_credentials_warning
from smtpshell.session.target import Target
from tests.client.peers import PASSWORD, USER, LoopbackController, aiosmtpd_server
from tests.session.helpers import exchanges, notices

PLAIN_LINE = f"AUTH PLAIN {plain_response(USER, PASSWORD)}"


def greeted(*, tls: bool = False, mechanism: str | None = None) -> ClientState:
    state = ClientState()
    state.apply("<greeting>", Reply.make(220, "x"))
    state.apply("EHLO me", Reply(250, ("x", "AUTH PLAIN LOGIN")))
    state.tls = tls
    state.auth_mechanism = mechanism
    return state


def test_which_lines_carry_credentials() -> None:
    state = greeted()
    assert carries_credentials(PLAIN_LINE, state, auth_response=False)
    assert carries_credentials("auth login " + b64encode(USER), state, auth_response=False)
    assert not carries_credentials("AUTH LOGIN", state, auth_response=False)  # no initial response yet
    assert not carries_credentials("AUTH PLAIN =", state, auth_response=False)  # an empty one
    assert not carries_credentials("AUTH CRAM-MD5", state, auth_response=False)
    assert carries_credentials(b64encode(PASSWORD), greeted(mechanism="LOGIN"), auth_response=True)
    assert not carries_credentials("*", greeted(mechanism="LOGIN"), auth_response=True)  # cancelling
    assert not carries_credentials("ZGlnZXN0", greeted(mechanism="CRAM-MD5"), auth_response=True)


def test_the_warning_depends_on_tls_and_on_where_the_server_is() -> None:
    assert plaintext_credentials_warning(PLAIN_LINE, greeted(), auth_response=False, loopback=False)
    assert plaintext_credentials_warning(PLAIN_LINE, greeted(), auth_response=False, loopback=True) is None
    assert plaintext_credentials_warning(PLAIN_LINE, greeted(tls=True), auth_response=False, loopback=False) is None
    held = plaintext_credentials_warning(PLAIN_LINE, greeted(), auth_response=False, loopback=False)
    sent = plaintext_credentials_warning(PLAIN_LINE, greeted(), auth_response=False, loopback=False, held=False)
    assert held is not None and "Not sent" in held and sent is not None and "Sent anyway" in sent
    assert PASSWORD not in held and plain_response(USER, PASSWORD) not in held


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:25", True),
        ("127.3.2.1:2525", True),
        ("[::1]:25", True),
        ("192.0.2.7:25", False),
        ("[2001:db8::1]:587", False),
        ("?", False),
    ],
)
def test_loopback_peers(address: str, loopback: bool) -> None:
    assert is_loopback_peer(address) is loopback


@pytest.fixture
def plaintext_server() -> Iterator[LoopbackController]:
    """aiosmtpd offering AUTH PLAIN and LOGIN without TLS, as a careless server does."""
    with aiosmtpd_server(auth_require_tls=False) as (server, _):
        yield server


@pytest.fixture
def far_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection is real (loopback); the shell is told its peer is another machine."""
    monkeypatch.setattr(engine_module, "is_loopback_peer", lambda address: False)


def auth_exchanges(engine: ShellEngine) -> list[tuple[str, int | None]]:
    return [(e.command, e.reply.code if e.reply else None) for e in exchanges(engine) if e.kind == "auth"]


@pytest.mark.usefixtures("far_away")
async def test_typed_auth_plain_is_held_once_then_sent_on_insistence(
    plaintext_server: LoopbackController, smtpshell_home: Path
) -> None:
    engine = ShellEngine(Target("remote", "127.0.0.1", plaintext_server.port), data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit("EHLO me.example")
        await engine.submit(PLAIN_LINE)
        assert auth_exchanges(engine) == []  # held: nothing went out
        warning = notices(engine, "warning")[-1].text
        assert "not encrypted" in warning and "STARTTLS" in warning and "Not sent" in warning
        assert engine.take_suggestion() == PLAIN_LINE  # back on the command line
        await engine.submit(PLAIN_LINE)  # insisting
        assert auth_exchanges(engine) == [(f"AUTH PLAIN {HIDDEN}", 235)]
    finally:
        await engine.close()


@pytest.mark.usefixtures("far_away")
async def test_typed_auth_login_answers_are_held_too(
    plaintext_server: LoopbackController, smtpshell_home: Path
) -> None:
    engine = ShellEngine(Target("remote", "127.0.0.1", plaintext_server.port), data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit("EHLO me.example")
        await engine.submit("AUTH LOGIN")  # no credentials in it: sent at once
        assert auth_exchanges(engine) == [("AUTH LOGIN", 334)]
        for answer in (b64encode(USER), b64encode(PASSWORD)):
            await engine.submit(answer)
            assert "Not sent" in notices(engine, "warning")[-1].text
            await engine.submit(answer)
        assert auth_exchanges(engine) == [("AUTH LOGIN", 334), (HIDDEN, 334), (HIDDEN, 235)]
    finally:
        await engine.close()


async def test_on_loopback_typed_auth_goes_at_once(plaintext_server: LoopbackController, smtpshell_home: Path) -> None:
    engine = ShellEngine(Target("remote", "127.0.0.1", plaintext_server.port), data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit("EHLO me.example")
        await engine.submit(PLAIN_LINE)
        assert auth_exchanges(engine) == [(f"AUTH PLAIN {HIDDEN}", 235)]
        assert not notices(engine, "warning")
    finally:
        await engine.close()


@pytest.mark.usefixtures("far_away")
async def test_a_script_prints_the_warning_and_sends(
    plaintext_server: LoopbackController, smtpshell_home: Path
) -> None:
    engine = ShellEngine(Target("remote", "127.0.0.1", plaintext_server.port), data_dir=smtpshell_home)
    out = io.StringIO()
    status = await run_script(engine, ["EHLO me.example\n", PLAIN_LINE + "\n", "QUIT\n"], out)
    printed = out.getvalue()
    assert "not encrypted" in printed and "Sent anyway" in printed
    assert f"C: AUTH PLAIN {HIDDEN}\nS: 235" in printed
    assert plain_response(USER, PASSWORD) not in printed
    assert status == 0, printed
