"""What is typed is what is sent: keys arriving in one burst, pasted blocks, Tab with nothing to complete, Enter in
the completion menu."""

from __future__ import annotations

from collections.abc import Callable

from textual import events

from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.completion_menu import CompletionMenu
from tests.tui.shell_driver import (
    exchanges,
    explanation_text,
    menu_settled,
    records,
    screen_text,
    settle,
    type_line,
    wait_for,
)

MakeApp = Callable[..., SMTPShellApp]
SIZE = (100, 30)
KEY_NAMES = {" ": "space", ".": "full_stop", "\n": "enter", ":": "colon", "<": "less_than_sign"}


def burst(app: SMTPShellApp, typed: str) -> None:
    """Every key of ``typed`` queued at once, as a terminal delivers keys typed faster than the app reads them
    (tmux send-keys, a paste without bracketing); a newline is Enter."""
    for char in typed:
        key = KEY_NAMES.get(char, char)
        app.post_message(events.Key(key, "\r" if char == "\n" else char))


def entered(app: SMTPShellApp) -> int:
    """How many lines the app has handed to the engine (settle then waits for the engine's work)."""
    return app.lines_taken


def sent_commands(app: SMTPShellApp) -> list[str]:
    return [e.command for e in exchanges(app) if e.kind != "greeting"]


async def test_a_burst_of_two_lines_sends_each_line_once_as_typed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one(CommandLine).input.focus()
        burst(app, "EHLO a.example\nRSET\n")
        await wait_for(pilot, lambda: entered(app) >= 2, "the two Enters")  # then the engine's work is queued
        await settle(pilot, app)
        assert sent_commands(app) == ["EHLO a.example", "RSET"]
        assert [e.reply.code for e in exchanges(app)[1:] if e.reply is not None] == [250, 250]
        assert app.query_one(CommandLine).input.value == ""


async def test_lines_typed_while_the_shell_starts_end_with_a_line_feed_and_are_sent(make_app: MakeApp) -> None:
    """Before the terminal is switched to raw mode, it turns Enter into LF (Textual reads it as ctrl+j)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one(CommandLine).input.focus()
        for char in "NOOP\n":
            app.post_message(events.Key("ctrl+j", "\n") if char == "\n" else events.Key(char, char))
        await wait_for(pilot, lambda: entered(app) >= 1, "the Enter")
        await settle(pilot, app)
        assert sent_commands(app) == ["NOOP"]


async def test_editing_keys_in_a_burst_apply_in_order(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one(CommandLine).input.focus()
        for key, char in [*((c, c) for c in "NOOPX"), ("backspace", None), ("enter", "\r"), ("N", "N")]:
            app.post_message(events.Key(key, char))
        await wait_for(pilot, lambda: entered(app) >= 1, "the Enter")
        await settle(pilot, app)
        assert sent_commands(app) == ["NOOP"]
        assert app.query_one(CommandLine).input.value == "N"


FIVE_LINES = (
    "MAIL FROM:<alice@sandbox.test>\nRCPT TO:<bob@sandbox.test>\nRCPT TO:<zoe@sandbox.test>\n"
    "RCPT TO:<carol@sandbox.test>\nDATA\n"
)


async def test_a_five_line_paste_goes_as_one_pipelined_group(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        command_input = app.query_one(CommandLine).input
        command_input.post_message(events.Paste(FIVE_LINES))
        await wait_for(pilot, lambda: command_input.value.count("\n") == 4, "the block on the command line")
        await pilot.pause()
        assert "5 lines pasted" in screen_text(app)  # said on the command line's border, nothing sent yet
        assert sent_commands(app) == ["EHLO me"]
        await pilot.press("enter")
        await settle(pilot, app)
        assert sent_commands(app)[1:] == FIVE_LINES.split("\n")[:5]
        assert [e.reply.code for e in exchanges(app)[-5:] if e.reply is not None] == [250, 250, 550, 250, 354]
        group = exchanges(app)[-5:]
        assert len({e.sent_at for e in group}) == 1  # sent together, before any reply was read
        notices = [r for r in records(app) if getattr(r, "text", "").startswith("The shell sends these 5 commands")]
        assert len(notices) == 1


async def test_a_pasted_block_without_pipelining_goes_line_by_line(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "HELO me")  # HELO: no extensions, so no PIPELINING
        command_input = app.query_one(CommandLine).input
        command_input.post_message(events.Paste("MAIL FROM:<alice@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\n"))
        await wait_for(pilot, lambda: "\n" in command_input.value, "the block on the command line")
        await pilot.press("enter")
        await settle(pilot, app)
        group = exchanges(app)[-2:]
        assert [e.command for e in group] == ["MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"]
        assert group[0].replied_at is not None and group[1].sent_at >= group[0].replied_at  # waited for each


async def test_tab_with_nothing_to_complete_stays_on_the_line_and_says_why(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        command_input = app.query_one(CommandLine).input
        command_input.focus()
        await pilot.press(*"AUTH ", "tab")
        await pilot.pause()
        assert command_input.has_focus
        assert "AUTH is offered only after STARTTLS" in screen_text(app)
        await pilot.press("ctrl+u", *"MAIL FROM:<x@y>", "tab")
        await pilot.pause()
        assert command_input.has_focus
        assert "type a space for MAIL's parameters" in screen_text(app)
        await pilot.press(*"QUIT")  # typing goes on where it was
        assert command_input.value == "MAIL FROM:<x@y>QUIT"
        assert "type a space" not in screen_text(app)  # the note went with the change


async def test_enter_on_a_chosen_menu_entry_takes_it_and_sends_nothing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        command_input = app.query_one(CommandLine).input
        menu = app.query_one(CompletionMenu)
        command_input.focus()
        await pilot.press(*"MAIL FROM:<")
        await menu_settled(pilot, app)
        assert menu.is_open
        assert menu.chosen is None  # nothing chosen until the learner moves into the menu
        await pilot.press("down", "down")
        chosen = menu.chosen
        assert chosen is not None
        await pilot.press("enter")
        await pilot.pause()
        assert command_input.value == "MAIL FROM:<" + chosen.text
        assert sent_commands(app) == ["EHLO me"]
        await pilot.press("enter")  # nothing chosen now: Enter sends the line
        await settle(pilot, app)
        assert sent_commands(app)[-1] == "MAIL FROM:<" + chosen.text


async def test_enter_with_the_menu_open_but_nothing_chosen_sends_the_line_as_typed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        command_input = app.query_one(CommandLine).input
        command_input.focus()
        await pilot.press("E", "H")
        await menu_settled(pilot, app)
        assert app.query_one(CompletionMenu).is_open
        await pilot.press(*"LO me", "enter")
        await settle(pilot, app)
        assert sent_commands(app) == ["EHLO me"]


async def test_a_mistyped_verb_gets_its_500_and_a_guess_in_the_explanation(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHOL me")
        reply = exchanges(app)[-1].reply
        assert reply is not None and reply.code == 500
        assert "Did you mean EHLO?" in explanation_text(app)


async def test_the_placeholder_follows_the_session_and_the_lesson(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert "smtp> next: EHLO <domain>" in screen_text(app)
        await type_line(pilot, app, "EHLO me")
        assert "smtp> next: MAIL FROM:<reverse-path>" in screen_text(app)
        await type_line(pilot, app, "QUIT")
        assert "smtp> not connected: /sandbox" in screen_text(app)
        await type_line(pilot, app, "/lesson sending-a-message")
        assert "smtp> the step says: EHLO client.example" in screen_text(app)
