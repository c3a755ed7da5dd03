"""XCLIENT and XFORWARD against a real Postfix that trusts this host: completed from the EHLO line, explained,
and XCLIENT's fresh 220 read as a new session that must be greeted again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.session.completion import complete
from smtpshell.session.engine import ShellEngine
from smtpshell.session.target import parse_connect_args
from tests.admin.postfix import Postfix, running_postfix
from tests.session.helpers import exchanges, run


@pytest.fixture(scope="module")
def postfix() -> Iterator[Postfix]:
    with running_postfix() as server:
        yield server


async def test_xclient_and_xforward_are_completed_and_explained(postfix: Postfix, smtpshell_home: Path) -> None:
    engine = ShellEngine(parse_connect_args([postfix.target(postfix.relay_port)]), data_dir=smtpshell_home)
    await engine.start()
    try:
        await run(engine, "EHLO me.example")
        assert engine.state.advertised("XCLIENT") and engine.state.advertised("XFORWARD")
        assert [c.text for c in complete("X", engine.state)] == ["XCLIENT ", "XFORWARD "]
        offered = [c.text for c in complete("XCLIENT ", engine.state)]
        assert {"NAME=", "ADDR=", "PROTO=", "HELO="} <= set(offered)
        assert "ADDR=" not in [c.text for c in complete("XCLIENT ADDR=192.0.2.7 ", engine.state)]
        # From 127.0.0.1 (in mynetworks) this listener relays ...
        await run(engine, "MAIL FROM:<me@example.org>", "RCPT TO:<someone@elsewhere.example>", "RSET")
        assert [e.reply.code for e in exchanges(engine)[-3:] if e.reply] == [250, 250, 250]

        await run(engine, "XCLIENT ADDR=192.0.2.7 NAME=client.example.org")
        xclient = exchanges(engine)[-1]
        assert xclient.reply is not None and xclient.reply.code == 220
        assert xclient.explanation is not None and "started the session over" in xclient.explanation.headline
        assert engine.state.helo is None  # a new session: EHLO again
        # ... and for the client XCLIENT described (192.0.2.7) it does not: Postfix believed it.
        await run(engine, "EHLO me.example", "MAIL FROM:<me@example.org>", "RCPT TO:<someone@elsewhere.example>")
        refused = exchanges(engine)[-1]
        assert refused.reply is not None and refused.reply.code == 554, refused.reply
        await run(engine, "RSET", "XFORWARD NAME=origin.example.org ADDR=198.51.100.9")
        xforward = exchanges(engine)[-1]
        assert xforward.reply is not None and xforward.reply.code == 250
        assert xforward.explanation is not None and "recorded the original client" in xforward.explanation.headline
        await run(engine, "QUIT")
    finally:
        await engine.close()


async def test_a_server_that_does_not_offer_xclient_is_not_said_to_distrust_us(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home)  # the sandbox offers neither command
    await engine.start()
    try:
        await run(engine, "EHLO me.example")
        assert [c.text for c in complete("XC", engine.state)] == []
        await run(engine, "XCLIENT ADDR=192.0.2.7")
        refused = exchanges(engine)[-1]
    finally:
        await engine.close()
    assert refused.reply is not None and refused.reply.first_digit == 5
    assert refused.explanation is not None and "only hosts the administrator trusts" not in refused.explanation.headline
