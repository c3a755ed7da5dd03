"""What the shell shows of a stored message: its start, up to a bound, and how many octets were left out.

Rule: a message may be as big as the sandbox takes (10 MiB); a view shows at most PREVIEW_OCTETS of it, ending on
a whole line where it can, so no front end freezes or swells rendering it. The message itself stays whole.
"""

from __future__ import annotations

PREVIEW_OCTETS = 64 * 1024


def message_preview(content: bytes, limit: int = PREVIEW_OCTETS) -> tuple[str, int]:
    """(the text shown, with LF line ends; how many octets of ``content`` it leaves out)."""
    shown = content
    if len(content) > limit:
        shown = content[:limit]
        end = shown.rfind(b"\r\n")
        if end > 0:  # a whole line, unless one line is longer than the whole preview
            shown = shown[: end + 2]
    return shown.decode("utf-8", "replace").replace("\r\n", "\n"), len(content) - len(shown)


def left_out_note(left: int, limit: int = PREVIEW_OCTETS) -> str:
    """The line that ends a cut preview."""
    return f"[... {left:,} more octets not shown: a view shows the first {limit // 1024} KiB of a message]"
