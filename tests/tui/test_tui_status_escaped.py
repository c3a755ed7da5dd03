"""The status bar and the error toasts show a target, an envelope and an error with control characters escaped:
`smtpshell connect` to a host name with ESC ] 0 ; ... BEL in it once set the terminal's title from the UI."""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import Reply
from smtpshell.session.target import Target
from smtpshell.tui.app import SMTPShellApp
from smtpshell.tui.status_bar import StatusBar, render_status
from tests.tui.shell_driver import settle, wait_for

MakeApp = Callable[..., SMTPShellApp]
HOST = "ev\x1b]0;title\x07il.invalid"
RAW = "\x1b\x07\x9b"


def test_render_status_escapes_the_target_and_the_envelope() -> None:
    state = ClientState()
    state.apply("EHLO me\x1b[2J", Reply.make(250, ["ok"]))
    state.apply("MAIL FROM:<a\x9b@b.test>", Reply.make(250, "ok"))
    gone = render_status(f"{HOST}:25", state, connected=False).plain  # a session that is gone shows no envelope
    shown = render_status(f"{HOST}:25", state, connected=True).plain
    assert "ev\\x1b]0;title\\x07il.invalid:25" in gone and "ev\\x1b]0;title\\x07il.invalid:25" in shown
    assert "a\\x9b@b.test" in shown
    assert not [char for char in RAW if char in shown + gone]


async def test_a_hostile_target_name_reaches_no_widget_raw(make_app: MakeApp) -> None:
    app = make_app(target=Target("remote", HOST, 25))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        bar = app.query_one(StatusBar)
        await wait_for(pilot, lambda: "not connected" in str(bar.render()), "the status bar")
        assert not [char for char in RAW if char in str(bar.render())]
        toasts = [f"{n.title} {n.message}" for n in app._notifications]
        assert toasts and not [char for char in RAW if char in "".join(toasts)]
