"""What the completer offers in each session state, as tables in the manner of pgcli's completion tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpshell.proto.commands import COMMANDS, MAIL_PARAMS, RCPT_PARAMS
from smtpshell.session.completion import Completion, complete
from tests.completion.states import STATES

ADDRESSES = ("alice@sandbox.test", "bob@sandbox.test")
HISTORY = ("MAIL FROM:<carol@x.test>", "RCPT TO:<dave@y.test>", "NOOP", "mail from: <erin@z.test> SIZE=10")


def texts(text: str, state: str, **sources: object) -> list[str]:
    return [c.text for c in complete(text, STATES[state], **sources)]  # type: ignore[arg-type]


# The verbs the state expects come first, in ClientState.next_verbs() order.
LEADING_VERBS = [
    ("unconnected", ["HELO ", "EHLO ", "MAIL FROM:<"]),
    ("greeted", ["EHLO ", "HELO ", "QUIT", "MAIL FROM:<"]),
    ("helo", ["MAIL FROM:<", "NOOP", "RSET", "VRFY ", "HELP", "QUIT", "HELO "]),
    ("ehlo-all", ["MAIL FROM:<", "STARTTLS", "AUTH ", "NOOP", "RSET", "VRFY ", "HELP", "QUIT"]),
    ("after-tls", ["EHLO ", "HELO ", "QUIT"]),
    ("mail", ["RCPT TO:<", "RSET", "NOOP", "QUIT", "HELO "]),
    ("mail-refused", ["MAIL FROM:<", "STARTTLS", "AUTH "]),
    ("rcpt", ["RCPT TO:<", "DATA", "BDAT ", "RSET", "NOOP", "QUIT"]),
    ("rcpt-no-dsn", ["RCPT TO:<", "DATA", "RSET", "NOOP", "QUIT", "HELO "]),
    ("authenticated", ["MAIL FROM:<", "STARTTLS", "NOOP"]),
]


@pytest.mark.parametrize(("state", "first"), LEADING_VERBS)
def test_an_empty_line_offers_the_expected_verbs_first(state: str, first: list[str]) -> None:
    assert texts("", state)[: len(first)] == first


@pytest.mark.parametrize("state", ["greeted", "ehlo-all", "mail", "rcpt"])
def test_an_empty_line_offers_every_current_verb_once_and_no_obsolete_one(state: str) -> None:
    offered = [t.split(" ")[0] for t in texts("", state)]
    assert sorted(offered) == sorted(c.verb for c in COMMANDS.values() if not c.obsolete)


EXACT = [
    # partial verbs, any case, with leading blanks
    ("greeted", "ma", ["MAIL FROM:<"]),
    ("greeted", "MA", ["MAIL FROM:<"]),
    ("greeted", "rc", ["RCPT TO:<"]),
    ("greeted", "rCp", ["RCPT TO:<"]),
    ("greeted", "  eh", ["EHLO "]),
    ("greeted", "MAIL", ["MAIL FROM:<"]),
    ("greeted", "da", ["DATA"]),
    ("greeted", "x", []),
    ("greeted", "t", ["TURN"]),  # obsolete verbs only once typed, and last
    ("greeted", "s", ["STARTTLS", "SEND", "SOML", "SAML"]),
    ("mail", "r", ["RCPT TO:<", "RSET"]),
    ("rcpt", "d", ["DATA"]),
    # nothing while a message or a secret is being typed
    ("data", "", []),
    ("data", "MA", []),
    ("data", "/he", []),
    ("auth-challenge", "", []),
    ("auth-challenge", "AUTH ", []),
    # FROM:/TO: after MAIL and RCPT
    ("ehlo-all", "MAIL ", ["FROM:<"]),
    ("ehlo-all", "mail f", ["FROM:<"]),
    ("ehlo-all", "MAIL  FRO", ["FROM:<"]),
    ("ehlo-all", "MAIL TO", []),
    ("mail", "RCPT ", ["TO:<"]),
    ("mail", "rcpt t", ["TO:<"]),
    ("mail", "RCPT FROM", []),
    # verbs without arguments, unknown verbs
    ("rcpt", "DATA ", []),
    ("ehlo-all", "QUIT now", []),
    ("ehlo-all", "FOO ", []),
    # MAIL parameters: only what the server advertised, each once
    ("ehlo-all", "MAIL FROM:<a@b.test> ", ["SIZE=", "BODY=", "SMTPUTF8", "RET=", "ENVID=", "AUTH="]),
    ("ehlo-all", "MAIL FROM:<> ", ["SIZE=", "BODY=", "SMTPUTF8", "RET=", "ENVID=", "AUTH="]),
    ("ehlo-bare", "MAIL FROM:<a@b.test> ", []),
    ("helo", "MAIL FROM:<a@b.test> ", []),
    ("ehlo-size-auth", "MAIL FROM:<a@b.test> ", ["SIZE=", "AUTH="]),
    ("ehlo-dsn", "MAIL FROM:<a@b.test> ", ["RET=", "ENVID="]),
    ("ehlo-all", "MAIL FROM:<a@b.test> s", ["SIZE=", "SMTPUTF8"]),
    ("ehlo-all", "mail from:<a@b.test> size=100 s", ["SMTPUTF8"]),
    ("ehlo-all", "MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=x AUTH=<> ", []),
    ("ehlo-all", "MAIL FROM:<a@b.test>", []),
    ("ehlo-all", "MAIL FROM:<a@b.test>SIZE", []),
    ("ehlo-all", "MAIL FROM:a@b.test SI", []),
    # parameter values
    ("ehlo-all", "MAIL FROM:<a@b.test> BODY=", ["7BIT", "8BITMIME", "BINARYMIME"]),
    ("ehlo-all", "MAIL FROM:<a@b.test> body=8", ["8BITMIME"]),
    ("ehlo-all", "MAIL FROM:<a@b.test> RET=h", ["HDRS"]),
    ("ehlo-all", "MAIL FROM:<a@b.test> SIZE=", []),
    ("ehlo-all", "MAIL FROM:<a@b.test> BODY=7BIT,", []),
    ("ehlo-bare", "MAIL FROM:<a@b.test> BODY=", []),
    # RCPT parameters: NOTIFY and ORCPT only when DSN is advertised
    ("mail", "RCPT TO:<b@c.test> ", ["NOTIFY=", "ORCPT="]),
    ("ehlo-dsn", "RCPT TO:<b@c.test> ", ["NOTIFY=", "ORCPT="]),
    ("ehlo-size-auth", "RCPT TO:<b@c.test> ", []),
    ("rcpt-no-dsn", "RCPT TO:<b@c.test> ", []),
    ("mail", "RCPT TO:<b@c.test> n", ["NOTIFY="]),
    ("mail", "RCPT TO:<b@c.test> NOTIFY=", ["NEVER", "SUCCESS", "FAILURE", "DELAY"]),
    ("mail", "RCPT TO:<b@c.test> notify=success,", ["FAILURE", "DELAY"]),
    ("mail", "RCPT TO:<b@c.test> NOTIFY=SUCCESS,DELAY,f", ["FAILURE"]),
    ("mail", "RCPT TO:<b@c.test> NOTIFY=NEVER,", []),
    ("mail", "RCPT TO:<b@c.test> ORCPT=", ["rfc822;b@c.test"]),
    ("mail", "RCPT TO:<b+x=y@c.test> ORCPT=rfc", ["rfc822;b+2Bx+3Dy@c.test"]),
    ("mail", "RCPT TO:<b@c.test> NOTIFY=NEVER ", ["ORCPT="]),
    # AUTH: the mechanisms the server listed, in its order
    ("ehlo-all", "AUTH ", ["PLAIN", "LOGIN", "CRAM-MD5"]),
    ("ehlo-all", "auth l", ["LOGIN"]),
    ("ehlo-size-auth", "AUTH ", ["LOGIN", "PLAIN"]),
    ("helo", "AUTH ", []),
    ("ehlo-all", "AUTH PLAIN ", []),
    # HELP topics, arguments shown by example, BDAT's LAST
    ("ehlo-all", "HELP r", ["RCPT", "RSET"]),
    ("ehlo-all", "HELP MAIL ", []),
    ("greeted", "EHLO ", ["client.example"]),
    ("greeted", "helo CL", ["client.example"]),
    ("ehlo-all", "VRFY ", ["alice"]),
    ("rcpt", "BDAT 100 ", ["LAST"]),
    ("rcpt", "bdat 100 l", ["LAST"]),
    ("rcpt", "BDAT ", []),
    ("rcpt", "BDAT x ", []),
]


@pytest.mark.parametrize(("state", "text", "expected"), EXACT)
def test_completions(state: str, text: str, expected: list[str]) -> None:
    assert texts(text, state) == expected


def test_help_offers_every_verb_with_its_summary() -> None:
    offered = complete("HELP ", STATES["ehlo-all"])
    assert [(c.text, c.meaning) for c in offered] == [(c.verb, c.summary) for c in COMMANDS.values()]


ADDRESS_CASES = [
    # this verb's history (most recent first), the sandbox's mailboxes, then the other verb's history; <> last
    (
        "ehlo-all",
        "MAIL FROM:<",
        ["erin@z.test>", "carol@x.test>", "alice@sandbox.test>", "bob@sandbox.test>", "dave@y.test>", ">"],
    ),
    (
        "mail",
        "RCPT TO:<",
        ["dave@y.test>", "alice@sandbox.test>", "bob@sandbox.test>", "erin@z.test>", "carol@x.test>"],
    ),
    ("rcpt", "RCPT TO:<", ["dave@y.test>", "alice@sandbox.test>", "erin@z.test>", "carol@x.test>"]),  # bob taken
    ("ehlo-all", "MAIL FROM:<al", ["alice@sandbox.test>"]),
    ("ehlo-all", "MAIL FROM:<AL", ["alice@sandbox.test>"]),
    ("ehlo-all", "MAIL FROM:<sandbox", ["alice@sandbox.test>", "bob@sandbox.test>"]),  # the domain
    (
        "ehlo-all",
        "MAIL FROM:<test",
        ["erin@z.test>", "carol@x.test>", "alice@sandbox.test>", "bob@sandbox.test>", "dave@y.test>"],
    ),  # a label of the domain
    ("ehlo-all", "MAIL FROM:<ndbox", []),  # not in the middle of a word
    (
        "ehlo-all",
        "MAIL FROM:",
        ["<erin@z.test>", "<carol@x.test>", "<alice@sandbox.test>", "<bob@sandbox.test>", "<dave@y.test>", "<>"],
    ),
    ("ehlo-all", "MAIL FROM: <bo", ["bob@sandbox.test>"]),
    ("ehlo-all", "MAIL FROM:bo", ["<bob@sandbox.test>"]),
    ("ehlo-all", "MAIL FROM:<nobody", []),
]


@pytest.mark.parametrize(("state", "text", "expected"), ADDRESS_CASES)
def test_addresses_come_from_history_and_the_sandbox(state: str, text: str, expected: list[str]) -> None:
    assert texts(text, state, addresses=ADDRESSES, history=HISTORY) == expected


@pytest.mark.parametrize(
    ("text", "expected_start"),
    [
        ("ma", -2),
        ("  eh", -2),
        ("MAIL fr", -2),
        ("MAIL FROM:<al", -2),
        ("MAIL FROM:<a@b> BODY=8b", -2),
        ("RCPT TO:<a@b> NOTIFY=SUCCESS,de", -2),
        ("MAIL FROM:<a@b> ", 0),
    ],
)
def test_start_position_covers_only_the_word_being_typed(text: str, expected_start: int) -> None:
    state = STATES["rcpt"]
    found = complete(text, state, addresses=ADDRESSES)
    assert found
    assert {c.start_position for c in found} == {expected_start}


def test_parameter_meanings_come_from_the_command_table() -> None:
    offered = {c.text.rstrip("="): c for c in complete("MAIL FROM:<a@b> ", STATES["ehlo-all"])}
    offered |= {c.text.rstrip("="): c for c in complete("RCPT TO:<a@b> ", STATES["mail"])}
    for param in (*MAIL_PARAMS, *RCPT_PARAMS):
        assert offered[param.name].meaning.startswith(param.summary)
    assert "10240000" in offered["SIZE"].meaning  # the limit the server advertised


def test_a_verb_the_server_did_not_advertise_says_so() -> None:
    (bdat,) = complete("bd", STATES["ehlo-size-auth"])
    assert bdat.meaning == f"{COMMANDS['BDAT'].summary} (this server did not advertise CHUNKING)"
    (plain_bdat,) = complete("bd", STATES["ehlo-all"])
    assert plain_bdat.meaning == COMMANDS["BDAT"].summary


def apply(text: str, completion: Completion) -> str:
    return text[: len(text) + completion.start_position] + completion.text


def test_completing_step_by_step_builds_a_whole_command() -> None:
    """Tab, Tab, Tab: each first candidate appended gives a line the next step continues."""
    state = STATES["mail"]
    line = "rc"
    for choice, expected in [
        (0, "RCPT TO:<"),
        (1, "RCPT TO:<alice@sandbox.test>"),  # dave, from history, comes first
        (None, "RCPT TO:<alice@sandbox.test> "),
        (0, "RCPT TO:<alice@sandbox.test> NOTIFY="),
        (1, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS"),
        (None, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS,"),
        (1, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS,DELAY"),
        (None, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS,DELAY "),
        (0, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS,DELAY ORCPT="),
        (0, "RCPT TO:<alice@sandbox.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;alice@sandbox.test"),
    ]:
        if choice is None:
            line = expected  # the learner types the separator
            continue
        line = apply(line, complete(line, state, addresses=ADDRESSES, history=HISTORY[1:2])[choice])
        assert line == expected
    assert complete(line + " ", state) == []


LINES = [
    "EHLO client.example",
    "MAIL FROM:<alice@sandbox.test> SIZE=1000 BODY=8BITMIME",
    "rcpt to:<bob@sandbox.test> notify=success,failure orcpt=rfc822;bob@sandbox.test",
    "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
    "/connect mx.example.org:25 --starttls --insecure",
    "/explain 550 5.7.1",
    "HELP DATA",
]


@pytest.mark.parametrize("line", LINES)
def test_every_candidate_continues_what_is_typed(line: str) -> None:
    """At every prefix, each candidate replaces only typed text, and (but for addresses found inside) the typed
    word is the start of the candidate."""
    for state in ("greeted", "ehlo-all", "mail", "rcpt"):
        for end in range(len(line) + 1):
            text = line[:end]
            for c in complete(text, STATES[state], addresses=ADDRESSES, history=HISTORY):
                assert -len(text) <= c.start_position <= 0
                typed = text[len(text) + c.start_position :]
                assert c.text.upper().startswith(typed.upper()) or f"@{typed.lower()}" in c.text.lower()
                assert c.display and c.meaning


@given(st.text(max_size=80))
def test_any_text_completes_without_error(text: str) -> None:
    for state in STATES.values():
        for c in complete(text, state, addresses=ADDRESSES, history=(*HISTORY, text), lessons=[("x", "y")]):
            assert -len(text) <= c.start_position <= 0
