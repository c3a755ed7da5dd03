"""Lessons in the TUI: the summary stays after the last step, lesson texts lose their Markdown markers in the
conversation, and /showme hands over a one-line message no key can type (lesson 14's lone CRs)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import Input, Markdown

from smtpshell.lessons.progress import Progress
from smtpshell.meta_table import META_COMMANDS
from smtpshell.session.records import Notice
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.composer import Composer
from smtpshell.tui.lesson_pane import LessonPane
from tests.tui.shell_driver import last_exchange, records, settle, transcript_entry, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]
SMUGGLING = "dot-stuffing-and-smuggling"
LONE_CR_LINE = "Hello Bob,\r.\rMAIL FROM:<ceo@sandbox.test>"


def notices(app: SMTPShellApp, starting: str) -> list[Notice]:
    return [r for r in records(app) if isinstance(r, Notice) and r.text.startswith(starting)]


def shown(widget: Widget) -> bool:
    """Whether the widget is displayed now (a call, so that the type checker does not narrow it for good)."""
    return bool(widget.display)


def pane_source(app: SMTPShellApp) -> str:
    return app.query_one(LessonPane).query_one(Markdown).source


async def test_the_summary_stays_in_the_lesson_pane_until_the_learner_closes_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert "f5" not in app.screen.active_bindings  # no lesson: no lesson key in the footer
        await type_line(pilot, app, "/lesson first-conversation")
        pane = app.query_one(LessonPane)
        assert shown(pane) and "f5" in app.screen.active_bindings
        await type_line(pilot, app, "HELO client.example")
        await type_line(pilot, app, "QUIT")
        assert notices(app, "Lesson finished")
        await wait_for(pilot, lambda: "Lesson finished" in pane_source(app), "the summary in the pane")
        summary = pane.query("MarkdownH2").last()
        await wait_for(pilot, lambda: pane.scroll_y > 0, "the pane to scroll to the summary")
        assert pane.scrollable_content_region.contains_region(summary.region)  # the summary, not the goals
        assert "/lesson stop" in str(pane.border_subtitle)
        # It stays: another command does not take it away.
        await type_line(pilot, app, "/sandbox")
        assert shown(pane) and "Lesson finished" in pane_source(app)
        # F5 hides it and brings it back; /lesson stop closes it.
        await pilot.press("f5")
        assert not shown(pane)
        await pilot.press("f5")
        assert shown(pane)
        await type_line(pilot, app, "/lesson stop")
        assert not shown(pane) and not pane.has_text
        assert notices(app, "Lesson closed")
        assert "f5" not in app.screen.active_bindings


async def test_lesson_texts_are_in_the_lesson_pane_only_the_conversation_marks_the_moment(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "/lesson first-conversation")
        (step,) = notices(app, "Step 1 of 2")
        assert "`HELO`" in step.detail and step.lesson_text  # the lesson file writes it as code...
        shown = transcript_entry(app, step)
        assert shown.strip().startswith("ℹ Step 1 of 2") and "\n" not in shown.strip()  # one line: a pointer
        assert "the lesson pane" in shown and "HELO (with one L)" not in shown
        assert "`HELO`" in pane_source(app)  # ...and the pane renders it as code
        (intro,) = notices(app, "Lesson 1")
        assert "**greeting**" in intro.detail and "greeting" not in transcript_entry(app, intro)


async def test_a_started_lesson_announces_its_step_after_the_new_greeting(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "/lesson first-conversation")
        shown = records(app)
        greeting = shown.index(last_exchange(app))
        assert isinstance(shown[-1], Notice) and shown[-1].text.startswith("Step 1 of 2")
        assert greeting < shown.index(notices(app, "Lesson 1")[0])
        # Ending the lesson's session with QUIT is what the learner asked for: no pop-up about it.
        await type_line(pilot, app, "HELO client.example")
        await type_line(pilot, app, "QUIT")
        assert not [n for n in app._notifications if n.title == "Disconnected"]


async def test_showme_puts_a_message_line_with_lone_crs_on_the_command_line(make_app: MakeApp) -> None:
    Progress().save_step(SMUGGLING, 2)  # steps 1 and 2 were done in an earlier session
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        for line in (f"/lesson {SMUGGLING}", "/raw on", "EHLO client.example"):
            await type_line(pilot, app, line)
        assert app.engine.lessons.runner is not None and app.engine.lessons.runner.step_index == 2
        for line in ("MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
            await type_line(pilot, app, line)
        composer = app.query_one(Composer)
        assert shown(composer)  # after 354 the composer is offered...
        app.use_meta_command(META_COMMANDS["showme"])  # ...and /showme is chosen from the command palette
        await settle(pilot, app)
        command_input = app.query_one(CommandLine).input
        assert command_input.value == LONE_CR_LINE  # ...the composer steps aside for the line
        assert not shown(composer) and command_input.has_focus
        assert app.engine.mode == "data"
        # A CR is drawn as its picture: the line keeps its length, the cursor its place.
        drawn = command_input._value.plain
        assert drawn == LONE_CR_LINE.replace("\r", "␍") and len(drawn) == len(LONE_CR_LINE)
        (answer,) = notices(app, "Answer")
        assert "<CR>.<CR>" in answer.detail
        await pilot.press("enter")
        await settle(pilot, app)
        await type_line(pilot, app, ".")
        refused = last_exchange(app)
        assert refused.reply is not None and (refused.reply.code, str(refused.reply.enhanced)) == (554, "5.6.0")
        assert refused.payload_lines == (LONE_CR_LINE,)  # the lone CRs went out inside the line
        assert "␍" in transcript_entry(app, refused)
        assert app.engine.lessons.runner.finished
        assert app.engine.mailbox() == []


async def test_escape_in_the_composer_goes_back_to_the_line_without_sending(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        for line in ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
            await type_line(pilot, app, line)
        composer = app.query_one(Composer)
        assert shown(composer) and app.focused is not None and composer in app.focused.ancestors_with_self
        # The editor would take Escape to move the focus to the Send button, where Enter sends the template.
        await pilot.press("escape", "enter")
        await settle(pilot, app)
        assert not shown(composer)
        assert isinstance(app.focused, Input) and app.focused is app.query_one(CommandLine).input
        assert app.engine.mode == "data" and app.engine.message_lines == [""]  # Enter typed an empty line
        assert app.engine.mailbox() == []
