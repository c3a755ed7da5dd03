"""In the full-screen UI a signed message opens in the composer, where editing a signed header breaks it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import TextArea

from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.composer import Composer
from tests.tui.shell_driver import last_exchange, settle, type_line

SIZE = (160, 48)


@pytest.fixture
def make_app(smtpshell_home: Path) -> Callable[..., SMTPShellApp]:
    return lambda: SMTPShellApp(data_dir=smtpshell_home)


async def sign_in_composer(app: SMTPShellApp, pilot: object, edit: Callable[[str], str]) -> int:
    for line in ("EHLO me", "MAIL FROM:<dave@nospf.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
        await type_line(pilot, app, line)  # type: ignore[arg-type]
    composer = app.query_one(Composer)
    assert composer.display
    await pilot.press("escape")  # type: ignore[attr-defined]
    await settle(pilot, app)  # type: ignore[arg-type]
    await type_line(pilot, app, "/message --dkim nospf.test")  # type: ignore[arg-type]
    assert composer.display, "the signed message opens in the composer"
    editor = composer.query_one(TextArea)
    assert editor.text.startswith("DKIM-Signature: v=1;") and "d=nospf.test" in editor.text
    assert app.engine.message_lines == []  # the composer holds the message now, not the line buffer
    editor.load_text(edit(editor.text))
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot, app)  # type: ignore[arg-type]
    reply = last_exchange(app).reply
    assert reply is not None
    return reply.code


async def test_a_signed_message_sent_from_the_composer_passes(make_app: Callable[..., SMTPShellApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "/dns on")
        assert await sign_in_composer(app, pilot, lambda text: text) == 250


async def test_editing_a_signed_header_in_the_composer_shows_the_failure(
    make_app: Callable[..., SMTPShellApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "/dns on")
        code = await sign_in_composer(app, pilot, lambda text: text.replace("Subject: Hello", "Subject: Edited"))
        assert code == 550
        reason = last_exchange(app).server_reason or ""
        assert "DKIM fail for d=nospf.test" in reason and "changed after signing" in reason
