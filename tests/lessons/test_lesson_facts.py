"""Every sentence exact: the shell, the sandbox and the explanations agree with what the lessons teach, and each
corrected fact cites its RFC section in the lesson text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.lessons.catalogue import load_catalogue
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange, Notice
from tests.lessons.engine_helpers import LESSONS


@pytest.fixture
async def shell(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


def exchanges(engine: ShellEngine) -> list[Exchange]:
    return [r for r in engine.records if isinstance(r, Exchange)]


async def test_the_shell_and_the_server_count_a_message_the_same_way(shell: ShellEngine) -> None:
    shell.policy.size_limit = 50
    for line in ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
        await shell.submit(line)
    for line in ("Subject: Dots", "", ".profile and ça", "a long enough line to pass fifty octets", "."):
        await shell.submit(line)
    sent = [r.text for r in shell.records if isinstance(r, Notice) and r.text.startswith("The shell sent")][-1]
    end = exchanges(shell)[-1]
    assert end.reply is not None and end.reply.code == 552
    shell_count = re.search(r"(\d+) octets\)", sent)
    server_count = re.search(r"the message is (\d+) octets", end.server_reason or "")
    assert shell_count and server_count and shell_count[1] == server_count[1] == "76"  # 15 + 2 + 18 (ç is two) + 41


async def test_in_raw_mode_the_354_explanation_promises_no_dot_stuffing(shell: ShellEngine) -> None:
    for line in ("/raw on", "EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
        await shell.submit(line)
    reply = exchanges(shell)[-1]
    assert reply.reply is not None and reply.reply.code == 354 and reply.explanation is not None
    meaning = reply.explanation.meaning
    assert "gets one more dot" not in meaning and "except in raw mode" in meaning


async def test_mailbox_shows_the_dsn_parameters_the_lesson_asks_to_look_at(shell: ShellEngine) -> None:
    for line in (
        "EHLO me",
        "MAIL FROM:<alice@sandbox.test> RET=HDRS ENVID=QQ314159",
        "RCPT TO:<bob@sandbox.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@sandbox.test",
        "DATA",
        "Subject: x",
        "",
        "hi",
        ".",
        "/mailbox 1",
    ):
        await shell.submit(line)
    shown = [r.text for r in shell.records if isinstance(r, Notice) and r.text.startswith("Message 1")][-1]
    assert "MAIL FROM:<alice@sandbox.test> RET=HDRS ENVID=QQ314159" in shown
    assert "RCPT TO:<bob@sandbox.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@sandbox.test" in shown


async def test_a_250_to_bdat_last_is_explained_as_the_message_accepted(shell: ShellEngine) -> None:
    for line in ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "BDAT 2", "Hi"):
        await shell.submit(line)
    for line in ("BDAT 1 LAST", "!"):
        await shell.submit(line)
    first, last = exchanges(shell)[-2:]
    assert first.explanation is not None and first.explanation.headline == "Chunk accepted"
    assert last.explanation is not None and last.explanation.headline.startswith("Message accepted")


async def test_utf8_address_and_bad_parameter_value_get_their_own_advice(shell: ShellEngine) -> None:
    shell.policy.mailboxes["josé"] = "José"
    for line in ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<josé@sandbox.test>", "RSET"):
        await shell.submit(line)
    refused = [e for e in exchanges(shell) if e.reply is not None and e.reply.code == 553][-1]
    assert refused.explanation is not None
    assert "login owns" not in (refused.explanation.retry or "")
    assert any("SMTPUTF8" in step for step in refused.explanation.next_steps)
    await shell.submit("MAIL FROM:<alice@sandbox.test> RET=ALL")
    bad = exchanges(shell)[-1]
    assert bad.reply is not None and bad.reply.code == 501 and bad.explanation is not None
    assert "write it as" not in bad.explanation.headline and "parameter" in bad.explanation.headline


async def test_starttls_after_helo_is_refused_and_lesson_11_says_why(shell: ShellEngine) -> None:
    await shell.submit("/lesson starttls")
    for line in ("HELO client.example", "STARTTLS"):
        await shell.submit(line)
    assert not shell.state.tls and shell.lessons.step_index == 0
    notes = [r.detail for r in shell.records if isinstance(r, Notice) and r.text == "Notice what just happened:"]
    assert any("never offered" in n for n in notes)


# Each corrected sentence names the RFC section that makes it right, in the lesson the learner reads.
CITATIONS = {
    "reading-replies": ["RFC 2034 §3", "RFC 5321 §3.3", "§4.5.4.1", "4–5 days"],
    "size": ["RFC 1870 §5"],
    "helper-commands": ["§4.1.4", "§4.3.2", "§3.5.2"],
    "turn-and-etrn": ["deprecated", "Appendix F.1"],
    "starttls": ["RFC 3207 §4.2", "RFC 3207 §6", "RFC 8461", "RFC 7672", "RFC 3207 §4"],
    "auth": ["RFC 4954 §6", "RFC 8314", "RFC 6409"],
    "dot-stuffing-and-smuggling": ["RFC 5321 §4.5.2", "Ctrl-Q"],
    "dsn-and-chunking": ["RFC 3030 §2"],
}


@pytest.mark.parametrize(("lesson_id", "citations"), sorted(CITATIONS.items()))
def test_each_correction_cites_its_rfc_section(lesson_id: str, citations: list[str]) -> None:
    lesson = load_catalogue(LESSONS).find(lesson_id)
    assert lesson is not None and lesson.path is not None
    text = " ".join(lesson.path.read_text(encoding="utf-8").split())
    missing = [c for c in citations if c not in text]
    assert missing == []
