"""An Explanation as plain text for a terminal: the CLI, the plain REPL and saved transcripts use it.

Rule: plain text first; colour (ANSI) only when the caller asks, never decided here.
"""

from __future__ import annotations

import textwrap

from smtpshell.explain.model import Explanation, KeywordNote

_COLOURS = {2: "32", 3: "36", 4: "33", 5: "31"}  # green, cyan, yellow, red by the code's first digit


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and text else text


def _wrap(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        lines += textwrap.wrap(
            " ".join(paragraph.split()),
            width=width,
            initial_indent=indent if first is None else first,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        ) or [indent]
        first = None
    return lines


def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _is_failure(explanation: Explanation) -> bool:
    """Retry advice matters for failures; for a success it only says "nothing to retry"."""
    if explanation.code is not None:
        return explanation.code // 100 in (4, 5)
    return not (explanation.enhanced or "").startswith("2")


def _title(explanation: Explanation) -> str:
    parts = [str(explanation.code) if explanation.code is not None else "", explanation.enhanced or ""]
    prefix = " ".join(part for part in parts if part)
    return f"{prefix} {explanation.headline}" if prefix else explanation.headline


def _keyword_lines(note: KeywordNote, width: int) -> list[str]:
    name = f"{note.keyword} {note.params}".strip()
    detail = note.reading or (first_sentence(note.meaning) if note.known else note.meaning)
    return [f"  {name}", *_wrap(detail, width, "      ")]


def render_text(explanation: Explanation, width: int = 80, *, color: bool = False) -> str:
    """The explanation as lines of at most ``width`` columns (long words excepted)."""
    width = max(width, 40)
    hue = _COLOURS.get((explanation.code or 0) // 100, "1")
    out = _wrap(_title(explanation), width, "    ", first="")
    out[0] = _paint(out[0], f"1;{hue}", color)
    if explanation.anatomy:
        out.append("")
        label_width = min(max(len(part) for part, _ in explanation.anatomy), 14)
        for part, meaning in explanation.anatomy:
            head = f"  {part:<{label_width}}  "
            indent = " " * len(head) if len(part) <= label_width else " " * (label_width + 4)
            out += _wrap(meaning, width, indent, first=_paint(head, "1", color) if color else head)
    sections: list[tuple[str, str | None]] = [
        ("", explanation.meaning),
        ("The server's reason: ", explanation.server_reason),
        ("Decoded challenge: ", repr(explanation.decoded) if explanation.decoded is not None else None),
        ("Known text: ", explanation.pattern),
        ("Retry: ", explanation.retry if _is_failure(explanation) else None),
    ]
    for label, text in sections:
        if text:
            out.append("")
            wrapped = _wrap(label + text, width, "  ")
            if label and color:
                wrapped[0] = "  " + _paint(label, "1", color) + wrapped[0][len(label) + 2 :]
            out += wrapped
    if explanation.keywords:
        out += ["", _paint("Extensions:", "1", color)]
        for note in explanation.keywords:
            out += _keyword_lines(note, width)
    if explanation.next_steps:
        out += ["", _paint("Next:", "1", color)]
        for step in explanation.next_steps:
            out += _wrap(step, width, "    ", first="  - ")
    if not explanation.known:
        notice = _wrap("(Not fully in the knowledge base: explained from what is known.)", width, "  ", first="")
        out += ["", *[_paint(line, "2", color) for line in notice]]
    if explanation.references:
        out += ["", *_wrap("See " + ", ".join(explanation.references) + ".", width, "  ")]
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_brief(explanation: Explanation, width: int = 80, *, color: bool = False, indent: str = "    ") -> str:
    """A short form for annotating a whole transcript: headline, the first paragraph, what is special."""
    width = max(width, 40)
    hue = _COLOURS.get((explanation.code or 0) // 100, "1")
    out = _wrap("=> " + explanation.headline, width, indent + "   ", first=indent)
    out[0] = indent + _paint(out[0][len(indent) :], f"1;{hue}", color)
    paragraphs = [p for p in explanation.meaning.split("\n\n") if p.strip()]
    if paragraphs:
        out += _wrap(paragraphs[0], width, indent + "   ")
    for label, text in (
        ("The server's reason: ", explanation.server_reason),
        ("Decoded: ", repr(explanation.decoded) if explanation.decoded is not None else None),
        ("Known text: ", explanation.pattern),
    ):
        if text:
            out += _wrap(label + text, width, indent + "   ")
    for note in explanation.keywords:
        detail = note.reading or first_sentence(note.meaning)
        marker = "" if note.known else " (not in the knowledge base)"
        out += _wrap(f"{note.keyword}: {detail}{marker}", width, indent + "     ", first=indent + "   - ")
    if explanation.retry and _is_failure(explanation) and explanation.code is not None:
        out += _wrap("Retry: " + explanation.retry, width, indent + "   ")
    if not explanation.known:
        out.append(indent + "   (not fully in the knowledge base)")
    return "\n".join(line.rstrip() for line in out) + "\n"
