"""The web server behind `smtpshell web`: a page per tab, and per tab one shell process with its own sandbox.

Rules: a tab's process starts only when its page connects, and it is stopped (killed if it will not quit) when
the tab closes; there are never more than ``max_tabs`` at once, and a tab past the limit gets a page saying so,
not a broken terminal. Each tab gets a fresh user data directory (no learner sees another's history), which goes
when the tab closes. The URLs in the page are the ones the browser used, so the page works through any name or
address the server is reached by.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from smtpshell.paths import HOME_VARIABLE
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.web.command import is_loopback
from smtpshell.web.page import full_page, terminal_page

STATIC = Path(textual_serve.__file__ or ".").parent / "static"  # its terminal script, stylesheet and fonts
STOP_TIMEOUT = 10.0  # seconds a tab's process has to quit before it is killed


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    max_tabs: int = 20
    shell_args: list[str] = field(default_factory=list)  # passed to each tab's shell: --connect HOST, --theme ...
    title: str = "smtpshell"


def tab_command(home: Path, shell_args: list[str]) -> str:
    """The shell a tab runs: the full-screen UI chosen explicitly (its standard input is a pipe, not a terminal)."""
    words = [sys.executable, "-m", "smtpshell", "--web-tab", *shell_args]
    # exec: the shell becomes the app, so stopping the tab stops the app itself and not only /bin/sh.
    return f"exec env {HOME_VARIABLE}={shlex.quote(str(home))} " + " ".join(shlex.quote(w) for w in words)


class ShellWebServer:
    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.tabs: set[AppService] = set()
        self.downloads = DownloadManager()
        self.base = Path(tempfile.mkdtemp(prefix="smtpshell-web-"))
        self._shared_tls: Path | None = None
        self.tabs_changed = asyncio.Condition()  # notified whenever a tab opens or closes (tests wait on it)

    # ---- the pages ------------------------------------------------------------------------------------------

    def full(self) -> bool:
        return len(self.tabs) >= self.settings.max_tabs

    async def index(self, request: web.Request) -> web.Response:
        if self.full():
            return web.Response(
                text=full_page(self.settings.title, self.settings.max_tabs), content_type="text/html", status=503
            )
        size = request.query.get("fontsize", "16")
        font_size = int(size) if is_ascii_digits(size) and 8 <= int(size) <= 48 else 16
        scheme = "wss" if request.secure else "ws"
        page = terminal_page(self.settings.title, "/static/", f"{scheme}://{request.host}/ws", font_size)
        return web.Response(text=page, content_type="text/html")

    # ---- one tab: its websocket and its process --------------------------------------------------------------

    def _tab_home(self) -> Path:
        home = Path(tempfile.mkdtemp(prefix="tab-", dir=self.base))
        if self._shared_tls is None:
            from smtpshell.net.certs import DIRECTORY_NAME, sandbox_certificate

            shared = self.base / "shared"
            sandbox_certificate(shared)  # made once: every tab's sandbox presents the same self-signed certificate
            self._shared_tls = shared / DIRECTORY_NAME
        shutil.copytree(self._shared_tls, home / self._shared_tls.name)
        return home

    def refusal(self, request: web.Request) -> str | None:
        """Why a request may not open a shell: another site's page (a browser sends any site's WebSocket to any
        address, so the Origin is checked), or, on loopback, a name that is not this machine's (DNS rebinding)."""
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            return f"a page from {origin} may not open a shell here"
        hostname = urlsplit("//" + request.host).hostname or ""
        if is_loopback(self.settings.host) and not is_loopback(hostname):
            return f"this server answers only to this machine's own names, not {hostname}"
        return None

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        refused = self.refusal(request)
        if refused is not None:
            return web.Response(status=403, text=f"smtpshell web: {refused}\n")
        socket = web.WebSocketResponse(heartbeat=15)
        await socket.prepare(request)
        if self.full():
            await socket.close(code=1013, message=b"the room is full")  # 1013: try again later
            return socket
        home = await asyncio.to_thread(self._tab_home)
        width = _number(request.query.get("width"), 80, 20, 500)
        height = _number(request.query.get("height"), 24, 10, 200)

        async def close() -> None:
            await socket.close()

        service = AppService(
            tab_command(home, self.settings.shell_args),
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=close,
            download_manager=self.downloads,
        )
        await self._set_tab(service, open_=True)
        try:
            await service.start(width, height)
            await self._forward(socket, service)
        finally:
            await self._stop(service)
            await asyncio.to_thread(shutil.rmtree, home, True)
            await self._set_tab(service, open_=False)
        return socket

    async def _set_tab(self, service: AppService, *, open_: bool) -> None:
        async with self.tabs_changed:
            if open_:
                self.tabs.add(service)
            else:
                self.tabs.discard(service)
            self.tabs_changed.notify_all()

    async def _forward(self, socket: web.WebSocketResponse, service: AppService) -> None:
        """What the browser sends: keys, resizes, focus; anything malformed is ignored."""
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = message.json()
            except (ValueError, TypeError):  # not JSON, or not a [kind, data] pair
                continue
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width = _number(data.get("width"), 80, 20, 500)
                height = _number(data.get("height"), 24, 10, 200)
                await service.set_terminal_size(width, height)
            elif kind == "ping":
                await socket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _stop(self, service: AppService) -> None:
        """Ask the tab's app to quit; kill it when it does not within STOP_TIMEOUT."""
        process = service._process  # textual-serve keeps it private; nothing else says whether it is still there
        try:
            await asyncio.wait_for(service.stop(), STOP_TIMEOUT)
        except (TimeoutError, ConnectionError, OSError):
            pass
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A file a tab saved (/save), handed over by the tab's app; the key is known only to that tab's page."""
        key = request.match_info["key"]
        try:
            meta = await self.downloads.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="No such download: it belongs to a tab that has closed.") from None
        response = web.StreamResponse()
        response.headers["Content-Type"] = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        name = "".join(c for c in meta.file_name if c.isalnum() or c in "._-") or "smtpshell-download"
        how = "inline" if meta.open_method == "browser" else "attachment"
        response.headers["Content-Disposition"] = f'{how}; filename="{name}"'
        await response.prepare(request)
        async for chunk in self.downloads.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    # ---- the application --------------------------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.websocket),
                web.get("/download/{key}", self.download),
                web.static("/static", STATIC),
            ]
        )
        app.on_shutdown.append(self._shutdown)
        return app

    async def _shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(self._stop(service) for service in list(self.tabs)), return_exceptions=True)
        self.tabs.clear()
        shutil.rmtree(self.base, ignore_errors=True)


def _number(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return max(low, min(number, high))
