"""A two-column table (a Markdown table in a notice's text) laid out for a terminal width, for both front ends.

Rule: each column wraps inside itself, so a long command (/connect's usage) never pushes its description off the
screen and no description runs into the next command; a word in brackets is never split from its bracket.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

FIRST_COLUMN_MAX = 28  # /connect's usage is longer than this: it wraps in its column
GAP = 2
_RULE = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")
_BRACKETED = re.compile(r"\[[^\]]*\]|<[^>]*>")
_KEEP = "\xa0"  # textwrap breaks only at ASCII whitespace: a no-break space holds a bracketed group together


def is_table_row(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|")


_CELL_BORDER = re.compile(r"(?<!\\)\|")


def escape_cell(text: str) -> str:
    """``text`` for a Markdown table cell: its own | (as in /raw on|off) escaped."""
    return text.replace("|", "\\|")


def table_cells(rows: Sequence[str]) -> list[list[str]]:
    """The cells of Markdown table rows (an escaped \\| stays in its cell), the rule under the header left out."""
    cells = []
    for row in rows:
        if _RULE.fullmatch(row.strip()):
            continue
        inner = row.strip().removeprefix("|")
        inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
        cells.append([cell.strip().replace("\\|", "|") for cell in _CELL_BORDER.split(inner)])
    return cells


def _wrap(text: str, width: int) -> list[str]:
    held = _BRACKETED.sub(lambda match: match.group(0).replace(" ", _KEEP), text)
    lines = textwrap.wrap(held, width=max(8, width), break_long_words=False, break_on_hyphens=False)
    return [line.replace(_KEEP, " ") for line in lines] or [""]


def table_rows(rows: Sequence[Sequence[str]], width: int) -> list[list[tuple[str, str]]]:
    """Each row as its screen lines, (first column padded to the column's width, the rest)."""
    if not rows:
        return []
    first = min(FIRST_COLUMN_MAX, max(len(row[0]) for row in rows if row))
    rest = width - first - GAP
    out: list[list[tuple[str, str]]] = []
    for row in rows:
        left = _wrap(row[0], first) if row else [""]
        right = _wrap("  ".join(row[1:]), rest) if len(row) > 1 else [""]
        out.append(
            [
                ((left[n] if n < len(left) else "").ljust(first) + " " * GAP, right[n] if n < len(right) else "")
                for n in range(max(len(left), len(right)))
            ]
        )
    return out


def table_lines(rows: Sequence[Sequence[str]], width: int) -> list[tuple[str, str]]:
    """The screen lines of every row, in order (see table_rows)."""
    return [line for row in table_rows(rows, width) for line in row]
