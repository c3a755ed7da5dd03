"""Driving the TUI as a learner would, and reading what it shows; waits on the app, never on a clock."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from smtpshell.session.records import Exchange, Record
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.command_line import CommandLine
from smtpshell.tui.status_bar import StatusBar
from smtpshell.tui.transcript import Transcript


async def settle(pilot: Pilot[int], app: SMTPShellApp) -> None:
    """Until every line typed so far was handled by the engine and its records are on screen."""
    await app.wait_until_idle()
    await pilot.pause()


async def steady(pilot: Pilot[int]) -> None:
    """Stop every cursor blinking (a screenshot must not depend on when it is taken), then let the app settle."""
    app = pilot.app
    for widget in app.query("*"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    if isinstance(app, SMTPShellApp):
        await app.wait_until_idle()
    await pilot.pause()


async def menu_settled(pilot: Pilot[int], app: SMTPShellApp) -> None:
    """Until the completion menu shows the line as typed (it follows typing after a short pause)."""
    await asyncio.wait_for(app.query_one(CommandLine).input.menu_settled.wait(), timeout=10)
    await pilot.pause()


async def wait_for(pilot: Pilot[int], condition: Callable[[], bool], what: str, rounds: int = 200) -> None:
    """Let the app work until ``condition`` holds (each round waits for the app's pending messages)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"still waiting for {what}")


async def type_line(pilot: Pilot[int], app: SMTPShellApp, line: str, *, keys: bool = False) -> None:
    """Put the line on the command line (key by key with ``keys``, else pasted as a learner pastes), press Enter,
    and wait for the engine."""
    command_input = app.query_one(CommandLine).input
    command_input.focus()
    if keys:
        await pilot.press(*line)
    elif line:
        command_input.post_message(events.Paste(line))
        await pilot.pause()
    assert command_input.value == line
    await pilot.press("enter")
    await settle(pilot, app)


def records(app: SMTPShellApp) -> list[Record]:
    return app.query_one(Transcript).records


def exchanges(app: SMTPShellApp) -> list[Exchange]:
    return [r for r in records(app) if isinstance(r, Exchange)]


def last_exchange(app: SMTPShellApp) -> Exchange:
    return exchanges(app)[-1]


def explanation_text(app: SMTPShellApp) -> str:
    body = app.query_one("#explanation-body", Static)
    return str(body.visual.plain) if hasattr(body.visual, "plain") else str(body.content)


def status_text(app: SMTPShellApp) -> str:
    return str(app.query_one(StatusBar).visual.plain)  # type: ignore[attr-defined]


def transcript_entry(app: SMTPShellApp, record: Record) -> str:
    transcript = app.query_one(Transcript)
    prompt = transcript.get_option_at_index(transcript.records.index(record)).prompt
    return str(getattr(prompt, "plain", prompt))


# Rich's SVG export places each run of text at x = column * 12.2 (its cell width for the default 20px font),
# clipped to its screen line.
_SVG_TEXT = re.compile(r'<text [^>]*?x="([0-9.]+)"[^>]*?clip-path="url\(#[^)]*-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)
SVG_CELL_WIDTH = 12.2


def screen_text(app: SMTPShellApp) -> str:
    """The screen as the learner sees it (every cell, whatever widget drew it), from the app's screenshot."""
    rows: dict[int, list[str]] = {}
    width, height = app.size
    for x, line, text in _SVG_TEXT.findall(app.export_screenshot()):
        row = rows.setdefault(int(line), [" "] * (width + 2))
        column = round(float(x) / SVG_CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < len(row):
                row[column + offset] = char
    return "\n".join("".join(rows.get(y, [])).rstrip() for y in range(height))
