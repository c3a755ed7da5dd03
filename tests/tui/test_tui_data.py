"""DATA in the TUI: a message typed by hand is shown line by line as it is typed; Ctrl+C does what the footer says
(Cancel): pressed twice while a message is being written, it abandons it by closing the connection."""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.session.records import ConnectionChange
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.composer import Composer
from tests.tui.shell_driver import records, screen_text, settle, status_text, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]
SIZE = (100, 30)
ENVELOPE = ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")


async def test_message_lines_typed_by_hand_show_as_they_are_typed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for line in ENVELOPE:
            await type_line(pilot, app, line)
        await wait_for(pilot, lambda: app.query_one(Composer).display, "the composer")
        await pilot.press("escape")  # type the lines myself
        await pilot.pause()
        await type_line(pilot, app, "Subject: by hand", keys=True)
        await type_line(pilot, app, "Hello Bob", keys=True)
        screen = screen_text(app)
        assert "C: Subject: by hand" in screen and "C: Hello Bob" in screen
        assert "kept until the final '.'" in screen  # said once: the shell sends the message with its end
        await type_line(pilot, app, ".")
        screen = screen_text(app)
        assert "kept until" not in screen and "250 2.0.0 Ok: queued as" in screen
        assert len(app.engine.mailbox()) == 1


async def test_ctrl_c_twice_abandons_a_message_and_nothing_is_delivered(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "Cancel" in screen_text(app).splitlines()[-1]  # the footer says what Ctrl+C does
        for line in ENVELOPE:
            await type_line(pilot, app, line)
        await pilot.press("escape")
        await type_line(pilot, app, "Subject: half a message")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.engine.connected  # the first press only says how
        assert any("Press Ctrl+C again" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+c")
        await settle(pilot, app)
        assert not app.engine.connected and app.engine.mailbox() == []
        (change,) = [r for r in records(app) if isinstance(r, ConnectionChange) and r.event == "disconnected"]
        assert "abandon" in change.detail
        assert "Message abandoned" in screen_text(app)
        assert "not connected" in status_text(app)


async def test_ctrl_c_on_the_command_line_clears_it_and_never_says_ctrl_q(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        command_input = app.query_one(CommandLine).input
        command_input.focus()
        await pilot.press(*"EHLO")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert command_input.value == "" and app.engine.connected
