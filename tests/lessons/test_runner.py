"""The runner, driven by a real engine on the real sandbox: steps pass on what really happened, hints come one at
a time, "show me" follows the learner, and the summary compares the learner's commands with the solution."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from smtpshell.lessons.loader import load_lesson_file
from smtpshell.lessons.model import Lesson
from smtpshell.lessons.render import pane_markdown
from smtpshell.lessons.runner import LessonFinished, LessonRunner, MistakeSpotted, SandboxView, StepPassed
from smtpshell.lessons.summary import render_summary
from smtpshell.session.records import Exchange, Record
from tests.lessons.engine_helpers import LESSONS, Learner, open_learner

OpenLearner = Callable[[Lesson], Awaitable[Learner]]


def lesson(name: str) -> Lesson:
    return load_lesson_file(next(LESSONS.glob(f"*-{name}.md")))


@pytest.fixture
async def learner_on(smtpshell_home: Path) -> AsyncIterator[OpenLearner]:
    opened: list[Learner] = []

    async def open_for(subject: Lesson) -> Learner:
        learner = await open_learner(subject, smtpshell_home)
        opened.append(learner)
        return learner

    yield open_for
    for learner in opened:
        await learner.engine.close()


async def test_a_step_passes_on_the_servers_reply_and_says_why(learner_on: OpenLearner) -> None:
    first = lesson("first-conversation")
    learner = await learner_on(first)
    runner = learner.follow(first)
    await learner.say("HELO")  # 501: sent, but not what the step asks
    assert runner.step_index == 0
    await learner.say("HELO client.example")
    passed = [e for e in learner.events if isinstance(e, StepPassed)]
    assert [(e.index, e.next_step) for e in passed] == [(0, first.steps[1])]
    assert "RFC 5321" in passed[0].why
    assert runner.step is first.steps[1]


async def test_hints_come_one_at_a_time_and_then_run_out(learner_on: OpenLearner) -> None:
    first = lesson("first-conversation")
    runner = (await learner_on(first)).follow(first)
    shown = [runner.hint() for _ in range(len(first.steps[0].hints) + 1)]
    assert [(h.number, h.total) for h in shown if h] == [(1, 3), (2, 3), (3, 3)]
    assert shown[-1] is None
    assert runner.hints_shown == first.steps[0].hints


async def test_show_me_follows_what_the_learner_already_sent(learner_on: OpenLearner) -> None:
    recipients = lesson("many-recipients")
    learner = await learner_on(recipients)
    runner = learner.follow(recipients)
    for step in recipients.steps[:2]:
        await learner.type(*step.solution)
    assert runner.step_index == 2
    shown = runner.show_me()
    assert shown and (shown.text, shown.number, shown.total) == ("RCPT TO:<carol@sandbox.test>", 1, 3)
    await learner.say("RCPT TO:<carol@sandbox.test>")
    shown = runner.show_me()
    assert shown and (shown.text, shown.number) == ("RCPT TO:<dave@sandbox.test>", 2)
    assert runner.show_me() == shown  # asking again changes nothing
    assert runner.summary().solutions_shown == 3


async def test_show_me_gives_a_message_without_its_final_dot(learner_on: OpenLearner) -> None:
    sending = lesson("sending-a-message")
    learner = await learner_on(sending)
    runner = learner.follow(sending)
    for step in sending.steps[:4]:
        await learner.type(*step.solution)
    assert learner.engine.mode == "data"
    shown = runner.show_me()
    assert shown is not None and shown.kind == "message"
    assert shown.text.endswith("Hello Bob, I typed this by hand.")
    assert shown.lines[-1] == "."
    await learner.engine.send_message(shown.text)  # what the TUI's composer does with it
    assert runner.finished
    assert isinstance(learner.events[-1], LessonFinished)


async def test_show_me_gives_the_chunk_once_a_bdat_line_waits_for_it(learner_on: OpenLearner) -> None:
    chunking = lesson("dsn-and-chunking")
    learner = await learner_on(chunking)
    runner = learner.follow(chunking)
    for step in chunking.steps[:2]:
        await learner.type(*step.solution)
    await learner.say("MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "BDAT 8")
    assert learner.engine.mode == "data"
    shown = runner.show_me(learner.engine.mode)
    assert shown and (shown.kind, shown.text) == ("chunk", "Hello Bo")
    await learner.say("Hello Bo")
    shown = runner.show_me(learner.engine.mode)
    assert shown and shown.text == "BDAT 2 LAST"


async def test_show_me_names_the_shell_command_a_step_needs_first(learner_on: OpenLearner) -> None:
    dots = lesson("dot-stuffing-and-smuggling")
    learner = await learner_on(dots)
    runner = learner.follow(dots)
    await learner.type(*dots.steps[0].solution)
    shown = runner.show_me()
    assert shown and shown.text == "MAIL FROM:<alice@sandbox.test>" and shown.shell_commands == ("/raw on",)


async def test_a_foreseen_mistake_gets_its_note(learner_on: OpenLearner) -> None:
    first = lesson("first-conversation")
    learner = await learner_on(first)
    learner.follow(first)
    await learner.say("HELLO client.example")
    assert [e.note for e in learner.events if isinstance(e, MistakeSpotted)] == [first.steps[0].mistakes[0].note]
    await learner.say("HELLO client.example")
    assert len(learner.events) == 1  # said once per step, not at every repeat


async def test_mail_captured_before_the_step_began_does_not_pass_it(learner_on: OpenLearner) -> None:
    recipients = lesson("many-recipients")
    last = recipients.steps[-1]  # [delivered] to postmaster, one recipient
    learner = await learner_on(recipients)
    await learner.say("EHLO client.example")
    await learner.type(*last.solution)
    assert len(learner.engine.mailbox()) == 1
    runner = learner.follow(recipients, step=len(recipients.steps) - 1)
    await learner.say("NOOP")
    assert not runner.finished
    await learner.type(*last.solution)
    assert runner.finished


async def test_the_summary_compares_commands_with_the_solution_and_lists_codes(learner_on: OpenLearner) -> None:
    sending = lesson("sending-a-message")
    learner = await learner_on(sending)
    runner = learner.follow(sending)
    await learner.say("EHLO client.example", "NOOP")
    for step in sending.steps[1:]:
        await learner.type(*step.solution)
    finished = [e for e in learner.events if isinstance(e, LessonFinished)]
    assert len(finished) == 1
    summary = finished[0].summary
    assert dict(summary.commands_used) == {"EHLO": 1, "NOOP": 1, "MAIL": 1, "RCPT": 1, "DATA": 1}
    assert dict(summary.reference) == {"EHLO": 1, "MAIL": 1, "RCPT": 1, "DATA": 1}
    assert summary.extra == ("NOOP",) and summary.unused == ()
    assert [note.code for note in summary.replies] == ["250", "354"]
    assert {note.code for note in summary.enhanced} == {"2.0.0", "2.1.0", "2.1.5"}
    assert all(note.meaning and "registry" not in note.meaning for note in summary.enhanced)
    assert runner.summary() == summary
    text = render_summary(summary)
    assert "Commands you used (5): EHLO, NOOP, MAIL, RCPT, DATA" in text
    assert "The reference solution (4): EHLO, MAIL, RCPT, DATA" in text and "you also tried: NOOP" in text
    assert "2.1.5  Destination address valid" in text


async def test_the_runner_is_pure_the_same_records_give_the_same_events(learner_on: OpenLearner) -> None:
    recipients = lesson("many-recipients")
    learner = await learner_on(recipients)
    learner.follow(recipients)
    views: list[SandboxView] = []
    original = learner.watch

    def watch_and_keep(record: Record) -> None:
        views.append(learner.view())
        original(record)

    learner.engine.on_record = watch_and_keep
    for step in recipients.steps:
        await learner.type(*step.solution)
    replay = LessonRunner(recipients)
    records = learner.engine.records[-len(views) :]
    events = [e for record, view in zip(records, views, strict=True) for e in replay.observe(record, view)]
    assert [type(e) for e in events] == [type(e) for e in learner.events]
    assert replay.finished and any(isinstance(r, Exchange) for r in records)


async def test_the_pane_shows_the_step_its_hints_the_last_why_and_the_summary(learner_on: OpenLearner) -> None:
    first = lesson("first-conversation")
    learner = await learner_on(first)
    runner = learner.follow(first)
    pane = pane_markdown(runner, None, 1)
    assert "# 1. The first conversation" in pane and "## Step 1 of 2: Say hello" in pane
    assert "read the greeting a server sends when you connect" in pane
    runner.hint()
    assert f"**Hint 1/3:** {first.steps[0].hints[0]}" in pane_markdown(runner)
    await learner.say("HELO client.example")
    pane = pane_markdown(runner)
    assert "- ✓ Say hello" in pane and "## Step 2 of 2: Say goodbye" in pane
    assert "> **Why:** RFC 5321 §4.1.1.1" in pane and "Hint 1/3" not in pane
    await learner.say("QUIT")
    pane = pane_markdown(runner)
    assert "## Lesson finished: The first conversation" in pane
    assert "| 221 | Service closing transmission channel |" in pane
