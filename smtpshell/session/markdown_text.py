"""The little Markdown that lesson, help and shell texts use, read once for every front end: blocks (prose, list
items, code fences, tables) and inline spans (**bold**, `code`, *emphasis*, [links](address)).

Rules: the markers never reach the screen, what they mark keeps its words (a link keeps its text); a code fence
keeps its lines exactly; a prose line that reaches toward the wrap width of a hard-wrapped file goes on in the next
one only in ``joined`` text (a lesson's), never in the shell's own lines (/state). Each front end turns the spans
into its own styles (tui/inline_markup.py, repl/markdown_lines.py); nothing here imports a UI toolkit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from smtpshell.session.text_table import is_table_row

SpanKind = Literal["", "bold", "code", "em", "link"]
Span = tuple[SpanKind, str]

_INLINE = re.compile(
    r"\*\*(?P<bold>[^*\n]+)\*\*|`(?P<code>[^`\n]+)`|\[(?P<link>[^\]\n]+)\]\([^)\s]+\)"
    r"|(?<![\w*])\*(?P<em>[^*\s][^*\n]*?)\*(?![\w*])"
)
_KINDS: tuple[SpanKind, ...] = ("bold", "code", "link", "em")
WRAPPED = 60  # lesson files wrap near 100 columns: a line ending before this one was ended on purpose
_ITEM = re.compile(r"(?P<mark>[*-]|[0-9]+[.)]) ")
_OWN_LINE = ("C:", "S:", ">", "|")  # transcript lines, quotes and table rows never join another line


def inline_spans(text: str) -> list[Span]:
    """``text`` cut into (kind, words) spans, the markers taken out."""
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            spans.append(("", text[position : match.start()]))
        kind = next(k for k in _KINDS if match[k] is not None)
        spans.append((kind, match[kind]))
        position = match.end()
    if position < len(text):
        spans.append(("", text[position:]))
    return spans


def plain(text: str) -> str:
    """``text`` without its inline markers."""
    return "".join(words for _, words in inline_spans(text))


@dataclass(frozen=True)
class Block:
    """``prose``: one logical line (a paragraph line or a list item, bullets as "• "); ``code``: one line of a fence,
    as written; ``table``: the Markdown rows of one table; ``blank``: an empty line."""

    kind: Literal["prose", "code", "table", "blank"]
    lines: tuple[str, ...]


def markdown_blocks(text: str, *, joined: bool = False) -> list[Block]:
    """The blocks of ``text`` in order (see the module's rules for ``joined``)."""
    blocks: list[Block] = []
    table: list[str] = []
    fenced = False
    goes_on = False  # the last line read was prose that reached the wrap width
    in_item = False  # ... and belongs to a list item, so an indented line continues it

    def end_table() -> None:
        if table:
            blocks.append(Block("table", tuple(table)))
            table.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            end_table()
            fenced, goes_on = not fenced, False
            continue
        if fenced:
            blocks.append(Block("code", (line,)))
            continue
        if is_table_row(line):
            table.append(line)
            goes_on = False
            continue
        end_table()
        item = _ITEM.match(line)
        last = blocks[-1] if blocks and blocks[-1].kind == "prose" else None
        continues = (
            goes_on
            and last is not None
            and line.strip()
            and not item
            and not line.startswith(_OWN_LINE)
            and (in_item or not line[:1].isspace())
        )
        if continues and last is not None:
            blocks[-1] = Block("prose", (f"{last.lines[0]} {line.strip()}",))
        elif not line.strip():
            blocks.append(Block("blank", ("",)))
        else:
            if item is not None and item["mark"] in "*-":
                line = "• " + line[item.end() :]
            blocks.append(Block("prose", (line,)))
            in_item = item is not None
        goes_on = joined and len(raw.rstrip()) >= WRAPPED and not line.startswith(_OWN_LINE)
        if not line.strip():
            in_item = False
    end_table()
    return blocks
