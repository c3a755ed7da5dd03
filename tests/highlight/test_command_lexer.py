"""Token streams of single command lines, as typed at the prompt."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prompt_toolkit.document import Document
from prompt_toolkit.lexers import PygmentsLexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Error

from smtpshell.highlight import tokens as t
from smtpshell.highlight.lexers import SMTPCommandLexer
from smtpshell.meta_table import META_COMMANDS
from smtpshell.proto.commands import COMMANDS


def lex(text: str) -> list[tuple[object, str]]:
    return [(tok, v) for _, tok, v in SMTPCommandLexer().get_tokens_unprocessed(text) if tok is not t.SPACE]


CASES = [
    ("EHLO client.example", [(t.VERB, "EHLO"), (t.VALUE, "client.example")]),
    ("helo [192.0.2.1]", [(t.VERB, "helo"), (t.VALUE, "[192.0.2.1]")]),
    (
        "MAIL FROM:<> RET=FULL",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "RET"),
            (t.EQUALS, "="),
            (t.CHOICE, "FULL"),
        ],
    ),
    (
        "MAIL FROM: <a@b.example> SMTPUTF8",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b.example"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "SMTPUTF8"),
        ],
    ),
    (
        "MAIL FROM:<a@b.example> XVERP",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b.example"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "XVERP"),
        ],
    ),
    ("AUTH CRAM-MD5", [(t.VERB, "AUTH"), (t.CHOICE, "CRAM-MD5")]),
    ("AUTH PLAIN =", [(t.VERB, "AUTH"), (t.CHOICE, "PLAIN"), (t.BASE64, "=")]),
    ("BDAT 0 LAST", [(t.VERB, "BDAT"), (t.NUMBER, "0"), (t.CHOICE, "LAST")]),
    ("HELP RCPT", [(t.VERB, "HELP"), (t.VERB, "RCPT")]),
    ("HELP me", [(t.VERB, "HELP"), (t.VALUE, "me")]),
    ("NOOP still there?", [(t.VERB, "NOOP"), (t.VALUE, "still"), (t.VALUE, "there?")]),
    ("TURN", [(t.OBSOLETE_VERB, "TURN")]),
    ("/explain 550 5.7.1", [(t.META, "/explain"), (t.NUMBER, "550"), (t.VALUE, "5.7.1")]),
    (
        "/connect mx.example.org:587 --starttls",
        [(t.META, "/connect"), (t.VALUE, "mx.example.org:587"), (t.FLAG, "--starttls")],
    ),
    # wrong, and said so
    ("HELLO", [(Error, "HELLO")]),
    ("FOO bar", [(Error, "FOO"), (t.OTHER, "bar")]),
    ("QUIT now", [(t.VERB, "QUIT"), (Error, "now")]),
    ("MAIL TO:<a@b>", [(t.VERB, "MAIL"), (Error, "TO:<a@b>")]),
    ("MAIL FROM:<a@b", [(t.VERB, "MAIL"), (t.PATH_KEYWORD, "FROM:"), (t.ANGLE, "<"), (Error, "a@b")]),
    (
        "MAIL FROM:<a@b> SIZE",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "SIZE"),
        ],
    ),
    (
        "RCPT TO:<a@b> NOTIFY=NEVER,sometimes",
        [
            (t.VERB, "RCPT"),
            (t.PATH_KEYWORD, "TO:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "NOTIFY"),
            (t.EQUALS, "="),
            (t.CHOICE, "NEVER"),
            (t.PUNCTUATION, ","),
            (Error, "sometimes"),
        ],
    ),
    ("BDAT 10 FIRST", [(t.VERB, "BDAT"), (t.NUMBER, "10"), (Error, "FIRST")]),
    ("/sandbox please", [(t.META, "/sandbox"), (t.VALUE, "please")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_finished_line(text: str, expected: list[tuple[object, str]]) -> None:
    """A line with its newline is finished: nothing on it is still being typed."""
    assert lex(text + "\n") == expected


TYPING = [
    ("MA", [(t.PENDING, "MA")]),
    ("MAX", [(Error, "MAX")]),
    ("mail fr", [(t.VERB, "mail"), (t.PENDING, "fr")]),
    ("MAIL FROM:<al", [(t.VERB, "MAIL"), (t.PATH_KEYWORD, "FROM:"), (t.ANGLE, "<"), (t.ADDRESS, "al")]),
    (
        "MAIL FROM:<a@b> BODY=8B",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "BODY"),
            (t.EQUALS, "="),
            (t.PENDING, "8B"),
        ],
    ),
    (
        "MAIL FROM:<a@b> BODY=9B",
        [
            (t.VERB, "MAIL"),
            (t.PATH_KEYWORD, "FROM:"),
            (t.ANGLE, "<"),
            (t.ADDRESS, "a@b"),
            (t.ANGLE, ">"),
            (t.PARAMETER, "BODY"),
            (t.EQUALS, "="),
            (Error, "9B"),
        ],
    ),
    ("BDAT 5 LA", [(t.VERB, "BDAT"), (t.NUMBER, "5"), (t.PENDING, "LA")]),
    ("/expl", [(t.PENDING, "/expl")]),
    ("/xyz", [(Error, "/xyz")]),
]


@pytest.mark.parametrize(("text", "expected"), TYPING)
def test_the_word_being_typed_is_not_an_error_while_it_can_still_become_valid(
    text: str, expected: list[tuple[object, str]]
) -> None:
    assert lex(text) == expected


def test_every_verb_of_the_command_table_is_a_verb() -> None:
    for command in COMMANDS.values():
        token = t.OBSOLETE_VERB if command.obsolete else t.VERB
        assert lex(command.verb + "\n")[0] == (token, command.verb)
        assert lex(command.verb.lower() + "\n")[0] == (token, command.verb.lower())


def test_every_closed_value_of_the_command_table_is_a_choice() -> None:
    for command in COMMANDS.values():
        for param in command.params:
            for choice in param.choices:
                line = f"{command.verb} {command.prefix}<a@b> {param.name}={choice}\n"
                assert lex(line)[-2:] == [(t.EQUALS, "="), (t.CHOICE, choice)]


def test_every_meta_command_is_known() -> None:
    for name in META_COMMANDS:
        assert lex(f"/{name}\n")[0] == (t.META, f"/{name}")


@given(st.text(max_size=120))
def test_any_line_round_trips(text: str) -> None:
    position = 0
    for index, _, value in SMTPCommandLexer().get_tokens_unprocessed(text):
        assert index == position and value
        position += len(value)
    assert position == len(text)


def test_prompt_toolkit_can_use_it_for_the_prompt() -> None:
    lexer = PygmentsLexer(SMTPCommandLexer)
    line = "RCPT TO:<bob@sandbox.test> NOTIFY=SUCCESS,DELAY"
    fragments = lexer.lex_document(Document(line))(0)
    assert "".join(fragment[1] for fragment in fragments) == line
    assert ("class:pygments.keyword", "RCPT") in [(fragment[0], fragment[1]) for fragment in fragments]


def test_registered_with_pygments() -> None:
    assert get_lexer_by_name("smtpcommand").__class__ is SMTPCommandLexer
