"""Feedback that reaches the learner: each foreseen mistake's note appears whatever kind of input it ends with, a
transaction that misses the step says why in one line, and /showme puts on the command line what it says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.lessons.loader import load_lesson_file
from smtpshell.lessons.walkthrough import walk_lesson
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange, Notice
from tests.lessons.engine_helpers import LESSONS

MISTAKE = "Notice what just happened:"


@pytest.fixture
async def shell(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


def said(engine: ShellEngine, since: int = 0) -> list[str]:
    """Every notice since record ``since``, headline and detail joined."""
    return [f"{r.text} {r.detail}" for r in engine.records[since:] if isinstance(r, Notice)]


async def at_step(engine: ShellEngine, lesson_id: str, step: int) -> None:
    """Open the lesson and replay its reference solution up to ``step`` (1-based), as a learner would."""
    from smtpshell.lessons.walkthrough import type_item

    await engine.submit(f"/lesson {lesson_id}")
    lesson = engine.lessons.lesson
    for item in lesson.solution_until(step - 1):
        await type_item(engine, item)
    assert engine.lessons.step_index == step - 1


async def typed(engine: ShellEngine, *lines: str) -> int:
    start = len(engine.records)
    for line in lines:
        await engine.submit(line)
    return start


async def test_a_mistake_that_ends_in_a_message_shows_its_note(shell: ShellEngine) -> None:
    await at_step(shell, "envelope-versus-headers", 2)
    start = await typed(
        shell,
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<bob@sandbox.test>",
        "RCPT TO:<carol@sandbox.test>",
        "DATA",
        "To: Bob <bob@sandbox.test>",
        "Cc: Carol <carol@sandbox.test>",
        "Subject: Lunch",
        "",
        "Lunch at noon?",
        ".",
    )
    notes = said(shell, start)
    assert any(MISTAKE in n and "Carol appears" in n for n in notes), notes
    assert shell.lessons.step_index == 1


async def test_carol_in_a_bcc_header_does_not_pass_the_blind_copy_step(shell: ShellEngine) -> None:
    await at_step(shell, "envelope-versus-headers", 2)
    start = await typed(
        shell,
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<bob@sandbox.test>",
        "RCPT TO:<carol@sandbox.test>",
        "DATA",
        "To: Bob <bob@sandbox.test>",
        "Bcc: Carol <carol@sandbox.test>",
        "Subject: Lunch",
        "",
        "Lunch at noon?",
        ".",
    )
    assert shell.lessons.step_index == 1  # Bob's copy names Carol: not blind
    assert any("Bcc: Carol" in n for n in said(shell, start)), said(shell, start)


async def test_a_transaction_that_misses_the_step_says_why_in_one_line(shell: ShellEngine) -> None:
    await at_step(shell, "envelope-versus-headers", 2)
    start = await typed(
        shell,
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<bob@sandbox.test>",
        "DATA",
        "To: Bob <bob@sandbox.test>",
        "",
        "Hi.",
        ".",
    )
    reasons = [n for n in said(shell, start) if n.startswith("The message was delivered, but this step is not done")]
    assert reasons == [
        "The message was delivered, but this step is not done: it went to bob@sandbox.test; "
        "this step wants carol@sandbox.test among the recipients. "
    ]


async def test_a_mistake_in_a_pipelined_group_shows_its_note(shell: ShellEngine) -> None:
    await at_step(shell, "pipelining", 2)
    start = await typed(shell, "MAIL FROM:<alice@sandbox.test>\nDATA")
    assert any(MISTAKE in n and "DATA came before any recipient" in n for n in said(shell, start))


async def test_five_lines_typed_one_at_a_time_do_not_pass_the_pipelining_step(shell: ShellEngine) -> None:
    await at_step(shell, "pipelining", 2)
    start = await typed(
        shell,
        "MAIL FROM:<alice@sandbox.test>",
        "RCPT TO:<bob@sandbox.test>",
        "RCPT TO:<zoe@sandbox.test>",
        "RCPT TO:<carol@sandbox.test>",
        "DATA",
    )
    assert shell.lessons.step_index == 1
    assert any(MISTAKE in n and "one at a time" in n for n in said(shell, start))


async def test_the_same_five_lines_pasted_as_one_block_pass_it(shell: ShellEngine) -> None:
    await at_step(shell, "pipelining", 2)
    await typed(
        shell,
        "MAIL FROM:<alice@sandbox.test>\nRCPT TO:<bob@sandbox.test>\nRCPT TO:<zoe@sandbox.test>\n"
        "RCPT TO:<carol@sandbox.test>\nDATA",
    )
    assert shell.lessons.step_index == 2


async def test_a_wrong_auth_answer_shows_its_note(shell: ShellEngine) -> None:
    await at_step(shell, "auth", 3)
    start = await typed(shell, "AUTH LOGIN", "alice")
    assert any(MISTAKE in n and "must be base64" in n for n in said(shell, start))


async def test_a_bdat_chunk_the_shell_refuses_shows_its_note(shell: ShellEngine) -> None:
    await at_step(shell, "dsn-and-chunking", 3)
    start = await typed(shell, "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "BDAT 5 LAST")
    await typed(shell, "Hello Bob!")
    assert any(MISTAKE in n and "10 octets, not 5" in n for n in said(shell, start))


async def test_a_mistake_ending_with_a_solution_line_is_told_apart_by_the_reply(shell: ShellEngine) -> None:
    await at_step(shell, "8bitmime-and-smtputf8", 3)
    start = await typed(shell, "RSET", "MAIL FROM:<alice@sandbox.test> BODY=8BITMIME", "RCPT TO:<josé@sandbox.test>")
    assert any(MISTAKE in n and "needs SMTPUTF8" in n for n in said(shell, start))


async def test_the_bdat_summary_counts_bdat(shell: ShellEngine) -> None:
    await at_step(shell, "dsn-and-chunking", 3)
    lesson = shell.lessons.lesson
    from smtpshell.lessons.walkthrough import type_item

    for item in lesson.steps[2].solution + lesson.steps[3].solution:
        await type_item(shell, item)
    finished = [r for r in shell.records if isinstance(r, Notice) and r.text.startswith("Lesson finished")]
    assert finished and finished[0].detail.startswith("Commands you used (11): EHLO, MAIL×3, RCPT×3, DATA, BDAT×3")
    assert "you did without" not in finished[0].detail


# ---- lesson 5: the path the lesson's own mistake opens is not a dead end ------------------------------------


async def test_lesson_5_after_its_foreseen_mistake_the_learner_can_still_finish(shell: ShellEngine) -> None:
    await at_step(shell, "reading-replies", 2)
    await typed(shell, "RCPT TO:<dave@sandbox.test>", "RCPT TO:<friend@example.org>", "RCPT TO:<carol@sandbox.test>")
    assert shell.lessons.step_index == 3
    await typed(shell, "DATA", "Subject: Hello", "", "Hello Carol.", ".")
    assert shell.lessons.finished


async def test_showme_with_no_transaction_open_offers_mail_not_data(shell: ShellEngine) -> None:
    await at_step(shell, "reading-replies", 4)
    await typed(shell, "RSET")  # the transaction is gone; DATA would get 503
    start = await typed(shell, "/showme")
    assert shell.take_suggestion() == "MAIL FROM:<alice@sandbox.test>"
    assert any("No transaction is open" in n for n in said(shell, start))
    await typed(shell, "MAIL FROM:<alice@sandbox.test>", "/showme")
    assert shell.take_suggestion() == "RCPT TO:<carol@sandbox.test>"
    await typed(shell, "RCPT TO:<carol@sandbox.test>", "/showme")
    assert shell.take_suggestion() == "DATA"


async def test_showme_puts_raw_on_on_the_line_when_the_step_needs_it(shell: ShellEngine) -> None:
    await at_step(shell, "dot-stuffing-and-smuggling", 2)
    start = await typed(shell, "/showme")
    assert shell.take_suggestion() == "/raw on"
    assert any("/raw on" in n and "on the command line" in n for n in said(shell, start))
    await typed(shell, "/raw on", "/showme")
    assert shell.take_suggestion() == "MAIL FROM:<alice@sandbox.test>"


async def test_showme_inside_a_message_puts_no_command_into_it(shell: ShellEngine) -> None:
    await at_step(shell, "dot-stuffing-and-smuggling", 2)
    envelope = ("MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")
    await typed(shell, *envelope, "Subject: Dots", "", ".profile", ".")  # without /raw on: not this step
    await typed(shell, *envelope)  # a second try: the step's solution starts over at MAIL
    assert shell.mode == "data" and shell.lessons.step_index == 1
    start = await typed(shell, "/showme")
    assert shell.take_suggestion() == "."
    assert any("inside a message" in n for n in said(shell, start))


async def test_a_hand_stuffed_line_gets_a_word_that_it_is_stuffed_again(shell: ShellEngine) -> None:
    start = await typed(shell, "EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")
    await typed(shell, "..profile")
    assert any("arrives as '..profile'" in n for n in said(shell, start))
    await typed(shell, ".")
    exchanges = [r for r in shell.records if isinstance(r, Exchange)]
    assert exchanges[-1].payload_lines == ("...profile",)


# ---- the walkthrough demands every note ---------------------------------------------------------------------


async def test_the_walkthrough_reports_a_note_that_never_appears(tmp_path: Path, smtpshell_home: Path) -> None:
    text = (LESSONS / "16-dsn-and-chunking.md").read_text(encoding="utf-8")
    broken = tmp_path / "16-broken.md"
    never_said = text.replace("BDAT announced 5 octets but the chunk has 10", "words the shell never says")
    broken.write_text(never_said, "utf-8")
    problems = await walk_lesson(load_lesson_file(broken), smtpshell_home)
    assert [p.message.split(" (")[0] for p in problems] == ["step 3: the mistake's note never appears"]


async def test_the_walkthrough_reports_a_note_shown_on_the_right_path(tmp_path: Path, smtpshell_home: Path) -> None:
    text = (LESSONS / "04-many-recipients.md").read_text(encoding="utf-8")
    broken = tmp_path / "04-broken.md"
    broken.write_text(text.replace('when = { sent = "RCPT", code = 503 }\n', "", 1), "utf-8")
    problems = await walk_lesson(load_lesson_file(broken), smtpshell_home)
    assert any("the reference solution shows a mistake's note" in p.message for p in problems), problems


def test_every_shipped_mistake_has_a_note() -> None:
    for path in sorted(LESSONS.glob("[0-9]*.md")):
        for step in load_lesson_file(path).steps:
            assert all(m.note for m in step.mistakes), f"{path.name}: {step.title}"


async def test_showme_puts_sandbox_tls_on_the_line_for_the_implicit_tls_step(shell: ShellEngine) -> None:
    await at_step(shell, "routing-and-ports", 1)
    await typed(shell, "/showme")
    assert shell.take_suggestion() == "/sandbox --tls"
    await typed(shell, "/sandbox --tls", "/showme")
    assert shell.take_suggestion() == "EHLO client.example"


async def test_a_mistake_that_ends_with_a_bdat_chunk_shows_its_note(shell: ShellEngine) -> None:
    await at_step(shell, "dsn-and-chunking", 3)
    start = await typed(shell, "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "BDAT 10 LAST")
    await typed(shell, "Hello Bob!")
    assert shell.lessons.step_index == 2
    assert any(MISTAKE in n and "One chunk carried the whole message" in n for n in said(shell, start))


@pytest.mark.parametrize(
    ("mistake", "problem"),
    [
        ('when = { sent = "HELO", cod = 250 }', "unknown key 'cod'"),
        ('when = { sent = "HELLO" }', "unknown command 'HELLO'"),
        ("delivered = { to = 1 }", "'to' must be"),
        ("notice = '('", "not a valid regular expression"),
    ],
)
def test_a_bad_mistake_context_is_reported_at_its_line(tmp_path: Path, mistake: str, problem: str) -> None:
    from smtpshell.lessons.loader import LessonFileError
    from tests.lessons.test_broken_files import GOOD, write

    text = GOOD.replace("code = 250\n```", f'code = 250\n\n[[mistake]]\nlines = ["HELO"]\nnote = "n"\n{mistake}\n```')
    path = write(tmp_path, text)
    with pytest.raises(LessonFileError) as raised:
        load_lesson_file(path)
    line = text.splitlines().index(mistake) + 1
    assert any(e.line == line and problem in e.message for e in raised.value.errors), raised.value.errors
