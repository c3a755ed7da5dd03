"""Completion of the shell's own commands (those starting with "/") and of their arguments."""

from __future__ import annotations

import pytest

from smtpshell.explain import knowledge
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS
from smtpshell.proto.faults import PRESETS
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES
from smtpshell.session.completion import complete
from smtpshell.session.meta_table import META_COMMANDS
from tests.completion.states import STATES, ehlo_reply

LESSONS = (("smtp-101", "First contact"), ("dsn", "Delivery status notifications"))
HISTORY = ("/connect mx.example.org:25 --starttls", "NOOP", "/connect smtp.test", "/CONNECT  ")


def texts(text: str, state: str = "ehlo-all") -> list[str]:
    return [c.text for c in complete(text, STATES[state], lessons=LESSONS, history=HISTORY)]


def test_a_slash_offers_every_meta_command_with_its_summary() -> None:
    offered = complete("/", STATES["greeted"])
    assert [(c.text, c.meaning) for c in offered] == [(f"/{m.name}", m.summary) for m in META_COMMANDS.values()]
    assert {c.start_position for c in offered} == {-1}


CASES = [
    ("/ex", ["/explain", "/explanations"]),
    ("/EX", ["/explain", "/explanations"]),
    ("  /qu", ["/quit"]),
    ("/zz", []),
    ("/lesson ", ["smtp-101", "dsn", "stop"]),
    ("/lesson d", ["dsn"]),
    ("/LESSON S", ["smtp-101", "stop"]),
    ("/raw ", ["on", "off"]),
    ("/explanations of", ["off"]),
    ("/faults g", ["greylist"]),
    ("/help qu", ["quit", "QUIT"]),
    ("/help ma", ["mailbox", "MAIL"]),
    ("/explain 25", ["250", "251", "252", "253"]),
    ("/explain rc", ["RCPT"]),
    ("/explain pipe", ["PIPELINING"]),
    ("/explain 550 ", []),
    ("/connect ", ["smtp.test", "mx.example.org:25"]),
    (
        "/connect mx.test --",
        [
            "--starttls",
            "--tls",
            "--insecure",
            "--cafile",
            "--tls-version",
            "--sni",
            "--verify-name",
            "--helo",
            "--lmtp",
            "--proxy-protocol",
            "--mx",
        ],
    ),
    (
        "/connect mx.test --tls --",
        [
            "--insecure",
            "--cafile",
            "--tls-version",
            "--sni",
            "--verify-name",
            "--helo",
            "--lmtp",
            "--proxy-protocol",
            "--mx",
        ],
    ),
    (
        "/connect mx.test --insecure --starttls --",
        ["--tls-version", "--sni", "--verify-name", "--helo", "--lmtp", "--proxy-protocol", "--mx"],
    ),  # --insecure and --cafile exclude each other
    ("/connect --m", ["--mx"]),
    ("/sandbox ", []),
    ("/save ", []),
    ("/mailbox ", []),
    ("/nonsense ", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_meta_completions(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize("typed", ["5.1.", "4.7.1", "2.", "5.5.5"])
def test_enhanced_codes_once_a_class_and_a_dot_are_typed(typed: str) -> None:
    expected = [f"{typed[0]}{g[1:]}" for g in ENHANCED_CODES if f"{typed[0]}{g[1:]}".startswith(typed)]
    offered = complete(f"/explain {typed}", STATES["greeted"])
    assert [c.text for c in offered] == expected
    assert [c.meaning for c in offered] == [ENHANCED_CODES[f"X{c.text[1:]}"] for c in offered]
    assert "4.7.1" in [c.text for c in complete("/explain 4.7.1", STATES["greeted"])]


def test_faults_offer_every_preset_then_clear() -> None:
    offered = complete("/faults ", STATES["greeted"])
    assert [c.text for c in offered] == [*PRESETS, "clear"]
    for completion in offered[:-1]:
        verb, reply, shows = PRESETS[completion.text]
        assert reply in completion.meaning and shows in completion.meaning and verb in completion.meaning


def test_auth_helper_puts_the_advertised_mechanisms_first_and_marks_the_others() -> None:
    state = STATES["greeted"].copy()
    state.apply("EHLO client.example", ehlo_reply("AUTH CRAM-MD5"))
    offered = complete("/auth ", state)
    assert [c.text for c in offered] == ["CRAM-MD5", *(m for m in AUTH_MECHANISMS if m != "CRAM-MD5")]
    assert "did not offer" not in offered[0].meaning
    assert all("did not offer" in c.meaning for c in offered[1:])
    assert [c.text for c in complete("/auth ", STATES["greeted"])] == list(AUTH_MECHANISMS)


def test_explain_topics_cover_codes_verbs_and_the_servers_own_keywords() -> None:
    state = STATES["greeted"].copy()
    state.apply("EHLO client.example", ehlo_reply("X-EXPS GSSAPI", "SIZE 1000"))
    offered = {c.text: c.meaning for c in complete("/explain ", state)}
    for code, (meaning, _) in BASIC_CODES.items():
        assert offered[str(code)] == meaning
    for command in COMMANDS.values():
        assert offered[command.verb] == command.summary
    assert "X-EXPS" in offered
    dsn = complete("/explain DS", state)[0]
    assert dsn.text == "DSN"
    assert dsn.meaning.startswith(f"EHLO keyword: {knowledge.keyword('DSN').summary}")  # type: ignore[union-attr]
    assert all(f"{p}= on" in dsn.meaning for p in ("RET", "ENVID", "NOTIFY", "ORCPT"))  # from the command table
    assert "BDAT" in complete("/explain chunk", state)[0].meaning
    # every keyword the knowledge base knows can be explained, the server's own first
    assert set(knowledge.keywords()) <= set(offered)
    assert list(offered).index("X-EXPS") < list(offered).index("PIPELINING")


def test_mechanism_meanings_come_from_the_knowledge_base() -> None:
    for completion in complete("AUTH ", STATES["ehlo-all"]):
        assert completion.meaning == knowledge.mechanisms()[completion.text].meaning
