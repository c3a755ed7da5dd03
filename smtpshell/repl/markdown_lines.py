"""A notice for the plain shell: its Markdown (session/markdown_text.py) as prompt_toolkit lines, wrapped to the
terminal under their own indent.

Rule: the same reading of the text as the full-screen UI's (blocks and inline spans), only the styles differ:
**bold** is bold, `code` is coloured, a table is two columns that fit the width.
"""

from __future__ import annotations

import re

from prompt_toolkit.formatted_text import StyleAndTextTuples

from smtpshell.session.markdown_text import Span, inline_spans, markdown_blocks
from smtpshell.session.records import Notice
from smtpshell.session.text_table import table_cells, table_rows

MARKERS = {"info": "-- ", "warning": "!! ", "error": "xx "}
INDENT = "   "
SPAN_CLASSES = {"": "", "bold": "class:md.bold", "code": "class:md.code", "em": "class:md.em", "link": "class:md.link"}
_WORDS = re.compile(r"\S+|\s+")
_ITEM = re.compile(r"• |[0-9]+[.)] ")


def wrap_spans(spans: list[Span], width: int, first: str, after: str, base: str) -> list[StyleAndTextTuples]:
    """Styled words filled into lines of ``width`` cells, the first starting with ``first``, the others ``after``."""
    lines: list[StyleAndTextTuples] = [[(base, first)]]
    used = len(first)
    for kind, words in spans:
        style = f"{base} {SPAN_CLASSES[kind]}".strip()
        for word in _WORDS.findall(words):
            blank = word.isspace()
            if not blank and used + len(word) > width and used > len(after):
                lines.append([(base, after)])
                used = len(after)
            if blank and used == len(after) and len(lines) > 1:
                continue  # no spaces at the start of a folded line
            lines[-1].append((style, word))
            used += len(word)
    return lines


def notice_fragment_lines(notice: Notice, width: int) -> list[StyleAndTextTuples]:
    """The notice as screen lines: its headline after a marker, then its detail, Markdown rendered."""
    base = f"class:{notice.level}"
    # The last column stays free: a line that fills it left the cursor there, and the newline after it showed as
    # an empty line in the middle of a paragraph.
    width -= 1
    out = wrap_spans(inline_spans(notice.text), width, MARKERS[notice.level], INDENT, base)
    for block in markdown_blocks(notice.detail, joined=notice.lesson_text):
        if block.kind == "blank":
            out.append([(base, "")])
        elif block.kind == "code":
            out.append([(base, INDENT + "  "), (f"{base} class:md.code", block.lines[0])])
        elif block.kind == "table":
            grouped = table_rows(table_cells(list(block.lines)), width - len(INDENT))
            for number, row in enumerate(grouped):
                head = " class:md.bold" if number == 0 and len(grouped) > 1 else ""
                for left, right in row:
                    line: StyleAndTextTuples = [(base, INDENT), (f"{base} class:md.code{head}", left)]
                    line += [(f"{base} {SPAN_CLASSES[k]}{head}".strip(), w) for k, w in inline_spans(right)]
                    out.append(line)
        else:
            text = block.lines[0]
            item = _ITEM.match(text)
            bullet = item.group(0) if item else ""  # a list item's folded lines hang under its text
            body = text[len(bullet) :]
            out += wrap_spans(inline_spans(body), width, INDENT + bullet, INDENT + " " * len(bullet), base)
    return out


def plain_text(line: StyleAndTextTuples) -> str:
    return "".join(fragment[1] for fragment in line).rstrip()
