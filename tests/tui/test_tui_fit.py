"""What must fit and make sense on the screen: the completion dropdown inside narrow terminals, the footer keys
of the screen in front, pop-ups only for what the learner did not ask for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Static

from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.completion_menu import CompletionMenu
from smtpshell.tui.explanation import ExplanationPane
from smtpshell.tui.mailbox import MailboxScreen
from tests.tui.shell_driver import menu_settled, settle, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]
KEYWORDS = ("PIPELINING", "SIZE", "STARTTLS", "ENHANCEDSTATUSCODES", "SMTPUTF8", "HELP")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_address_dropdown_stays_inside_the_screen(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        app.query_one(CommandLine).input.focus()
        await pilot.press("M", "A", "I", "L", "tab")  # completes MAIL FROM:< and offers the addresses
        menu = app.query_one(CompletionMenu)
        await menu_settled(pilot, app)
        assert menu.is_open and menu.option_count > 0
        await pilot.pause()
        shown = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        rows = {text.split()[0]: text for text in shown}
        assert "a mailing list the sandbox knows" in rows["staff@sandbox.test"]
        assert "a mailbox the sandbox knows" in rows["alice@sandbox.test"]
        assert rows["<>"].endswith("…")  # the null sender's long meaning is cut, not pushed off the screen
        assert menu.region.x >= 0 and menu.region.right <= size[0]
        assert max(len(text) for text in shown) <= menu.content_region.width


async def test_the_mailbox_footer_offers_only_keys_that_work_there(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert {"f2", "f4"} <= set(app.screen.active_bindings)
        explanation = app.query_one(ExplanationPane)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, MailboxScreen), "the mailbox")
        keys = set(app.screen.active_bindings)
        assert {"escape", "r", "f1"} <= keys
        assert not {"f2", "f4", "f5"} & keys
        await pilot.press("f2")  # the panes are behind the mailbox: nothing may change there unseen
        await pilot.pause()
        assert explanation.display
        await pilot.press("f1")
        await pilot.pause()
        assert "You are in the mailbox" in app.screen.content.plain  # type: ignore[attr-defined]


async def test_a_dropped_connection_pops_up_but_a_quit_does_not(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)

        def popups() -> list[tuple[str, str]]:
            return [(str(n.title), n.severity) for n in app._notifications]

        await type_line(pilot, app, "QUIT")
        await type_line(pilot, app, "/sandbox")
        assert popups() == []  # the learner ended that session: nothing to warn about
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "/faults disconnect:NOOP")
        await type_line(pilot, app, "NOOP")
        # One pop-up for the dropped connection: the error that explains it, not a second one saying the same.
        assert len(popups()) == 1 and popups()[0][1] in ("error", "warning"), popups()


@pytest.mark.parametrize("size", [(160, 48), (120, 36), (80, 24)])
async def test_the_ehlo_explanation_wraps_its_own_lines(make_app: MakeApp, size: tuple[int, int]) -> None:
    """Each keyword's text is wrapped to the pane (under its own indent); none is wrapped again by the widget
    because a scrollbar took a column after the wrapping was decided."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        pane = app.query_one(ExplanationPane)
        body = pane.query_one("#explanation-body", Static)
        await wait_for(pilot, lambda: pane.show_vertical_scrollbar, "the explanation to need a scrollbar")
        lines = str(body.visual.plain).split("\n")  # type: ignore[attr-defined]
        start = next(i for i, line in enumerate(lines) if line.startswith("What the server offers")) + 1
        table = lines[start : lines.index("", start)]
        assert len(table) >= len(KEYWORDS) and all(any(row.startswith(k) for row in table) for k in KEYWORDS)
        assert max(len(row) for row in table) <= body.content_region.width


def test_a_control_character_in_a_candidate_is_shown_as_its_picture() -> None:
    from smtpshell.session.completion import Completion
    from smtpshell.tui.completion_menu import menu_rows

    rows, _ = menu_rows(
        [
            Completion("a\x1b[31m@x.test>", 0, "a\x1b[31m@x.test", "used before"),
            Completion("b@x.test>", 0, "b@x.test", "m"),
        ],
        80,
    )
    assert "\x1b" not in rows[0].plain and "␛[31m" in rows[0].plain
    assert rows[0].plain.index("used") == rows[1].plain.index("m")  # the meanings stay in one column
