"""Servers nobody here wrote (aiosmtpd on its own thread) and tiny scripted asyncio servers for error paths."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "alice", "wonderland"
BANNER_HOST = "mx.aiosmtpd.test"


class LoopbackController(Controller):
    """aiosmtpd's Controller on 127.0.0.1 with a port the kernel picks (Controller itself needs a fixed one)."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, server_hostname=BANNER_HOST, **kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Collector:
    """aiosmtpd handler: keeps the messages (the tests here must never see one arrive from the probe)."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 2.0.0 OK"


def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@contextmanager
def aiosmtpd_server(**kwargs: Any) -> Iterator[tuple[LoopbackController, Collector]]:
    """aiosmtpd with AUTH (PLAIN, LOGIN); pass tls_context= for STARTTLS or ssl_context= for implicit TLS."""
    collector = Collector()
    controller = LoopbackController(collector, authenticator=authenticator, **kwargs)
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def scripted_server(script: Script, host: str = "127.0.0.1") -> AsyncIterator[int]:
    """A tiny server in the test's own loop that runs ``script`` for each connection; yields its port."""
    tasks: set[asyncio.Task[None]] = set()

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await script(reader, writer)
        except (ConnectionError, ssl.SSLError):
            pass  # the client under test hung up: that is often the point
        finally:
            writer.close()

    server = await asyncio.start_server(run, host, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@contextmanager
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
