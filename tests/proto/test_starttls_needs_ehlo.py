"""STARTTLS is an extension: after HELO it was never advertised, so the sandbox refuses it (RFC 3207 §4: a client
must not send a keyword the server did not list in its EHLO reply), as Exim does."""

from __future__ import annotations

from tests.proto.test_server_machine import Harness, codes


def test_starttls_after_helo_is_refused_as_not_advertised() -> None:
    h = Harness()
    assert h.line("HELO client.example").code == 250
    reply = h.line("STARTTLS")
    assert codes([reply]) == ["503"]  # a HELO session carries no enhanced status codes
    assert "not advertised" in reply.text and "EHLO" in reply.text
    assert "never advertised" in h.reasons()[-1]
    assert not h.server.tls


def test_after_ehlo_the_same_connection_may_upgrade() -> None:
    h = Harness()
    assert h.line("HELO client.example").code == 250
    assert h.line("STARTTLS").code == 503
    assert h.line("EHLO client.example").code == 250
    assert h.line("STARTTLS").code == 220
