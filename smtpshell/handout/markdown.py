"""A handout as Markdown: each exchange in an ``smtp`` code block, its explanation beneath (or one line, brief)."""

from __future__ import annotations

import re

from smtpshell.explain.model import Explanation
from smtpshell.handout.model import Handout, HandoutExchange, HandoutNote
from smtpshell.handout.text import one_line, sections, title_of


def explanation_markdown(explanation: Explanation, reason: str | None = None) -> list[str]:
    out = [f"**{title_of(explanation)}**", ""]
    if explanation.anatomy:
        out += [f"- `{part}`: {meaning}" for part, meaning in explanation.anatomy] + [""]
    for label, text in sections(explanation, reason):
        out += [f"{label}: {text}" if label else text, ""]
    if explanation.keywords:
        out += ["| Extension | Parameters | Meaning |", "|---|---|---|"]
        for note in explanation.keywords:
            meaning = note.meaning + (f" ({note.reading})" if note.reading else "")
            out.append(f"| {note.keyword} | {note.params or ''} | {_cell(meaning)} |")
        out.append("")
    if explanation.next_steps:
        # One step per line: the steps are sentences of their own, with their own full stops.
        out += ["Next:", "", *[f"- {step}" for step in explanation.next_steps], ""]
    if explanation.references:
        out += ["See " + ", ".join(explanation.references) + ".", ""]
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(lines: tuple[str, ...]) -> str:
    """A code fence longer than any run of backticks in the lines, so a message cannot close it early."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(handout: Handout, *, brief: bool = False) -> str:
    out = [f"# {handout.title}", "", handout.subtitle, ""]
    number = 0
    for item in handout.items:
        if isinstance(item, HandoutNote):
            out += [f"> {line.strip()}" for line in item.lines if line.strip()] + [""]
            continue
        number += 1
        out += _exchange(number, item, brief)
    return "\n".join(out).rstrip("\n") + "\n"


def _exchange(number: int, item: HandoutExchange, brief: bool) -> list[str]:
    fence = _fence(item.lines)
    language = "smtp" if item.is_session else "text"
    out = [f"## {number}. {_heading(item)}" + (" (over TLS)" if item.tls else ""), "", fence + language]
    out += [*item.lines, fence, ""]
    if brief:
        line = one_line(item.explanation, item.server_reason)
        return [*out, f"=> {line}", ""] if line else out
    if item.explanation is not None:
        out += explanation_markdown(item.explanation, item.server_reason)
    elif item.server_reason:
        out += [f"Server's reason: {item.server_reason}", ""]
    return out


def _heading(item: HandoutExchange) -> str:
    return f"`{item.title}`" if item.is_command and "`" not in item.title else item.title
