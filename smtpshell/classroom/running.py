"""A class server in one piece: the class sandbox, its live feed and the channel beside it, on one event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from smtpshell.classroom.channel import ClassChannel
from smtpshell.classroom.feed import ClassFeed
from smtpshell.classroom.server import ClassSandbox


class ClassServer:
    def __init__(
        self,
        sandbox: ClassSandbox,
        *,
        channel_host: str | None = None,
        channel_port: int = 0,
        teacher_token: str | None = None,
        public_host: str | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.feed = ClassFeed(sandbox.log, who=self._who, on_closed=sandbox.forget)
        self.channel = ClassChannel(
            sandbox,
            self.feed,
            host=channel_host if channel_host is not None else sandbox.host,
            port=channel_port,
            teacher_token=teacher_token,
            public_host=public_host,
        )

    def _who(self, session_id: int) -> tuple[str | None, str | None]:
        session = self.sandbox.sessions.get(session_id)
        if session is None or session.conn is None:
            return None, None
        return session.student, session.conn.helo

    async def start(self) -> None:
        """The channel first, so the very first greeting can name it; then SMTP."""
        await self.channel.start()
        self.sandbox.channel_port = self.channel.port
        try:
            await self.sandbox.start()
        except BaseException:
            await self.channel.stop()
            raise

    async def stop(self) -> None:
        await self.sandbox.stop()
        await self.channel.stop()
        self.feed.unsubscribe()


class ClassServerThread:
    """A class server on its own thread and event loop (tests, benchmarks, a dashboard beside its server)."""

    def __init__(self, server: ClassServer) -> None:
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> ClassServerThread:
        self._thread = threading.Thread(target=self._run, name="smtpshell-class", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the class server did not start within {timeout:.0f} s")
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self

    def _run(self) -> None:
        from smtpshell.net.event_loop import new_server_loop, serve_in_this_thread

        self.loop = new_server_loop()
        serve_in_this_thread(self.loop, self.server.start(), self._ready, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._error = error

    def call(self, function: Any, *args: Any) -> Any:
        """Run ``function(*args)`` on the server's loop and return its result (state lives on that thread)."""
        assert self.loop is not None

        async def inside() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(inside(), self.loop).result(30)

    def stop(self) -> None:
        if self._thread is None or self.loop is None or not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> ClassServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
