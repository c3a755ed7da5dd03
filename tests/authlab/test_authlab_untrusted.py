"""Every byte a client sends is untrusted: whatever the message and addresses, the lab answers and never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.authlab.dkim_check import sign
from smtpshell.authlab.receiver import AuthLab
from smtpshell.proto.message_check import MessageCheckInput, MessageVerdict

LAB = AuthLab()
SIGNED = b"From: <a@good.test>\r\nSubject: x\r\n\r\nbody\r\n"
HEADERS = st.sampled_from(
    [
        b"From: <a@good.test>\r\n",
        b"From: a@good.test, b@nospf.test\r\n",
        b"From: =?utf-8?q?J=C3=B6rg?= <j\xc3\xb6rg@good.test>\r\n",
        b"DKIM-Signature: v=1; d=good.test; s=lab; h=from; bh=AAAA; b=!!!\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=; s=; b=\r\n",
        b"ARC-Seal: i=1; cv=none; d=lists.test; s=lab; b=xyz\r\n",
        b"ARC-Seal: i=x\r\n",
        b"Authentication-Results: evil; dmarc=pass\r\n",
        b"\xff\xfe: \x00\r\n",
        sign(SIGNED, "good.test"),
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    headers=st.lists(HEADERS, max_size=5),
    body=st.binary(max_size=200),
    sender=st.sampled_from(["a@good.test", "", "jörg@good.test", "a@b@nospf.test", "x@forwarded.test", "@good.test"]),
    helo=st.sampled_from(["client.example", "", "[127.0.0.1]", "bad name", "ü.test"]),
)
def test_any_message_gets_a_verdict(headers: list[bytes], body: bytes, sender: str, helo: str) -> None:
    content = b"".join(headers) + b"\r\n" + body
    verdict = LAB(MessageCheckInput("127.0.0.1", helo, sender, ("bob@sandbox.test",), content))
    assert verdict is None or isinstance(verdict, MessageVerdict)
    if verdict is not None and verdict.reply is not None:
        assert verdict.reply.code in (451, 550)


def test_a_check_that_breaks_defers_the_message_instead_of_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    lab = AuthLab()

    def broken(check: MessageCheckInput) -> None:
        raise ValueError("a library choked")

    monkeypatch.setattr(lab, "evaluate", broken)
    verdict = lab(MessageCheckInput("127.0.0.1", "c.example", "a@good.test", (), b"From: <a@good.test>\r\n\r\nx"))
    assert verdict is not None and verdict.reply is not None
    assert (verdict.reply.code, verdict.reply.enhanced) == (451, "4.3.0")
    assert "ValueError: a library choked" in verdict.reason


def test_control_characters_in_the_message_are_escaped_in_the_reason() -> None:
    content = b"DKIM-Signature: v=1; d=evil\x1b[31m.test; s=x; h=from; bh=a; b=b\r\nFrom: <a@nospf.test>\r\n\r\nhi\r\n"
    verdict = LAB(MessageCheckInput("127.0.0.1", "c.example", "a@nospf.test", (), content))
    assert verdict is not None and "\x1b" not in verdict.reason and "evil\\x1b[31m.test" in verdict.reason
