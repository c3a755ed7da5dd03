"""A mistyped verb gets a guess only when one verb is clearly closest."""

from __future__ import annotations

import pytest

from smtpshell.explain import explain_reply
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import Reply
from smtpshell.proto.verb_typos import did_you_mean, edit_distance


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("EHOL", "EHLO"), ("ehol", "EHLO"), ("MIAL", "MAIL"), ("RCTP", "RCPT"), ("QIUT", "QUIT"), ("STARTLS", "STARTTLS")],
)
def test_a_typo_of_a_verb_is_guessed(typed: str, meant: str) -> None:
    assert did_you_mean(typed) == meant


@pytest.mark.parametrize("typed", ["EHLO", "XYZZY", "DAT", ""])  # a verb, nothing close, DATA and BDAT tied
def test_no_guess_for_a_verb_nothing_close_or_a_tie(typed: str) -> None:
    assert did_you_mean(typed) is None


def test_a_swap_of_neighbours_is_one_edit() -> None:
    assert edit_distance("EHOL", "EHLO") == 1 and edit_distance("EHLO", "HELO") == 1
    assert edit_distance("", "QUIT") == 4 and edit_distance("KITTEN", "SITTING") == 3


def test_the_explanation_of_a_500_offers_the_guess() -> None:
    state = ClientState(connected=True, greeted=True)
    explanation = explain_reply(Reply(500, ("5.5.2 Command not recognized",)), "EHOL me", state)
    assert explanation.meaning.startswith("Did you mean EHLO?")
    assert "Did you mean" not in explain_reply(Reply(500, ("x",)), "XYZZY", state).meaning
