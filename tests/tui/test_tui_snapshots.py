"""Snapshots of what a learner sees: the main screen, the EHLO explanation, the mailbox, the projector theme.

The world is pinned for them through the engine's hooks: one fixed moment and numbered ids stand in for the
clock and the random queue ids and Message-IDs (the engine hands both to the sandbox), and local time is UTC,
so a snapshot changes only when the screen does. Update them with `pytest --snapshot-update` after looking at
the diff.

What they raced on under load: the blinking cursor. A screenshot taken a little later (a busy machine) caught the
cursor in the other half of its blink; every snapshot is taken with the cursors steady.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from smtpshell.lessons.shell_link import ShellLessons
from smtpshell.session.engine import ShellEngine
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.composer import Composer
from smtpshell.tui.themes import HIGH_CONTRAST
from tests.tui.shell_driver import exchanges, settle, steady, type_line
from tests.tui.test_tui_small_screen import LESSON_4_TO_DATA

FIXED_MOMENT = 1_714_555_800.0  # Wed, 01 May 2024 09:30:00 UTC
SIZE = (120, 36)
Compare = Callable[..., bool]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so the message template's Date does not depend on where the tests run."""
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset to pin the local time zone")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def pinned_app(smtpshell_home: Path, utc: None) -> Callable[..., SMTPShellApp]:
    def make(lesson_id: str | None = None, **options: Any) -> SMTPShellApp:
        ids = (f"SNAP{n:04d}" for n in itertools.count(1))
        engine = ShellEngine(
            data_dir=smtpshell_home, clock=lambda: FIXED_MOMENT, new_id=lambda: next(ids), lessons=ShellLessons()
        )
        if lesson_id is not None:
            engine.startup_lines.append(f"/lesson {lesson_id}")
        return SMTPShellApp(
            engine=engine, clock=lambda at: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)), **options
        )

    return make


@pytest.fixture
def snap(snap_compare: Compare) -> Compare:
    """snap_compare, with every cursor steady (not blinking) and the app settled before the screenshot."""

    def compare(app: SMTPShellApp, *, run_before: Callable[[Pilot[int]], Any] | None = None, **options: Any) -> bool:
        async def run(pilot: Pilot[int]) -> None:
            if run_before is not None:
                await run_before(pilot)
            await steady(pilot)

        return snap_compare(app, run_before=run, **options)

    return compare


def lines(*typed: str) -> Callable[[Pilot[int]], Any]:
    async def run(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, SMTPShellApp)
        await settle(pilot, app)
        for line in typed:
            await type_line(pilot, app, line)
        # A snapshot of a broken session would pass as long as it broke the same way: check it worked.
        replies = [r.reply.code for r in exchanges(app) if r.reply is not None]
        assert replies and replies[0] == 220 and all(code < 400 for code in replies), replies

    return run


def test_main_screen_after_the_greeting(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    assert snap(pinned_app(), terminal_size=SIZE, run_before=lines())


def test_the_ehlo_explanation(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    assert snap(pinned_app(), terminal_size=SIZE, run_before=lines("EHLO me"))


def test_the_mailbox_after_a_message(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    send = lines("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")

    async def run(pilot: Pilot[int]) -> None:
        await send(pilot)
        app = pilot.app
        assert isinstance(app, SMTPShellApp)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert len(app.engine.mailbox()) == 1
        await pilot.press("f3")
        await pilot.pause()

    assert snap(pinned_app(), terminal_size=SIZE, run_before=run)


def test_the_high_contrast_theme(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    app = pinned_app(theme=HIGH_CONTRAST)
    assert snap(app, terminal_size=SIZE, run_before=lines("EHLO me", "MAIL FROM:<alice@sandbox.test>"))


async def test_the_pinned_world_reaches_the_template_and_the_sandbox(pinned_app: Callable[..., SMTPShellApp]) -> None:
    """What the snapshots rely on: the engine's hooks, not patched modules, fix every stamp a message gets."""
    app = pinned_app()
    async with app.run_test(size=SIZE) as pilot:
        await lines("EHLO me", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA")(pilot)
        template = app.query_one(Composer).text
        assert "Date: Wed, 01 May 2024 09:30:00 +0000" in template
        assert "Message-ID: <SNAP0001@sandbox.test>" in template
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        (message,) = app.engine.mailbox()
        assert message.queue_id == "SNAP0002" and message.received_at == FIXED_MOMENT
        assert b"\r\n\tWed, 01 May 2024 09:30:00 +0000\r\n" in message.content
        assert b"Message-ID: <SNAP0001@sandbox.test>" in message.content


SMALL = (80, 24)  # the size most terminals open at, and what a projector shows


def test_a_lesson_step_at_80x24(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    async def run(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, SMTPShellApp)
        await lines("EHLO client.example")(pilot)
        assert app.engine.lessons.runner is not None and app.engine.lessons.runner.step_index == 1

    assert snap(pinned_app(lesson_id="sending-a-message"), terminal_size=SMALL, run_before=run)


def test_data_with_the_composer_at_80x24(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    async def run(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, SMTPShellApp)
        await settle(pilot, app)
        for line in LESSON_4_TO_DATA:  # lesson 3 wants its message typed by hand; lesson 4's DATA step does not
            await type_line(pilot, app, line)
        assert app.engine.lessons.runner is not None and app.engine.lessons.runner.step_index == 3
        assert app.query_one(Composer).display

    assert snap(pinned_app(lesson_id="many-recipients"), terminal_size=SMALL, run_before=run)


def test_help_at_80x24(snap: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    assert snap(pinned_app(), terminal_size=SMALL, run_before=lines("/help"))
