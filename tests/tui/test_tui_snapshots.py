"""Snapshots of what a learner sees: the main screen, the EHLO explanation, the mailbox, the projector theme.

The world is pinned for them: the sandbox's queue ids and every date come from fixed values, so a snapshot
changes only when the screen does. (The sandbox has no clock or queue-id hook of its own, so the test replaces
the module attributes that produce them.) Update them with `pytest --snapshot-update` after looking at the diff.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from smtpshell.proto import server as server_module
from smtpshell.proto import server_rules
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.themes import HIGH_CONTRAST
from tests.tui.shell_driver import exchanges, settle, type_line

FIXED_DATE = "Wed, 01 May 2024 09:30:00 +0000"
SIZE = (120, 36)
Compare = Callable[..., bool]


class FixedSecrets:
    """What server.py asks of `secrets`, without the randomness (only queue ids are drawn there)."""

    @staticmethod
    def token_hex(nbytes: int) -> str:
        return "5A4D50" + "0" * (2 * nbytes - 6)


@pytest.fixture
def pinned_app(smtpshell_home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., SMTPShellApp]:
    monkeypatch.setattr(server_module, "secrets", FixedSecrets)
    monkeypatch.setattr(server_rules, "rfc5322_date", lambda seconds: FIXED_DATE)  # the Received header
    monkeypatch.setattr(email.utils, "formatdate", lambda *args, **kwargs: FIXED_DATE)
    monkeypatch.setattr(email.utils, "make_msgid", lambda *args, domain=None, **kwargs: f"<snapshot@{domain}>")

    def make(**options: Any) -> SMTPShellApp:
        return SMTPShellApp(data_dir=smtpshell_home, clock=lambda at: "2024-05-01 09:30:00", **options)

    return make


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


def test_main_screen_after_the_greeting(snap_compare: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    assert snap_compare(pinned_app(), terminal_size=SIZE, run_before=lines())


def test_the_ehlo_explanation(snap_compare: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    assert snap_compare(pinned_app(), terminal_size=SIZE, run_before=lines("EHLO me"))


def test_the_mailbox_after_a_message(snap_compare: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
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

    assert snap_compare(pinned_app(), terminal_size=SIZE, run_before=run)


def test_the_high_contrast_theme(snap_compare: Compare, pinned_app: Callable[..., SMTPShellApp]) -> None:
    app = pinned_app(theme=HIGH_CONTRAST)
    assert snap_compare(app, terminal_size=SIZE, run_before=lines("EHLO me", "MAIL FROM:<alice@sandbox.test>"))
