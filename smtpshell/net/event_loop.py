"""Which event loop a server runs on: uvloop where it is installed (Linux, macOS), asyncio's own elsewhere.

Rule: uvloop is an optional speed-up, never a requirement; ``SMTPSHELL_NO_UVLOOP=1`` turns it off (benchmarks
measure both).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
NO_UVLOOP = "SMTPSHELL_NO_UVLOOP"


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's loop constructor when uvloop is there and not turned off; asyncio's otherwise."""
    if os.environ.get(NO_UVLOOP):
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def loop_name() -> str:
    return "uvloop" if loop_factory() is not asyncio.new_event_loop else "asyncio"


def new_server_loop() -> asyncio.AbstractEventLoop:
    return loop_factory()()


def run_server(main: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def serve_in_this_thread(
    loop: asyncio.AbstractEventLoop,
    start: Coroutine[Any, Any, Any],
    ready: threading.Event,
    failed: Callable[[BaseException], None],
) -> None:
    """A server thread's whole life: ``start`` on ``loop``, ``ready`` set (after ``failed`` is told, if starting
    failed, so the thread that waits reads the error), then the loop runs until it is stopped, and is closed."""
    try:
        loop.run_until_complete(start)
    except BaseException as error:
        failed(error)
        loop.close()
        ready.set()
        return
    ready.set()
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
