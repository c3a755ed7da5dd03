"""The TUI against the real engine and the in-process sandbox: typing, replies, explanations, DATA, selection."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import CommandList, CommandPalette
from textual.widgets import TextArea

from smtpshell.session.records import ConnectionChange
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.composer import Composer
from smtpshell.tui.help_screen import HelpScreen
from smtpshell.tui.mailbox import MailboxScreen
from smtpshell.tui.transcript import TLS_MARK, Transcript
from tests.tui.shell_driver import (
    exchanges,
    explanation_text,
    last_exchange,
    records,
    settle,
    status_text,
    transcript_entry,
    type_line,
    wait_for,
)

SIZE = (160, 48)
MakeApp = Callable[..., SMTPShellApp]


async def test_typing_ehlo_shows_the_reply_and_one_line_per_keyword(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert last_exchange(app).kind == "greeting"
        await type_line(pilot, app, "EHLO me", keys=True)
        ehlo = last_exchange(app)
        assert ehlo.command == "EHLO me"
        assert ehlo.reply is not None and ehlo.reply.code == 250
        entry = transcript_entry(app, ehlo)
        assert "C: EHLO me" in entry
        for wire in ehlo.reply.wire_lines():
            assert f"S: {wire}" in entry
        assert ehlo.explanation is not None and ehlo.explanation.keywords
        shown = explanation_text(app)
        assert ehlo.explanation.headline in shown
        lines = [line.strip() for line in shown.splitlines()]
        for note in ehlo.explanation.keywords:
            assert any(line.startswith(note.keyword + " ") for line in lines), note.keyword
        assert "EHLO me" in status_text(app)


async def test_a_whole_transaction_through_data_with_the_composer(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for line in ("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>"):
            await type_line(pilot, app, line)
            assert last_exchange(app).reply is not None and last_exchange(app).reply.code == 250  # type: ignore[union-attr]
        assert "<alice@sandbox.test>" in status_text(app) and "<bob@sandbox.test>" in status_text(app)
        await type_line(pilot, app, "DATA")
        assert last_exchange(app).reply.code == 354  # type: ignore[union-attr]
        composer = app.query_one(Composer)
        assert composer.display
        editor = composer.query_one(TextArea)
        assert editor.has_focus
        assert "To: <bob@sandbox.test>" in editor.text and "From: <alice@sandbox.test>" in editor.text
        # The sample body is selected: typing replaces it. A line that starts with a dot must travel
        # dot-stuffed and arrive as typed.
        await pilot.press(*"Hi Bob,", "enter", *".a line that starts with a dot")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not composer.display
        assert app.query_one(CommandLine).input.has_focus
        data = last_exchange(app)
        assert data.kind == "data" and data.reply is not None and data.reply.code == 250
        assert "..a line that starts with a dot" in data.payload_lines
        entry = transcript_entry(app, data)
        assert "C: ..a line that starts with a dot" in entry and "S: 250" in entry
        (message,) = app.engine.mailbox()
        assert message.envelope.sender == "alice@sandbox.test"
        assert message.envelope.recipients == ("bob@sandbox.test",)
        assert message.content.endswith(b"\r\n\r\nHi Bob,\r\n.a line that starts with a dot\r\n")
        assert "from <" not in status_text(app)  # the transaction is over
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, MailboxScreen)
        assert message.queue_id in str(app.screen.query_one("#mailbox-envelope").visual.plain)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MailboxScreen)


async def test_selecting_an_earlier_exchange_shows_its_explanation(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "NOOP")
        greeting, ehlo, noop = exchanges(app)
        assert noop.explanation is not None and ehlo.explanation is not None and greeting.explanation is not None
        assert len({greeting.explanation.headline, ehlo.explanation.headline, noop.explanation.headline}) == 3
        assert noop.explanation.headline in explanation_text(app)
        # Keyboard, without leaving the command line.
        await pilot.press("alt+up")
        await pilot.pause()
        assert ehlo.explanation.headline in explanation_text(app)
        assert app.query_one(CommandLine).input.has_focus
        # Mouse: the greeting is the second entry, right under the "connected" line.
        transcript = app.query_one(Transcript)
        assert isinstance(records(app)[0], ConnectionChange)
        await pilot.click(Transcript, offset=(8, 2))
        await pilot.pause()
        assert transcript.selected_record() is greeting
        assert greeting.explanation.headline in explanation_text(app)
        # A new reply brings the selection back to the latest exchange.
        await type_line(pilot, app, "RSET")
        assert transcript.selected_record() is last_exchange(app)


async def test_starttls_with_the_sandbox_marks_what_follows_as_encrypted(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        assert "TLS off" in status_text(app)
        await type_line(pilot, app, "STARTTLS")
        assert any(isinstance(r, ConnectionChange) and r.event == "tls" for r in records(app))
        assert "🔒 verified" in status_text(app)
        await type_line(pilot, app, "EHLO me")
        ehlo = last_exchange(app)
        assert ehlo.tls and ehlo.reply is not None and ehlo.reply.code == 250
        assert TLS_MARK in transcript_entry(app, ehlo)
        before = exchanges(app)[1]
        assert TLS_MARK not in transcript_entry(app, before)


async def test_a_dropped_connection_is_an_explained_notice_and_the_app_keeps_running(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "/faults disconnect:NOOP")
        await type_line(pilot, app, "NOOP")
        assert any(isinstance(r, ConnectionChange) and r.event == "disconnected" for r in records(app))
        assert "not connected" in status_text(app)
        assert app.is_running
        assert any(n.severity in ("error", "warning") for n in app._notifications)
        # The learner can go on: a new session with the sandbox.
        await type_line(pilot, app, "/faults clear")
        await type_line(pilot, app, "/sandbox")
        await type_line(pilot, app, "EHLO again")
        assert last_exchange(app).reply is not None and last_exchange(app).reply.code == 250  # type: ignore[union-attr]


async def test_a_stopped_sandbox_is_shown_as_a_problem_not_a_traceback(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sandbox = app.engine.sandbox
        assert sandbox is not None
        sandbox.stop()
        await type_line(pilot, app, "NOOP")
        await type_line(pilot, app, "NOOP")
        assert app.is_running
        assert "not connected" in status_text(app)
        assert any(getattr(r, "level", "") == "error" for r in records(app))


async def test_history_and_tab_completion_in_the_command_line(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        command_input = app.query_one(CommandLine).input
        command_input.focus()
        await pilot.press("E", "H", "tab")
        assert command_input.value.startswith("EHLO")
        await pilot.press(*"me")
        await pilot.press("enter")
        await settle(pilot, app)
        assert last_exchange(app).command.startswith("EHLO")
        typed = last_exchange(app).command
        await pilot.press("up")
        assert command_input.value == typed
        await pilot.press("down")
        assert command_input.value == ""


async def test_f1_help_follows_the_session(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.content.plain
        assert "MAIL FROM:<reverse-path>" in shown  # after EHLO, a transaction is what makes sense
        assert "EHLO <domain>" not in shown  # ... and greeting again is not
        assert "/faults" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_command_palette_offers_the_shell_commands(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)

        async def choose(query: str) -> None:
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
            await pilot.press(*query)
            hits = app.screen.query_one(CommandList)
            await wait_for(
                pilot,
                lambda: hits.option_count > 0 and query in str(hits.get_option_at_index(0).prompt),
                f"{query} in the palette",
            )
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")

        # A command that needs an argument lands on the line, unsent, for the learner to finish.
        await choose("/faults")
        assert app.query_one(CommandLine).input.value == "/faults "
        # One that takes nothing runs at once.
        await choose("/state")
        await settle(pilot, app)
        assert any(getattr(r, "text", "") == "The session as the client sees it:" for r in records(app))
