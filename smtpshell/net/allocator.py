"""Large buffers go back to the system once freed, so the server's memory follows what it holds.

glibc raises its mmap threshold each time it frees a large block (up to 32 MiB); from then on, 10 MiB message
buffers come from the heap and stay resident after use, and a sandbox that took a hundred such messages keeps
tens of MiB it no longer needs. Fixing the threshold (M_MMAP_THRESHOLD) at 1 MiB stops that: larger blocks are
mapped and unmapped whole, smaller ones (socket reads, lines) still come from the heap.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
LARGE_BLOCK = 1024 * 1024


def return_large_blocks() -> bool:
    """Ask glibc to map blocks over 1 MiB on their own; False where that is not glibc (nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only here: most commands never start a server

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))
