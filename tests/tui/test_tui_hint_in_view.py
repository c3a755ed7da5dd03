"""At 80×24 a hint asked for in a lesson's first step is on screen: the pane shows the lesson's introduction from
its top there, and a hint added below the step was left out of view."""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.tui.app import SMTPShellApp
from tests.tui.shell_driver import screen_text, settle, type_line, wait_for

MakeApp = Callable[..., SMTPShellApp]


async def test_a_hint_in_the_first_step_is_on_screen_at_80x24(make_app: MakeApp) -> None:
    app = make_app(lesson_id="first-conversation")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: app.engine.lessons is not None, "the lesson")
        await type_line(pilot, app, "/hint")
        hint = "The server waits for you to introduce yourself."
        await wait_for(pilot, lambda: hint in " ".join(screen_text(app).split()), "the hint on the screen", 400)
