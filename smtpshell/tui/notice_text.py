"""A notice's detail as the transcript shows it. Lesson texts are Markdown, hard-wrapped in their files; the
shell's own texts are plain lines.

Rules: a line that reaches toward the wrap width goes on in the next one (the pane wraps at its own width); a line
that ends early was ended on purpose and keeps its end; a code block keeps its lines as they are; a table is
aligned; inline **bold**, `code` and links lose their markers (inline_markup.py).
"""

from __future__ import annotations

import re

from textual.content import Content

from smtpshell.tui.inline_markup import inline_markup

WRAPPED = 60  # lesson files wrap near 100 columns: a line ending before this one was ended on purpose
INDENT = "   "
_ITEM = re.compile(r"(?P<mark>[*-]|[0-9]+[.)]) ")
_TABLE_RULE = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")
_OWN_LINE = ("C:", "S:", ">", "|")  # transcript lines, quotes and table rows never join another line


def _is_table(line: str) -> bool:
    return line.startswith("|") and line.rstrip().endswith("|")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(rows: list[str], style: str, indent: str) -> list[Content]:
    """Markdown table rows as aligned columns: the header bold, the rule under it dropped."""
    cells = [[inline_markup(cell) for cell in _cells(row)] for row in rows if not _TABLE_RULE.fullmatch(row.strip())]
    columns = max(len(row) for row in cells)
    widths = [max((row[i].cell_length for row in cells if i < len(row)), default=0) for i in range(columns)]
    out = []
    for number, row in enumerate(cells):
        padded = [cell.pad_right(widths[i] - cell.cell_length) for i, cell in enumerate(row)]
        line = Content("  ").join(padded).rstrip()
        if number == 0 and len(cells) > 1:
            line = line.stylize("bold")
        out.append(Content.assemble(indent, line).stylize_before(style))
    return out


def notice_lines(text: str, style: str = "$text-muted", indent: str = INDENT) -> list[Content]:
    """The detail of a notice, line by line, indented under its headline."""
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
            out.extend(_table(table, style, indent))
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
        if _is_table(line):
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
        goes_on = len(raw.rstrip()) >= WRAPPED and not line.startswith(_OWN_LINE)
        if not line.strip():
            in_item = False
    flush()
    return out
