"""Numbers a server sends are read as ASCII digits only: "²" or "١٢" in an EHLO line is not a number, and it never
crashes the client, the probe or the explanation (str.isdigit() says yes to them, int() refuses "²")."""

from __future__ import annotations

import pytest

from smtpshell.explain import ehlo_reading
from smtpshell.net.probe import size_limit
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.replies import Reply

NOT_ASCII_NUMBERS = ["²", "١٢", "１０", "²²²"]


@pytest.mark.parametrize("text", NOT_ASCII_NUMBERS)
def test_digits_of_other_scripts_are_not_digits(text: str) -> None:
    assert text.isdigit() and not is_ascii_digits(text)


@pytest.mark.parametrize("text", NOT_ASCII_NUMBERS)
def test_a_size_of_other_digits_is_no_limit_for_the_client(text: str) -> None:
    state = ClientState()
    state.apply("EHLO me.example", Reply.make(250, ["mx.example", f"SIZE {text}"]))
    assert state.size_limit() is None
    assert size_limit(text) is None


@pytest.mark.parametrize("text", NOT_ASCII_NUMBERS)
@pytest.mark.parametrize("keyword", ["SIZE", "DELIVERBY", "FUTURERELEASE"])
def test_explaining_an_ehlo_line_with_other_digits_says_it_is_not_a_number(keyword: str, text: str) -> None:
    reading = ehlo_reading.READERS[keyword.lower()](
        f"{text} 2030-01-01T00:00:00Z" if keyword == "FUTURERELEASE" else text, None
    )
    assert "not a number" in reading or "expected" in reading
