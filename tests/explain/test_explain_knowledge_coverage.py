"""The knowledge base covers everything issue 3 lists, cites an RFC for it, and agrees with the proto registries."""

from __future__ import annotations

import re

import pytest

from smtpshell.explain import knowledge
from smtpshell.explain.ehlo_reading import READERS
from smtpshell.explain.situations import condition_holds
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS, SANDBOX_EXTENSIONS
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES

RFC = re.compile(r"\bRFC \d{3,4}\b")

# The basic codes issue 3 names, one by one.
ISSUE_BASIC_CODES = [
    211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 500, 501, 502, 503, 504,
    521, 523, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
]  # fmt: skip

# The IANA enhanced status code registry: X.0.0; X.1.0-X.1.10; X.2.0-X.2.4; X.3.0-X.3.6; X.4.0-X.4.7;
# X.5.0-X.5.6; X.6.0-X.6.10; X.7.0-X.7.30 (X.7.28 draft-levine-mailbomb-header, X.7.29 RFC 8617, X.7.30 RFC 8689).
REGISTRY_RANGES = {0: 0, 1: 10, 2: 4, 3: 6, 4: 7, 5: 6, 6: 10, 7: 30}
REGISTRY = {f"X.{subject}.{detail}" for subject, last in REGISTRY_RANGES.items() for detail in range(last + 1)}

# Every keyword of the IANA "SMTP Service Extensions" registry.
IANA_KEYWORDS = {
    "SEND", "SOML", "SAML", "EXPN", "HELP", "TURN", "8BITMIME", "SIZE", "VERB", "ONEX", "CHUNKING", "BINARYMIME",
    "CHECKPOINT", "DELIVERBY", "PIPELINING", "DSN", "ETRN", "ENHANCEDSTATUSCODES", "STARTTLS", "NO-SOLICITING",
    "MTRK", "SUBMITTER", "ATRN", "AUTH", "BURL", "FUTURERELEASE", "CONPERM", "CONNEG", "UTF8SMTP", "SMTPUTF8",
    "MT-PRIORITY", "RRVS", "REQUIRETLS", "LIMITS",
}  # fmt: skip
COMMON_UNREGISTERED = {"XCLIENT", "XFORWARD", "X-EXPS", "X-LINK2STATE", "XEXCH50", "XUSR", "AUTH=", "VRFY", "XVERP"}


@pytest.mark.parametrize("code", ISSUE_BASIC_CODES)
def test_every_basic_code_of_the_issue_has_a_full_entry_with_an_rfc(code: int) -> None:
    info = knowledge.reply_code(code)
    assert info is not None, f"{code} is missing"
    assert RFC.search(info.rfc)
    assert info.headline and info.meaning and info.retry and info.next
    assert info.answers, f"{code} names no command it answers"


def test_basic_codes_agree_with_the_proto_registry_both_ways() -> None:
    ours = knowledge.reply_codes()
    assert set(ours) == set(BASIC_CODES)
    for code, info in ours.items():
        registry_rfc = BASIC_CODES[code][1]
        assert info.rfc.split(" §")[0] == registry_rfc, f"{code}: {info.rfc} vs {registry_rfc}"


def test_the_commands_a_code_answers_are_real_commands() -> None:
    allowed = set(COMMANDS) | set(knowledge.PSEUDO_COMMANDS.values()) | {"ANY"}
    for code, info in knowledge.reply_codes().items():
        assert set(info.answers) <= allowed, code
        assert set(info.by_command) <= allowed - {"ANY"}, code
        if "ANY" not in info.answers:
            assert set(info.by_command) <= set(info.answers), f"{code} explains a command it does not answer"


