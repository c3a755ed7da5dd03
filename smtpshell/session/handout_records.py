"""The shell's records as a handout, and /save's writer: plain text, Markdown or a standalone HTML page.

Rule: what /save writes never includes /save's own confirmations ("Saved 3 exchange(s) ..."): a file is a record
of the conversation, not of the shell saving it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from smtpshell.handout.model import Handout, HandoutExchange, HandoutItem, HandoutNote
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END
from smtpshell.session.records import UNPROMPTED, Exchange, Notice, Record
from smtpshell.session.transcript import exchange_lines, plain_transcript, record_lines

SAVED_PREFIX = "Saved "  # how /save's confirmation starts (meta.py), so the next /save leaves it out
SaveFormat = Literal["plain", "markdown", "html"]
SUFFIXES: dict[str, SaveFormat] = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
FORMAT_NAMES: dict[SaveFormat, str] = {
    "plain": "plain text",
    "markdown": "annotated Markdown",
    "html": "a standalone HTML page",
}


def save_format(path: Path) -> SaveFormat:
    return SUFFIXES.get(path.suffix.lower(), "plain")


def is_save_notice(record: Record) -> bool:
    return isinstance(record, Notice) and record.level == "info" and record.text.startswith(SAVED_PREFIX)


def exchange_title(exchange: Exchange) -> tuple[str, bool]:
    """What an exchange answered, and whether that is a command line (shown as code) or a description."""
    if exchange.kind == "greeting":
        return ("Unsolicited reply (no command asked for it)" if exchange.command == UNPROMPTED else "Greeting"), False
    if exchange.command == DATA_END:
        return "End of message (<CRLF>.<CRLF>)", False
    if exchange.command == AUTH_RESPONSE:
        return "AUTH response", False
    return exchange.command, True


def handout_items(records: Iterable[Record]) -> list[HandoutItem]:
    items: list[HandoutItem] = []
    for record in records:
        if is_save_notice(record):
            continue
        if isinstance(record, Exchange):
            title, is_command = exchange_title(record)
            lines = tuple(line.text for line in exchange_lines(record))
            items.append(
                HandoutExchange(title, lines, record.explanation, record.server_reason, record.tls, is_command)
            )
        else:  # record_lines shows control characters as pictures: nothing raw reaches a page or a terminal
            level = record.level if isinstance(record, Notice) else "connection"
            items.append(HandoutNote(level, tuple(line.text for line in record_lines(record))))
    return items


def records_handout(records: Iterable[Record], target: str) -> Handout:
    saved = time.strftime("%Y-%m-%d %H:%M:%S %z")
    return Handout(
        "smtpshell transcript",
        f"Target: {target}. Saved {saved}. Credentials are redacted.",
        handout_items(records),
    )


def render_records(records: Sequence[Record], target: str, kind: SaveFormat, *, brief: bool = False) -> str:
    if kind == "plain":
        return plain_transcript([r for r in records if not is_save_notice(r)], target)
    handout = records_handout(records, target)
    if kind == "markdown":
        from smtpshell.handout.markdown import render_markdown

        return render_markdown(handout, brief=brief)
    from smtpshell.handout.html_page import render_html

    return render_html(handout, brief=brief)


def save_records(records: Iterable[Record], path: Path, target: str, *, brief: bool = False) -> int:
    """Write the transcript in the format the file name asks for; returns the number of exchanges."""
    items = list(records)
    text = render_records(items, target, save_format(path), brief=brief)
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return sum(1 for r in items if isinstance(r, Exchange))
