"""`smtpshell teach`: a row per session, live over the feed; follow a transcript; change faults; see a mailbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from textual.widgets import RichLog

from smtpshell.classroom.running import ClassServerThread
from smtpshell.teach_command import main
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
    assert "not this class server's teacher token" in capsys.readouterr().err


async def test_at_80_by_24_every_row_shows_its_code_messages_and_errors(
    class_server: Callable[..., ClassServerThread],
) -> None:
    """A projector's 80×24: the figures a teacher watches are on screen, not scrolled off to the right."""
    running = class_server(2)
    port = running.server.sandbox.port
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(80, 24)):
        await _until(app, lambda: app.feed_ready)
        client = await asyncio.to_thread(WireClient, port)
        await asyncio.to_thread(client.reply)
        await asyncio.to_thread(client.command, "EHLO student02")
        await asyncio.to_thread(client.command, "RCPT TO:<bob@sandbox.test>")
        table = app.query_one("#sessions", SessionRows)
        await _until(app, lambda: any(_cell(app, n, "code") == "503" for n in table.cells))
        assert table.size.width >= 78  # nothing followed yet: the table has the screen's width
        header, row = table.render_line(0).text, table.render_line(1).text
        for column in ("student", "state", "code", "msgs", "errors", "last command"):
            assert column in header, header
        assert "student02" in row and "503" in row and "RCPT TO:<bob@sandbox.test>" in row, row
        assert row.split()[-1] != "503"  # the figures after the code are shown too
        await asyncio.to_thread(client.command, "QUIT")
        client.close()


async def test_faults_for_a_student_not_in_the_class_says_so(class_server: Callable[..., ClassServerThread]) -> None:
    running = class_server(2)
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(80, 24)):
        await _until(app, lambda: app.feed_ready)
        app.run_command("faults student09 mailbox-full")
        await _until(app, lambda: bool(app.status_text))
        assert "no student 'student09' in this class" in app.status_text, app.status_text
        assert running.server.sandbox.faults.describe()["students"] == {}


def test_teach_with_a_wrong_token_says_which_token_to_use(
    class_server: Callable[..., ClassServerThread], capsys: pytest.CaptureFixture[str]
) -> None:
    running = class_server(1)
    assert main(["teach", f"127.0.0.1:{running.server.sandbox.port}", "--token", "not-the-token"]) == 1
    err = capsys.readouterr().err
    assert "not this class server's teacher token" in err and "--teacher-token" in err and "log in" not in err


async def test_the_dashboard_says_so_when_the_class_server_stops(
    class_server: Callable[..., ClassServerThread],
) -> None:
    running = class_server(1)
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(80, 24)):
        await _until(app, lambda: app.feed_ready)
        await asyncio.to_thread(running.stop)
        await _until(app, lambda: "stopped or restarted" in app.status_text)
        assert not app.feed_ready
        # Restarted on the same channel (and with the same teacher token): the dashboard picks it up by itself.
        try:
            again = class_server(1, channel_port=running.server.channel.port)
        except OSError as error:  # on a busy machine another program may bind the freed port first
            pytest.skip(f"the class channel's port was taken before the restart: {error}")
        await _until(app, lambda: app.feed_ready, timeout=30)
        assert "is back" in app.status_text
        client = await asyncio.to_thread(WireClient, again.server.sandbox.port)
        await asyncio.to_thread(client.reply)
        await asyncio.to_thread(client.command, "EHLO student01")
        table = app.query_one("#sessions", SessionRows)
        await _until(app, lambda: any(_cell(app, n, "code") == "250" for n in table.cells))
        await asyncio.to_thread(client.command, "QUIT")
        client.close()


async def test_faults_alone_lists_the_faults_in_words(class_server: Callable[..., ClassServerThread]) -> None:
    running = class_server(2)
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(80, 24)):
        await _until(app, lambda: app.feed_ready)
        app.run_command("faults greylist")
        await _until(app, lambda: "faults for the class" in app.status_text)
        app.run_command("faults student02 mailbox-full")
        await _until(app, lambda: "faults for student02" in app.status_text)
        app.run_command("faults")
        await _until(app, lambda: app.status_text.startswith("faults now"))
        assert app.status_text == "faults now: the class: greylist; student02: mailbox-full", app.status_text


async def test_progress_reported_before_the_dashboard_opened_is_shown_at_once(
    class_server: Callable[..., ClassServerThread],
) -> None:
    running = class_server(2)
    student = running.server.sandbox.roster.find("student02")
    assert student is not None
    url = running.server.channel.url
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "api/login", json={"student": "student02", "password": student.password}) as r:
            token = (await r.json())["token"]
        progress = {"lesson": "temporary-failures", "step": 1, "steps": 3, "done": False}
        async with http.post(url + "api/progress", json=progress, headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200
    client = await asyncio.to_thread(WireClient, running.server.sandbox.port)
    await asyncio.to_thread(client.reply)
    await asyncio.to_thread(client.command, "EHLO student02")
    app = TeachApp(url, "teacher-secret")
    async with app.run_test(size=(120, 30)):
        await _until(app, lambda: app.feed_ready)
        table = app.query_one("#sessions", SessionRows)
        await _until(app, lambda: bool(table.cells))
        (number,) = table.cells
        assert _cell(app, number, "lesson") == "temporary-failures 1/3"
    await asyncio.to_thread(client.command, "QUIT")
    client.close()


async def test_a_subject_with_control_characters_reaches_the_teacher_as_escapes(
    class_server: Callable[..., ClassServerThread],
) -> None:
    running = class_server(1)
    client = await asyncio.to_thread(WireClient, running.server.sandbox.port)
    await asyncio.to_thread(client.reply)
    for line in ("EHLO student01", "MAIL FROM:<x@example.org>", "RCPT TO:<student01@sandbox.test>", "DATA"):
        await asyncio.to_thread(client.command, line)
    code, _ = await asyncio.to_thread(client.command, "Subject: red \x1b[31malert\r\n\r\nbody\r\n.")
    assert code == 250
    await asyncio.to_thread(client.command, "QUIT")
    client.close()
    app = TeachApp(running.server.channel.url, "teacher-secret")
    async with app.run_test(size=(120, 30)):
        await _until(app, lambda: app.feed_ready)
        app.run_command("mailbox student01")
        await _until(app, lambda: "mailbox of student01: 1 message(s)" in _transcript(app))
        assert "\x1b" not in _transcript(app) and "\\x1b[31malert" in _transcript(app)
