"""The status bar tells the truth about TLS: gone after a refused certificate and after a disconnect; a verified
session and an --insecure one look different."""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.net.sandbox import SandboxThread
from smtpshell.session.target import Target
from smtpshell.tui.app import SMTPShellApp
from tests.tui.shell_driver import screen_text, settle, status_text, type_line

MakeApp = Callable[..., SMTPShellApp]
SIZE = (120, 36)


async def test_a_refused_certificate_leaves_no_tls_in_the_status_bar(make_app: MakeApp, sandbox: SandboxThread) -> None:
    # The sandbox's certificate is self-signed: a real-server target that verifies it must refuse it.
    app = make_app(target=Target("remote", sandbox.host, sandbox.port))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "STARTTLS")
        assert not app.engine.connected  # the handshake failed and the shell dropped the connection
        status = status_text(app)
        assert "not connected" in status and "TLS" not in status and "🔒" not in status
        assert "not connected" in screen_text(app).splitlines()[0]


async def test_verified_and_unchecked_tls_look_different_and_quit_clears_it(
    make_app: MakeApp, sandbox: SandboxThread
) -> None:
    app = make_app(target=Target("remote", sandbox.host, sandbox.port, insecure=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "STARTTLS")
        assert app.engine.connected and app.engine.state.tls
        assert "NOT checked" in status_text(app) and "verified" not in status_text(app)
        await type_line(pilot, app, "/sandbox")  # the sandbox's own certificate is checked against its file
        await type_line(pilot, app, "EHLO me")
        await type_line(pilot, app, "STARTTLS")
        assert "🔒 verified" in status_text(app) and "NOT checked" not in status_text(app)
        await type_line(pilot, app, "QUIT")
        status = status_text(app)
        assert "not connected" in status and "TLS" not in status


async def test_each_sandbox_reply_has_its_reason_under_it_in_the_conversation(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await type_line(pilot, app, "RCPT TO:<bob@sandbox.test>")
        await pilot.press("enter")  # the warning put it back on the line: Enter sends it anyway
        await settle(pilot, app)
        exchange = app.engine.last_exchange()
        assert exchange is not None and exchange.server_reason
        lines = screen_text(app).splitlines()
        reply = next(i for i, line in enumerate(lines) if "S: 503" in line)
        words = " ".join(exchange.server_reason.split()[:3])
        assert "↳ why: " + words in lines[reply + 1]  # one dim line right under the reply
        assert lines[reply + 1].index("↳") > lines[reply].index("S:")  # indented under it
