"""suggest(): what kind of thing fits at the cursor, read from the line alone (pgcli's suggest_type tables)."""

from __future__ import annotations

import pytest

from smtpshell.session.completion import suggest
from smtpshell.session.completion_suggest import (
    Address,
    ArgumentExample,
    BdatLast,
    EsmtpParameter,
    EsmtpValue,
    HelpTopic,
    Mechanism,
    MetaArgument,
    MetaFlag,
    MetaName,
    PathKeyword,
    Suggestion,
    Verb,
)
from tests.completion.states import STATES

CASES: list[tuple[str, list[Suggestion]]] = [
    ("", [Verb("")]),
    ("ma", [Verb("ma")]),
    ("   rc", [Verb("rc")]),
    ("NOOP\nMA", [Verb("MA")]),  # only the last line counts
    ("MAIL ", [PathKeyword("MAIL", "")]),
    ("mail fR", [PathKeyword("MAIL", "fR")]),
    ("MAIL   FROM", [PathKeyword("MAIL", "FROM")]),
    ("MAIL FROMX", []),
    ("RCPT TO", [PathKeyword("RCPT", "TO")]),
    ("RCPT FROM:<", []),
    ("MAIL FROM:", [Address("MAIL", "", bracket=False)]),
    ("MAIL FROM:<", [Address("MAIL", "", bracket=True)]),
    ("MAIL FROM: <ali", [Address("MAIL", "ali", bracket=True)]),
    ("rcpt to:bo", [Address("RCPT", "bo", bracket=False)]),
    ("RCPT TO:<@relay.test:bob@x.test", [Address("RCPT", "@relay.test:bob@x.test", bracket=True)]),
    ("MAIL FROM:<a@b>", []),
    ("MAIL FROM:<a@b>X", []),
    ("MAIL FROM:a@b SIZE", []),
    ("MAIL FROM:<a@b> ", [EsmtpParameter("MAIL", "", frozenset())]),
    ("MAIL FROM:<> s", [EsmtpParameter("MAIL", "s", frozenset())]),
    ("MAIL FROM:<a@b> size=10  body=8bitmime ", [EsmtpParameter("MAIL", "", frozenset({"SIZE", "BODY"}))]),
    ("MAIL FROM:<a@b> SMTPUTF8 B", [EsmtpParameter("MAIL", "B", frozenset({"SMTPUTF8"}))]),
    ("MAIL FROM:<a@b> BODY=", [EsmtpValue("MAIL", "BODY", "", (), "a@b")]),
    ("RCPT TO:<b@c> notify=success,del", [EsmtpValue("RCPT", "NOTIFY", "del", ("SUCCESS",), "b@c")]),
    ("RCPT TO:<b@c> ORCPT=rfc822;", [EsmtpValue("RCPT", "ORCPT", "rfc822;", (), "b@c")]),
    ("AUTH ", [Mechanism("")]),
    ("auth cr", [Mechanism("cr")]),
    ("AUTH PLAIN ", []),
    ("AUTH PLAIN AGFs", []),
    ("HELP ", [HelpTopic("")]),
    ("HELP MA", [HelpTopic("MA")]),
    ("HELP MAIL ", []),
    ("EHLO ", [ArgumentExample("EHLO", "")]),
    ("EHLO my", [ArgumentExample("EHLO", "my")]),
    ("EHLO my.host ", []),
    ("ETRN ", [ArgumentExample("ETRN", "")]),
    ("BDAT ", []),
    ("BDAT 12", []),
    ("BDAT 12 ", [BdatLast("")]),
    ("BDAT 12 LA", [BdatLast("LA")]),
    ("BDAT 12 LAST ", []),
    ("DATA ", []),
    ("RSET x", []),
    ("NOOP ", []),  # NOOP's argument is free text: nothing to offer
    ("XYZZY ", []),
    ("/", [MetaName("/")]),
    ("  /con", [MetaName("/con")]),
    ("/connect ", [MetaArgument("connect", "host", "")]),
    ("/CONNECT mx", [MetaArgument("connect", "host", "mx")]),
    ("/connect mx --", [MetaFlag("connect", "--", frozenset())]),
    ("/connect mx --tls --in", [MetaFlag("connect", "--in", frozenset({"--tls"}))]),
    ("/connect mx --cafile ", []),
    ("/lesson ", [MetaArgument("lesson", "lesson", "")]),
    ("/raw o", [MetaArgument("raw", "on-off", "o")]),
    ("/explain 5.7.", [MetaArgument("explain", "topic", "5.7.")]),
    ("/explain 550 x", []),
    ("/sandbox ", [MetaArgument("sandbox", "none", "")]),
    ("/nonsense ", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_suggest(text: str, expected: list[Suggestion]) -> None:
    assert suggest(text, STATES["ehlo-all"]) == expected


@pytest.mark.parametrize("state", ["data", "auth-challenge"])
@pytest.mark.parametrize("text", ["", "MAIL FROM:<", "/help ", "."])
def test_nothing_is_suggested_inside_a_message_or_a_secret(state: str, text: str) -> None:
    assert suggest(text, STATES[state]) == []


def test_suggest_reads_the_line_not_the_server() -> None:
    """The same line gives the same kinds whatever was advertised; the matchers apply the server's rules."""
    for text, expected in CASES:
        for state in ("unconnected", "helo", "ehlo-bare", "mail", "rcpt", "closed"):
            assert suggest(text, STATES[state]) == expected, (text, state)
