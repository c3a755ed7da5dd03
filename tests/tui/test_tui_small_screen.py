"""At 80×24, the size most terminals open at: read from the rendered screen, not from widget state.

A lesson played through shows, at every step, the step's text and the reply it is about; the DATA composer leaves
the step, the last reply and the input on screen; PageUp/PageDown scroll the conversation from the command line.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import TextArea

from smtpshell.session.records import Exchange
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.composer import Composer
from smtpshell.tui.transcript import Transcript
from tests.tui.shell_driver import exchanges, screen_text, settle, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]
SMALL = (80, 24)


def first_reply_line(exchange: Exchange) -> str:
    assert exchange.reply is not None
    return exchange.reply.wire_lines()[0]


def step_on_screen(app: SMTPShellApp) -> tuple[str, str]:
    """The current step's heading and the first words of its instruction."""
    runner = app.engine.lessons.runner
    step = runner.step
    heading = f"Step {runner.step_index + 1} of {len(runner.lesson.steps)}: {step.title}"
    words = step.instruction.replace("`", "").replace("**", "").split()[:4]
    return heading, " ".join(words)


async def settled_screen(pilot: object, app: SMTPShellApp) -> str:
    await settle(pilot, app)  # type: ignore[arg-type]
    await pilot.pause()  # type: ignore[attr-defined]
    return screen_text(app)


async def test_lesson_3_at_80x24_shows_each_step_beside_the_reply_it_is_about(make_app: MakeApp) -> None:
    app = make_app(lesson_id="sending-a-message")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: app.engine.lessons.runner is not None, "the lesson")
        steps = app.engine.lessons.runner.lesson.steps
        for index, step in enumerate(steps):
            assert app.engine.lessons.runner.step_index == index
            heading, words = step_on_screen(app)
            await wait_for(
                pilot, lambda w=words: w in " ".join(screen_text(app).split()), f"{heading!r} on the screen", 400
            )
            screen = screen_text(app)
            assert " ".join(screen.split()).count(words) == 1, (words, screen)  # the step's text, in one place only
            assert first_reply_line(exchanges(app)[-1]) in screen, screen  # the reply the step is about
            (solution,) = step.solution
            text = solution if isinstance(solution, str) else solution.text
            if index < len(steps) - 1:
                await type_line(pilot, app, text)
                continue
            # The step asks for the message typed by hand (by_hand = true): no composer is offered, and the command
            # line says so; the learner types each line and the final ".".
            assert step.by_hand and not app.query_one(Composer).display
            assert "data> the step wants it typed" in screen, screen
            for line in text.strip("\n").split("\n"):
                await type_line(pilot, app, line)
        screen = await settled_screen(pilot, app)
        assert app.engine.lessons.runner.finished
        assert "queued as" in first_reply_line(exchanges(app)[-1])
        assert first_reply_line(exchanges(app)[-1]) in screen, screen
        assert "Lesson finished" in screen, screen


LESSON_4_TO_DATA = (
    "EHLO client.example",
    "MAIL FROM:<alice@sandbox.test>",
    "RCPT TO:<bob@sandbox.test>",
    "RCPT TO:<zoe@sandbox.test>",
    "RCPT TO:<carol@sandbox.test>",
    "RCPT TO:<dave@sandbox.test>",
    "RCPT TO:<postmaster@sandbox.test>",
    "DATA",
)


async def test_the_data_composer_at_80x24_leaves_the_step_the_reply_and_the_input_in_view(make_app: MakeApp) -> None:
    app = make_app(lesson_id="many-recipients")  # its DATA step leaves the message to the composer
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        for line in LESSON_4_TO_DATA:
            await type_line(pilot, app, line)
        await wait_for(pilot, lambda: app.query_one(Composer).display, "the composer")
        screen = await settled_screen(pilot, app)
        heading, _ = step_on_screen(app)
        assert heading in screen, screen
        assert "354 End data with" in screen, screen
        assert "data>" in screen and "From: <alice@sandbox.test>" in screen, screen
        keys = screen.splitlines()[-1]  # the key bar: what matters first, and nothing cut at 80 columns
        assert keys.split()[:2] == ["f1", "Help"] and keys.rstrip().endswith("^q Quit"), keys
        for widget in (app.query_one(Transcript), app.query_one("#lesson"), app.query_one(TextArea)):
            assert widget.content_region.height >= 2, (widget, widget.content_region)


async def test_page_up_and_down_scroll_the_conversation_from_the_command_line(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "/help")
        transcript = app.query_one(Transcript)
        assert app.query_one(CommandLine).input.has_focus
        await wait_for(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y > 0, "the end in view")
        bottom = screen_text(app)
        await pilot.press("pageup")
        await wait_for(pilot, lambda: transcript.scroll_y < transcript.max_scroll_y, "a page up")
        assert screen_text(app) != bottom
        assert app.query_one(CommandLine).input.has_focus
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await wait_for(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y, "back at the end")


async def test_a_long_notice_folds_under_its_own_text_at_80x24(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "MAIL FROM:<alice@sandbox.test>")  # held back: a long warning
        lines = screen_text(app).splitlines()
        start = next(n for n, line in enumerate(lines) if "⚠ MAIL before EHLO" in line)
        assert lines[start + 1].startswith("│   ") and lines[start + 1][4] != " ", lines[start : start + 3]