def test_the_whole_enhanced_registry_is_there_and_nothing_else() -> None:
    assert set(knowledge.enhanced_codes()) == REGISTRY


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_each_enhanced_code_agrees_with_its_key_and_its_basic_codes(key: str) -> None:
    entry = knowledge.enhanced_codes()[key]
    match = re.fullmatch(r"X\.(\d)\.(\d{1,2})", key)
    assert match, key
    assert (entry.subject, entry.detail) == (int(match[1]), int(match[2]))
    assert entry.subject in knowledge.enhanced_subjects()
    assert entry.classes and set(entry.classes) <= {2, 4, 5}
    assert {code // 100 for code in entry.basic} <= set(entry.classes), "a basic code's class is not allowed"
    assert all(200 <= code <= 599 for code in entry.basic)
    assert entry.basic or entry.basic_note, "the registry's basic code field is neither listed nor explained"
    assert RFC.search(entry.rfc) or entry.rfc.startswith("draft-")
    assert entry.meaning and entry.advice
    assert entry.sample or entry.deprecated


def test_enhanced_samples_agree_with_the_proto_registry() -> None:
    for key, short in ENHANCED_CODES.items():
        entry = knowledge.enhanced_code(key)
        assert entry is not None, key
        assert entry.sample.casefold() == short.casefold(), f"{key}: {entry.sample!r} vs {short!r}"


def test_classes_and_subjects_are_complete() -> None:
    assert set(knowledge.enhanced_classes()) == {2, 4, 5}
    assert set(knowledge.enhanced_subjects()) == set(range(8))
    for part in [*knowledge.enhanced_classes().values(), *knowledge.enhanced_subjects().values()]:
        assert RFC.search(part.rfc) and part.name and part.meaning


def test_every_registered_ehlo_keyword_is_explained_with_its_reference() -> None:
    keywords = knowledge.keywords()
    assert set(keywords) >= IANA_KEYWORDS | COMMON_UNREGISTERED
    for name in IANA_KEYWORDS:
        info = keywords[name]
        assert info.registered, name
        assert RFC.search(info.reference) or "IANA" in info.reference, name
        assert (info.rfc is not None) == bool(RFC.search(info.reference)), name
    registered = {name for name, info in keywords.items() if info.registered}
    assert registered == IANA_KEYWORDS
    # RFC 5321 §2.2.2: no registered keyword starts with X.
    assert not any(name.startswith("X") for name in registered)


def test_every_keyword_names_a_reader_the_engine_has() -> None:
    for name, info in knowledge.keywords().items():
        assert info.reader in READERS or info.reader == "words", name
        assert info.meaning and info.syntax and info.reference, name


def test_what_the_sandbox_advertises_is_all_known() -> None:
    for name in SANDBOX_EXTENSIONS:
        assert knowledge.keyword(name) is not None, name
    for mechanism in AUTH_MECHANISMS:
        assert mechanism in knowledge.mechanisms(), mechanism


def test_every_command_of_the_command_table_has_teaching_notes() -> None:
    notes = knowledge.command_notes()
    assert set(notes) == set(COMMANDS)
    for verb, entry in notes.items():
        assert entry.purpose and entry.notes, verb
        assert all(RFC.search(reference) for reference in entry.rfc_more), verb


@pytest.mark.parametrize(
    ("verb", "must_mention"),
    [
        ("HELO", ["EHLO", "extensions"]),
        ("EHLO", ["HELO", "STARTTLS"]),
        ("TURN", ["ETRN", "RFC 2821"]),
        ("VRFY", ["harvest", "252"]),
        ("EXPN", ["spammers"]),
        ("MAIL", ["SIZE=", "552"]),
        ("SEND", ["RFC 5321"]),
        ("SOML", ["RFC 5321"]),
        ("SAML", ["RFC 5321"]),
        ("STARTTLS", ["EHLO again"]),
    ],
)
def test_the_teaching_notes_the_issue_asks_for_are_there(verb: str, must_mention: list[str]) -> None:
    entry = knowledge.command_notes()[verb]
    text = " ".join([entry.purpose, *entry.notes])
    for phrase in must_mention:
        assert phrase in text, f"{verb} does not mention {phrase!r}"


def test_every_situation_uses_known_commands_codes_and_conditions() -> None:
    state = ClientState()
    allowed = set(COMMANDS) | set(knowledge.PSEUDO_COMMANDS.values())
    for situation in knowledge.situations():
        assert situation.command in allowed, situation
        for code in situation.codes:
            assert re.fullmatch(r"[2-5](\d\d|xx)", code), situation
        for name in situation.when:
            condition_holds(name, state)  # raises for a name the engine does not know
        assert situation.headline and situation.meaning


def test_an_unknown_condition_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown situation condition"):
        condition_holds("greated", ClientState())


def test_patterns_have_unique_ids_and_each_example_is_matched_by_its_own_pattern() -> None:
    patterns = knowledge.patterns()
    ids = [pattern.id for pattern in patterns]
    assert len(ids) == len(set(ids))
    assert len(patterns) >= 40
    for pattern in patterns:
        assert pattern.regex.search(" ".join(pattern.example.split())), pattern.id
        # The first match wins, so an earlier, broader pattern must not shadow a more specific one.
        first = knowledge.match_pattern(pattern.example)
        assert first is not None and first.id == pattern.id, f"{pattern.id} is shadowed by {first and first.id}"
        assert pattern.meaning and pattern.advice and pattern.source
