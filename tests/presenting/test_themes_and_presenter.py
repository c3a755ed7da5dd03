"""For a projector: --theme high-contrast and Ctrl+T's choice are remembered between launches, high contrast has
no dark grey on black, and F2's presenter layout gives the conversation the screen at 80×24."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.color import Color

from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.presenter import PresenterBar
from smtpshell.tui.themes import DEFAULT_THEME, HIGH_CONTRAST, theme_name
from smtpshell.tui.transcript import Transcript
from smtpshell.user_settings import SETTINGS_FILE, load_settings
from tests.tui.shell_driver import last_exchange, settle, type_line

SMALL = (80, 24)


def _brightness(color: Color) -> float:
    return color.brightness


@pytest.mark.parametrize("name", ["high-contrast", "HIGH-CONTRAST", "contrast"])
def test_the_theme_names_a_user_types(name: str) -> None:
    assert theme_name(name) == HIGH_CONTRAST
    assert theme_name("nord") == "nord"


async def test_ctrl_t_is_remembered_at_the_next_launch(smtpshell_home: Path) -> None:
    first = SMTPShellApp()  # no data_dir given: SMTPSHELL_HOME decides where the settings live
    async with first.run_test(size=SMALL) as pilot:
        await settle(pilot, first)
        assert first.theme == DEFAULT_THEME
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert first.theme == HIGH_CONTRAST
        await first.close_engine()
    assert json.loads((smtpshell_home / SETTINGS_FILE).read_text()) == {"theme": HIGH_CONTRAST}
    second = SMTPShellApp()
    async with second.run_test(size=SMALL) as pilot:
        await settle(pilot, second)
        assert second.theme == HIGH_CONTRAST and second.has_class("-high-contrast")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert second.theme == DEFAULT_THEME and not second.has_class("-high-contrast")
        await second.close_engine()
    assert load_settings(smtpshell_home) == {"theme": DEFAULT_THEME}


async def test_an_explicit_theme_wins_and_is_remembered_too(smtpshell_home: Path) -> None:
    (smtpshell_home).mkdir(parents=True, exist_ok=True)
    (smtpshell_home / SETTINGS_FILE).write_text('{"theme": "nord"}')
    app = SMTPShellApp(data_dir=smtpshell_home, theme=theme_name("high-contrast"))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert app.theme == HIGH_CONTRAST
        await app.close_engine()
    assert load_settings(smtpshell_home)["theme"] == HIGH_CONTRAST


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"theme": 7}', ""])
async def test_a_damaged_settings_file_is_ignored(smtpshell_home: Path, damage: str) -> None:
    smtpshell_home.mkdir(parents=True, exist_ok=True)
    (smtpshell_home / SETTINGS_FILE).write_text(damage)
    app = SMTPShellApp(data_dir=smtpshell_home)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert app.theme == DEFAULT_THEME
        await app.close_engine()


async def test_high_contrast_has_no_dark_grey_borders_or_placeholder(smtpshell_home: Path) -> None:
    app = SMTPShellApp(data_dir=smtpshell_home, theme=HIGH_CONTRAST)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        background = app.current_theme.background
        assert background is not None and Color.parse(background).brightness < 0.05
        for pane in ("#transcript", "#explanation"):
            _, border = app.query_one(pane).styles.border_top
            assert _brightness(border) >= 0.7, (pane, border)
        command_input = app.query_one(CommandLine).input
        placeholder = command_input.get_component_rich_style("input--placeholder")
        assert placeholder.color is not None
        red, green, blue = placeholder.color.get_truecolor()
        assert _brightness(Color(red, green, blue)) >= 0.7
        await app.close_engine()


async def test_f2_gives_the_conversation_the_screen_and_writes_the_reply_large(smtpshell_home: Path) -> None:
    app = SMTPShellApp(data_dir=smtpshell_home)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        transcript = app.query_one(Transcript)
        before = transcript.region
        await pilot.press("f2")
        await pilot.pause()
        after = transcript.region
        assert not app.query_one("#side").region.area  # the side panes stepped aside
        assert after.height >= before.height + 6 and after.width >= before.width
        ehlo = last_exchange(app)
        assert ehlo.explanation is not None
        bar = str(app.query_one(PresenterBar).visual.plain)  # type: ignore[attr-defined]
        assert bar.startswith(f"250 {ehlo.explanation.headline}")
        await pilot.press("f2")
        await pilot.pause()
        assert transcript.region == before and app.query_one("#explanation").region.area
        await app.close_engine()
