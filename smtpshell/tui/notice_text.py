"""A notice's detail as the transcript shows it. Lesson texts are Markdown, hard-wrapped in their files; the
shell's own texts are plain lines.

Rules: a line that reaches toward the wrap width goes on in the next one (the pane wraps at its own width); a line
that ends early was ended on purpose and keeps its end; a code block keeps its lines as they are; a table is
aligned; inline **bold**, `code` and links lose their markers (inline_markup.py).
"""

from __future__ import annotations

import re

from textual.content import Content

from smtpshell.session.text_table import is_table_row, table_cells, table_lines
from smtpshell.tui.inline_markup import inline_markup

WRAPPED = 60  # lesson files wrap near 100 columns: a line ending before this one was ended on purpose
INDENT = "   "
_ITEM = re.compile(r"(?P<mark>[*-]|\d+[.)]) ")
_OWN_LINE = ("C:", "S:", ">", "|")  # transcript lines, quotes and table rows never join another line


def _table(rows: list[str], style: str, indent: str, width: int | None) -> list[Content]:
    """Markdown table rows as columns, the header bold; with a width, each column wraps inside itself."""
    cells = table_cells(rows)
    if width is not None and len(cells[0]) == 2:
        laid = table_lines(cells, width - len(indent))
        out = []
        header_rows = len(table_lines(cells[:1], width - len(indent))) if len(cells) > 1 else 0
        for number, (left, right) in enumerate(laid):
            line = Content.assemble(indent, (left, "$text-accent"), inline_markup(right)).rstrip()
            out.append((line.stylize("bold") if number < header_rows else line).stylize_before(style))
        return out
    marked = [[inline_markup(cell) for cell in row] for row in cells]
    columns = max(len(row) for row in marked)
    widths = [max((row[i].cell_length for row in marked if i < len(row)), default=0) for i in range(columns)]
    out = []
    for number, row in enumerate(marked):
        padded = [cell.pad_right(widths[i] - cell.cell_length) for i, cell in enumerate(row)]
        line = Content("  ").join(padded).rstrip()
        if number == 0 and len(marked) > 1:
            line = line.stylize("bold")
        out.append(Content.assemble(indent, line).stylize_before(style))
    return out


def notice_lines(
    text: str, style: str = "$text-muted", indent: str = INDENT, *, width: int | None = None, joined: bool = False
) -> list[Content]:
    """The detail of a notice, line by line, indented under its headline. Only ``joined`` text (a lesson's Markdown,
    hard-wrapped in its file) joins a line that reaches toward the wrap width with the next; the shell's own
    lines (/state, say) stay apart. ``width`` lays a two-column table out to fit."""
    out: list[Content] = []
    prose: list[str] = []  # the lines read so far, joined where the file had wrapped them
    table: list[str] = []
    fenced = False
    goes_on = False  # the last line read was prose that reached the wrap width
    in_item = False  # ... and belongs to a list item, so an indented line continues it

    def flush() -> None:
        out.extend(Content(indent).append(inline_markup(line)).stylize_before(style) for line in prose)
        prose.clear()
        if table:
            out.extend(_table(table, style, indent, width))
            table.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            flush()
            fenced, goes_on = not fenced, False
            continue
        if fenced:  # code: exactly as written
            out.append(Content(indent + "  " + line).stylize(style))
            continue
        if is_table_row(line):
            if prose:
                flush()
            table.append(line)
            goes_on = False
            continue
        if table:
            flush()
        item = _ITEM.match(line)
        continues = (
            goes_on
            and prose
            and line.strip()
            and not item
            and not line.startswith(_OWN_LINE)
            and (in_item or not line[:1].isspace())
        )
        if continues:
            prose[-1] = f"{prose[-1]} {line.strip()}"
        else:
            if item is not None and item["mark"] in "*-":
                line = "• " + line[item.end() :]
            prose.append(line)
            in_item = item is not None
        goes_on = joined and len(raw.rstrip()) >= WRAPPED and not line.startswith(_OWN_LINE)
        if not line.strip():
            in_item = False
    flush()
    return out
