"""`smtpshell teach`: a row per session, live over the feed; follow a transcript; change faults; see a mailbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from textual.widgets import RichLog

from smtpshell.classroom.running import ClassServerThread
from smtpshell.classroom.teach_command import main
from smtpshell.tui.teach_app import TeachApp
from smtpshell.tui.teach_rows import SessionRows
from tests.net.wire import WireClient


async def _until(app: TeachApp, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait, bounded, until ``predicate`` holds; the app signals every change, so this never guesses a time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        app.changed.clear()
        if predicate():
            return
        await asyncio.wait_for(app.changed.wait(), max(0.0, deadline - loop.time()))


def _cell(app: TeachApp, session: int, column: str) -> str:
    table = app.query_one("#sessions", SessionRows)
    return table.cell(session, column) if session in table.cells else ""


def _transcript(app: TeachApp) -> str:
    return "\n".join(strip.text for strip in app.query_one("#transcript", RichLog).lines)


async def test_the_dashboard_shows_each_session_live_follows_one_and_sets_faults(
    class_server: Callable[..., ClassServerThread],
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(180, 40)) as pilot:
        await _until(app, lambda: app.feed_ready)
        client = await asyncio.to_thread(WireClient, port)
        await asyncio.to_thread(client.reply)
        await asyncio.to_thread(client.command, "EHLO student02")
        table = app.query_one("#sessions", SessionRows)
        await _until(app, lambda: any(texts[1] == "student02" for texts in table.cells.values()))
        (number,) = table.cells  # drawn, not only received
        assert _cell(app, number, "state") == "open"
        await _until(app, lambda: _cell(app, number, "code") == "250")
        assert _cell(app, number, "last command") == "EHLO student02"

        app.query_one("#sessions", SessionRows).focus()
        await pilot.press("enter")  # the first row is the cursor's: Enter follows its session
        await _until(app, lambda: app.followed == number and "C: EHLO student02" in _transcript(app))
        await asyncio.to_thread(client.command, "RCPT TO:<bob@sandbox.test>")
        await _until(app, lambda: "no MAIL transaction is open" in _transcript(app))
        assert "why:   RCPT refused" in _transcript(app) and "means: " in _transcript(app)

        await pilot.click("#command")
        await pilot.press(*"faults student02 unknown-user", "enter")
        await _until(app, lambda: "faults for student02" in app.status_text)
        await asyncio.to_thread(client.command, "MAIL FROM:<a@example.org>")
        code, _ = await asyncio.to_thread(client.command, "RCPT TO:<bob@sandbox.test>")
        assert code == 550
        await _until(app, lambda: _cell(app, number, "code") == "550")
        assert _cell(app, number, "errors") == "2"

        await asyncio.to_thread(client.command, "QUIT")
        client.close()
        await _until(app, lambda: _cell(app, number, "state") == "closed")
        app.run_command("mailbox student01")
        await _until(app, lambda: "mailbox of student01: 0 message(s)" in _transcript(app))

        # A student's lesson progress reaches the row of their session.
        student = running.server.sandbox.roster.find("student02")
        assert student is not None
        async with aiohttp.ClientSession() as http:
            login = {"student": "student02", "password": student.password}
            async with http.post(running.server.channel.url + "api/login", json=login) as response:
                token = (await response.json())["token"]
            progress = {"lesson": "temporary-failures", "step": 2, "steps": 3, "done": False}
            headers = {"Authorization": f"Bearer {token}"}
            async with http.post(running.server.channel.url + "api/progress", json=progress, headers=headers) as r:
                assert r.status == 200
        await _until(app, lambda: _cell(app, number, "lesson") == "temporary-failures 2/3")


def test_teach_without_a_token_or_a_class_server_says_so(
    class_server: Callable[..., ClassServerThread], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["teach", "127.0.0.1:1"]) == 2
    assert "--token" in capsys.readouterr().err
    assert main(["teach", "127.0.0.1:1", "--token", "x"]) == 1
    assert "cannot reach the class server" in capsys.readouterr().err
    running = class_server(1)
    server = f"127.0.0.1:{running.server.sandbox.port}"
    assert main(["teach", server, "--token", "wrong"]) == 1
    assert "401" in capsys.readouterr().err
