"""Start-up without the cyclic garbage collector: importing the modules a command needs allocates thousands of
long-lived objects (classes, functions, dataclass methods) and makes no garbage cycles, so every collection the
allocations trigger is wasted work, several milliseconds of a scripted session's start.

Rule: only the imports run with the collector off; it is on again (if it was) before any session runs.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_quickly(name: str) -> ModuleType:
    """importlib.import_module with the collector paused."""
    with collector_paused():
        return importlib.import_module(name)
