"""Disk work off the event loop: the Maildir's write, fsync, rename and directory fsync run on worker threads.

Rule: the loop never waits on the disk, and the machine's 250 still waits for the work to finish (it is made in
``delivery_done``, called back on the loop), so "fsync'd before the 250" holds with fifty senders as with one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from smtpshell.proto.server import DeliveryError

T = TypeVar("T")

DISK_THREADS = 4  # fsyncs of different files proceed in parallel on most file systems


class DiskWorker:
    """A small thread pool for blocking disk work, whose outcome comes back on the event loop."""

    def __init__(self, threads: int = DISK_THREADS) -> None:
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[asyncio.Future[None]] = set()

    def run(self, work: Callable[[T], None], argument: T, done: Callable[[str | None], None]) -> None:
        """Run ``work(argument)`` on a worker; then, on the loop, ``done(None)`` or ``done(why it failed)``."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="smtpshell-disk")
        future = asyncio.get_running_loop().run_in_executor(self._pool, work, argument)
        self._pending.add(future)

        def finished(future: asyncio.Future[None]) -> None:
            self._pending.discard(future)
            if future.cancelled():
                done("the server stopped before the message was stored")
                return
            error = future.exception()
            if error is None:
                done(None)
            elif isinstance(error, DeliveryError):
                done(str(error))
            else:  # a bug must not leave the client waiting for ever; it hears 451 and may retry
                done(f"unexpected {type(error).__name__}: {error}")

        future.add_done_callback(finished)

    async def drain(self) -> None:
        """Wait for the work under way, then let the threads go."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
