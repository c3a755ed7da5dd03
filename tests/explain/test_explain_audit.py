"""The five errors an audit against the RFC texts found, their kin, and the facts every footer is built from."""

from __future__ import annotations

import io
import re

import pytest

from smtpshell.explain import knowledge
from smtpshell.explain.command import main as explain_main
from smtpshell.explain.engine import explain_reply
from smtpshell.explain.topics import command_footer, explain_command, explain_topic, lower_first
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import COMMANDS
from smtpshell.proto.replies import BASIC_CODES, Reply

SECTION = re.compile(r"\bRFC \d{3,4} §\d")
PSEUDO = set(knowledge.PSEUDO_COMMANDS.values()) | {"ANY"}


def test_conperm_goes_on_mail_from_and_takes_no_value() -> None:
    # RFC 4141 §4.1-4.2: the CONPERM parameter belongs to MAIL FROM and has no value.
    info = knowledge.keyword("CONPERM")
    assert info is not None
    assert info.enables == ("MAIL CONPERM",)
    assert "MAIL FROM" in info.meaning and "CONPERM=" not in info.meaning and "RCPT" not in info.meaning


def test_conneg_goes_on_rcpt_to_and_takes_no_value() -> None:
    # RFC 4141 §5.2: CONNEG is a RCPT TO parameter without a value.
    info = knowledge.keyword("CONNEG")
    assert info is not None
    assert info.enables == ("RCPT CONNEG",)
    assert "RCPT TO" in info.meaning and "CONNEG=" not in info.meaning


def test_message_too_big_for_system_is_permanent_only() -> None:
    # RFC 3463 §3.4: X.3.4 "is useful only as a permanent error"; RFC 5248 pairs it with 552 and 554 only.
    detail = knowledge.enhanced_code("X.3.4")
    assert detail is not None and detail.classes == (5,)
    explanation = explain_topic("4.3.4")
    assert explanation.retry is not None and not explanation.retry.startswith("Yes")
    assert "permanent only" in explanation.headline
    reply = explain_reply(Reply.make(452, "4.3.4 Message too big"), "<CRLF>.<CRLF>")
    assert reply.retry is not None and not reply.retry.startswith("Yes")


@pytest.mark.parametrize("verb", ["RSET", "NOOP"])
def test_noop_and_rset_get_250_and_never_502_503_or_504(verb: str) -> None:
    footer = command_footer(verb)
    may_get = " ".join(line for line in footer if not line.startswith("Never"))
    for code in ("421", "500", "501"):  # RFC 5321 §4.3.2: any command
        assert code in may_get
    assert "RFC 5321 §4.3.2" in may_get
    for code in ("502", "503", "504"):
        assert code not in _listed_codes(may_get)
        assert any(line.startswith(f"Never {code}") for line in footer)
    assert "Any command may also get 421 (closing), 500, 501, 502, 503 or 504." not in explain_command(verb).next_steps
    assert "Expect 250" in explain_command(verb).next_steps[0]


def test_the_footer_still_lists_503_for_mail() -> None:
    assert any("503" in line and "RFC 5321 §4.1.4" in line for line in command_footer("MAIL"))


def test_a_503_to_rset_is_flagged_as_unusual() -> None:
    state = ClientState()
    explanation = explain_reply(Reply.make(503, "5.5.1 Error: send HELO/EHLO first"), "RSET", state)
    assert "RSET should not get 503" in explanation.meaning and "§4.1.4" in explanation.meaning


def test_the_imprecisions_are_fixed() -> None:
    codes = knowledge.reply_codes()
    assert "not on its list" in codes[458].meaning and codes[458].rfc == "RFC 1985 §5.2"  # RFC 1985 §5.2
    assert codes[503].rfc == "RFC 5321 §4.2.3"  # where 503 is defined; §4.1.4 is the order it enforces
    keyword = knowledge.keyword("8BITMIME")
    assert keyword is not None and keyword.summary == "8bit-MIMEtransport"  # RFC 6152 §2, §6.1
    conversion = knowledge.enhanced_code("X.6.2")
    assert conversion is not None and "sending host's policy" in conversion.meaning  # RFC 3463 §3.7
    # RSET keeps the greeting as it was: before EHLO it does not put you "just after EHLO".
    assert "just after EHLO" not in codes[250].by_command["RSET"]
    assert "as if just after EHLO" not in knowledge.command_notes()["RSET"].purpose


def test_a_pasted_reply_with_a_url_is_text_not_a_file_name() -> None:
    out = io.StringIO()
    text = (
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. "
        "https://support.google.com/mail/answer/2451690"
    )
    assert explain_main(["explain", "--no-color", text], out=out) == 0
    assert out.getvalue().startswith("550 5.7.26")


