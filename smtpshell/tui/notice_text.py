"""A notice's detail as the transcript shows it. Lesson texts are Markdown, hard-wrapped in their files; the
shell's own texts are plain lines.

Rules: a line that reaches toward the wrap width goes on in the next one (the pane wraps at its own width); a line
that ends early was ended on purpose and keeps its end; a code block keeps its lines as they are; a table is
aligned; inline **bold**, `code` and links lose their markers (inline_markup.py).
"""

from __future__ import annotations

from textual.content import Content

from smtpshell.session.markdown_text import markdown_blocks
from smtpshell.session.text_table import table_cells, table_rows
from smtpshell.tui.inline_markup import inline_markup

INDENT = "   "


def _table(rows: list[str], style: str, indent: str, width: int | None) -> list[Content]:
    """Markdown table rows as columns, the header bold; with a width, each column wraps inside itself."""
    cells = table_cells(rows)
    if width is not None and len(cells[0]) == 2:
        grouped = table_rows(cells, width - len(indent))
        header_rows = len(grouped[0]) if len(cells) > 1 else 0
        out = []
        for number, (left, right) in enumerate(line for row in grouped for line in row):
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
    """The detail of a notice, line by line, indented under its headline (``joined``: see markdown_text.py);
    ``width`` lays a two-column table out to fit."""
    out: list[Content] = []
    for block in markdown_blocks(text, joined=joined):
        if block.kind == "code":  # code: exactly as written
            out.append(Content(indent + "  " + block.lines[0]).stylize(style))
        elif block.kind == "table":
            out.extend(_table(list(block.lines), style, indent, width))
        else:
            out.append(Content(indent).append(inline_markup(block.lines[0])).stylize_before(style))
    return out
