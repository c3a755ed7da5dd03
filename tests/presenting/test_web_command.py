"""`smtpshell web` without a browser: its page loads nothing from outside, a port in use and a public address get
clear messages, and the tab's shell is the full-screen UI even though its standard input is a pipe."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, WSMsgType, web

from smtpshell.web import command
from smtpshell.web.server import ShellWebServer, WebSettings, tab_command
from tests.presenting.page_reader import read_page


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    server = ShellWebServer(WebSettings())
    runner = web.AppRunner(server.application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_the_page_loads_only_from_the_server_itself(base_url: str) -> None:
    async with ClientSession() as client:
        async with client.get(base_url + "/", headers={"Host": f"class.example:{base_url.rsplit(':', 1)[1]}"}) as got:
            assert got.status == 200
            html = await got.text()
        page = read_page(html)
        assert not re.search(r"https?://|//fonts|googleapis", html)
        assert 'data-session-websocket-url="ws://class.example:' in html  # the name the browser used
        wanted = re.findall(r'(?:href|src)="(/static/[^"]+)"', html) + re.findall(r'url\("(/static/[^"]+)"\)', html)
        assert {u.rsplit("/", 1)[1] for u in wanted} >= {"xterm.css", "textual.js", "RobotoMono-VariableFont_wght.ttf"}
        for path in wanted:
            async with client.get(base_url + path) as asset:
                assert asset.status == 200, path
        assert "Roboto Mono" in page.styles and "monospace" in page.styles


def test_a_port_in_use_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert command.main(["web", "--port", str(port)]) == 1
    error = capsys.readouterr().err
    assert error == (
        f"smtpshell web: port {port} on 127.0.0.1 is in use (another program listens there); "
        "choose another with --port N\n"
    )


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "70000"], ["--max-tabs", "0"]])
def test_bad_options_are_refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main(["web", *args]) == 2
    assert capsys.readouterr().err.startswith("smtpshell web: ")


def test_only_loopback_is_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(web, "run_app", lambda app, **options: served.append(options))
    monkeypatch.setattr(command, "check_port", lambda host, port: None)  # the address is not bound: nothing listens
    assert command.main(["web", "--host", "192.0.2.10", "--port", "8123"]) == 0
    error = capsys.readouterr().err
    assert "WARNING: listening on 192.0.2.10, not on loopback: anyone who can reach this machine" in error
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert command.main(["web", "--host", host, "--port", "8123"]) == 0
        assert "WARNING" not in capsys.readouterr().err
    assert [s["host"] for s in served] == ["192.0.2.10", "127.0.0.1", "::1", "localhost", "127.0.0.2"]


def test_each_tab_runs_the_full_screen_ui_in_its_own_home(tmp_path: Path) -> None:
    line = tab_command(tmp_path / "tab home", ["--connect", "mx.class.test:2525"])
    assert line.startswith("exec env SMTPSHELL_HOME=")
    assert "'" + str(tmp_path / "tab home") + "'" in line
    assert line.endswith("-m smtpshell --web-tab --connect mx.class.test:2525")


async def test_a_tab_survives_malformed_frames_and_ends_when_its_socket_closes(smtpshell_home: Path) -> None:
    server = ShellWebServer(WebSettings(max_tabs=1))
    runner = web.AppRunner(server.application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/ws?width=80&height=24"
    try:
        async with ClientSession() as client, client.ws_connect(url) as socket:
            for garbage in ("not json", "[1]", "5", '{"a": 1}', '["resize", "wide"]', '["stdin", 7]'):
                await socket.send_str(garbage)
            await socket.send_str('["ping", "still there?"]')
            async with asyncio.timeout(60):
                while True:
                    message = await socket.receive()
                    assert message.type in (WSMsgType.BINARY, WSMsgType.TEXT), message
                    if message.type == WSMsgType.TEXT and message.json() == ["pong", "still there?"]:
                        break
            [service] = server.tabs
            process = service._process
            assert process is not None and process.returncode is None
        async with server.tabs_changed:
            await asyncio.wait_for(server.tabs_changed.wait_for(lambda: not server.tabs), 60)
        assert process.returncode is not None
    finally:
        await runner.cleanup()


async def test_another_sites_page_or_name_may_not_open_a_shell(base_url: str) -> None:
    from aiohttp import WSServerHandshakeError

    port = base_url.rsplit(":", 1)[1]
    async with ClientSession() as client:
        for headers, why in (
            ({"Origin": "http://evil.example"}, "a page from http://evil.example may not open a shell here"),
            ({"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}, "not evil.example"),
        ):
            with pytest.raises(WSServerHandshakeError) as refused:
                await client.ws_connect(base_url + "/ws", headers=headers)
            assert refused.value.status == 403
            async with client.get(base_url + "/ws", headers=headers) as answer:
                assert answer.status == 403 and why in await answer.text()


async def test_a_tabs_files_stay_in_its_own_folder(smtpshell_home: Path, tmp_path: Path) -> None:
    from smtpshell.session.engine import ShellEngine
    from smtpshell.session.records import Notice

    root = tmp_path / "tab-files"
    root.mkdir()
    delivered: list[Path] = []
    engine = ShellEngine(data_dir=smtpshell_home)
    engine.file_root = root
    engine.file_delivery = delivered.append
    await engine.start()
    try:
        outside = tmp_path / "outside.html"
        for line in (f"/save {outside}", "/save ../up.html", "/save ~/home.md", "/replay /etc/hostname"):
            await engine.submit(line)
            notice = engine.records[-1]
            assert isinstance(notice, Notice) and notice.level == "error" and notice.text.startswith("Not here")
        assert not outside.exists() and not (tmp_path / "up.html").exists()
        await engine.submit("EHLO me")
        await engine.submit("/save lesson.html")
        assert delivered == [root / "lesson.html"] and (root / "lesson.html").is_file()
        await engine.submit("/save session.txt")
        await engine.submit("/replay session.txt")  # a tab may replay what it saved itself
        sent = [r.command for r in engine.records if hasattr(r, "command")]
        assert sent.count("EHLO me") == 2 and sent[-1] == "EHLO me"
    finally:
        await engine.close()
