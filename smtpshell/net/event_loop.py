"""Which event loop a server runs on: uvloop where it is installed (Linux, macOS), asyncio's own elsewhere.

Rule: uvloop is an optional speed-up, never a requirement; ``SMTPSHELL_NO_UVLOOP=1`` turns it off (benchmarks
measure both).
"""

from __future__ import annotations

import asyncio
import os
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