def test_a_missing_file_name_is_still_reported() -> None:
    assert explain_main(["explain", "no/such/file.eml"], out=io.StringIO()) == 2


def test_acronyms_keep_their_case_in_headlines() -> None:
    assert lower_first("UTF-8 string reply") == "UTF-8 string reply"
    assert lower_first("TLS is not available") == "TLS is not available"
    assert lower_first("Mailbox full") == "mailbox full"
    for topic in ("454", "5.6.8", "4.6.8", "X.6.10", "455", "5.7.26"):
        explanation = explain_topic(topic)
        text = explanation.headline + explanation.meaning
        assert not re.search(r"\b[a-z][A-Z]{2,}", text), (topic, text)


def test_the_enhanced_code_leads_when_it_says_more() -> None:
    explanation = explain_topic("452 4.2.2 mailbox full")
    assert explanation.headline.startswith("Mailbox full")
    detail = knowledge.enhanced_code("X.2.2")
    assert detail is not None and explanation.next_steps[0] == detail.advice
    assert not any("too many recipients" in step.lower() for step in explanation.next_steps)


@pytest.mark.parametrize("key", ["X.6.10", "X.6.8", "X.5.0", "X.3.0", "X.7.0", "X.1.8", "X.6.2", "X.5.6"])
def test_hard_registry_titles_get_plain_words_first(key: str) -> None:
    detail = knowledge.enhanced_code(key)
    assert detail is not None and detail.plain
    assert explain_topic(key).headline.startswith(detail.plain)


@pytest.mark.parametrize("word", ["RRVS", "CHECKPOINT"])
def test_hard_keyword_titles_get_plain_words_first(word: str) -> None:
    info = knowledge.keyword(word)
    assert info is not None and "(registry: " in info.summary and not info.summary.startswith("(")


def test_persistent_transient_failure_is_said_in_plain_words() -> None:
    for topic in ("4.2.2", "4.7.1", "451 4.3.0 try later"):
        explanation = explain_topic(topic)
        assert not explanation.headline.lower().startswith("persistent")
        assert "temporary failure" in (explanation.headline + str(explanation.anatomy)).lower()


# ---- every fact in a footer or an "answers" list comes from the command table and the registry ----------------


def test_every_answers_and_not_for_entry_names_a_command_of_the_table() -> None:
    for code, info in knowledge.reply_codes().items():
        assert code in BASIC_CODES, code
        for verb in (*info.answers, *info.not_for):
            assert verb in COMMANDS or verb in PSEUDO, (code, verb)


def test_every_reply_code_entry_cites_a_section() -> None:
    for code, info in knowledge.reply_codes().items():
        assert SECTION.search(info.rfc), (code, info.rfc)
        if "ANY" in info.answers:
            assert SECTION.search(info.any_command), code
        for verb, reason in info.not_for.items():
            assert SECTION.search(reason), (code, verb)
        assert not (info.not_for and "ANY" not in info.answers), code


def _listed_codes(footer: str) -> set[str]:
    """The codes a footer lists: "may also get 421 (...), 500 (...) or 501 (...): RFC ..." and "Never 503 (...)"."""
    codes = set()
    for line in footer.split("Like other commands")[1:]:
        listing = line.split("may also get", 1)[1].rsplit(": RFC", 1)[0]
        codes |= set(re.findall(r"(?:^|, | or )(\d{3}) \(", listing.strip()))
    return codes


@pytest.mark.parametrize("verb", sorted(COMMANDS))
def test_each_footer_says_exactly_what_the_data_says(verb: str) -> None:
    lines = command_footer(verb)
    may_get = _listed_codes(" ".join(line for line in lines if not line.startswith("Never")))
    never = {line.split()[1] for line in lines if line.startswith("Never")}
    for code, info in knowledge.reply_codes().items():
        expected = "ANY" in info.answers and verb not in info.answers
        assert (str(code) in may_get) == (expected and verb not in info.not_for), (verb, code)
        assert (str(code) in never) == (expected and verb in info.not_for), (verb, code)
    assert {int(code) for code in may_get | never} <= set(BASIC_CODES)


def test_a_provider_s_text_leads_when_it_uses_a_code_against_the_registry() -> None:
    # Gmail's 5.7.27 means "SPF did not pass"; the registry's X.7.27 is the null MX of RFC 7505.
    explanation = explain_topic("550 5.7.27 Your email has been blocked because SPF authentication didn't pass.")
    assert explanation.headline == "Gmail: SPF did not pass"
    assert "SPF record" in explanation.next_steps[0]
    assert "null MX" not in explanation.next_steps[0]


def test_a_bare_code_names_the_commands_it_never_answers() -> None:
    meaning = explain_topic("503").meaning
    assert "It answers: any command except NOOP, RSET, HELP, VRFY, EXPN, QUIT." in meaning
