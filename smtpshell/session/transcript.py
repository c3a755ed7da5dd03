"""Records as text: lines for a plain front end, and the saved transcript (plain or annotated Markdown).

Rule: everything here reads records only, and records hold no credential (see redact.py), so a saved
transcript is safe to share as it is.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from smtpshell.explain.render import render_brief
from smtpshell.proto.client_state import DATA_END
from smtpshell.proto.visible_text import visible
from smtpshell.session.records import ConnectionChange, Exchange, Notice, Record
from smtpshell.session.text_table import is_table_row, table_cells, table_lines

LineStyle = Literal["client", "server", "data", "info", "warning", "error", "connection", "explanation"]


@dataclass(frozen=True)
class Line:
    style: LineStyle
    text: str


CLIENT, SERVER = "C: ", "S: "


def exchange_lines(exchange: Exchange, *, client: bool = True) -> list[Line]:
    """The exchange as a conversation: what the client sent (unless ``client`` is False), then the reply."""
    lines: list[Line] = []
    if client and exchange.kind != "greeting":
        if exchange.command == DATA_END:
            lines += [Line("data", CLIENT + line) for line in exchange.payload_lines]
            lines.append(Line("data", CLIENT + "."))
        else:
            lines.append(Line("client", CLIENT + exchange.command))
            if exchange.kind == "data":  # BDAT: the chunk follows its command
                lines += [Line("data", CLIENT + line) for line in exchange.payload_lines]
    if exchange.reply is None:
        lines.append(Line("error", "   (no reply: the connection ended)"))
    else:
        lines += [Line("server", SERVER + wire) for wire in exchange.reply.wire_lines()]
    # A line typed in raw mode may hold a lone CR, a reply anything at all: neither reaches a terminal raw.
    return [Line(line.style, visible(line.text)) for line in lines]


def notice_lines(notice: Notice) -> list[Line]:
    marker = {"info": "-- ", "warning": "!! ", "error": "xx "}[notice.level]
    lines = [Line(notice.level, marker + line) for line in notice.text.splitlines() or [""]]
    lines += [Line(notice.level, "   " + line) for line in notice.detail.splitlines()]
    return lines


def connection_lines(change: ConnectionChange) -> list[Line]:
    words = {"connected": "connected to", "tls": "TLS established with", "disconnected": "disconnected from"}
    text = f"*** {words[change.event]} {change.target}"
    if change.detail:
        text += f" ({change.detail})"
    lines = [Line("connection", text)]
    lines += [Line("connection", f"    {key}: {value}") for key, value in change.tls_info.items()]
    return lines


def record_lines(record: Record, *, client: bool = True) -> list[Line]:
    if isinstance(record, Exchange):
        return exchange_lines(record, client=client)
    lines = notice_lines(record) if isinstance(record, Notice) else connection_lines(record)
    return [Line(line.style, visible(line.text)) for line in lines]


def display_lines(record: Record, *, explanations: bool = True, client: bool = True, width: int = 100) -> list[Line]:
    """What a plain front end prints for a record: its lines, and under a reply its explanation when wanted."""
    # A lone CR or LF sent on purpose (raw mode) would move the terminal's cursor: each shows as its picture.
    lines = [Line(line.style, visible_controls(line.text)) for line in record_lines(record, client=client)]
    if isinstance(record, Notice):
        lines = [wrapped for line in _tables(lines, width) for wrapped in _wrap(line, width)]
    if explanations and isinstance(record, Exchange) and record.explanation is not None:
        # The short form under each reply keeps the conversation readable; /explain gives the whole text.
        text = render_brief(record.explanation, width=max(40, width - 1), indent="    ")
        lines += [Line("explanation", line) for line in text.splitlines()]
    return lines


def _tables(lines: list[Line], width: int) -> list[Line]:
    """A notice's Markdown table rows laid out in two columns for ``width`` (text_table.py)."""
    out: list[Line] = []
    rows: list[str] = []

    def flush(like: Line) -> None:
        laid = table_lines(table_cells(rows), width - 3)
        out.extend(Line(like.style, "   " + (left + right).rstrip()) for left, right in laid)
        rows.clear()

    for line in lines:
        if is_table_row(line.text):
            rows.append(line.text)
            continue
        if rows:
            flush(line)
        out.append(line)
    if rows:
        flush(lines[-1])
    return out


# Each C0 control character but tab as its Unicode control picture (CR -> ␍): one cell wide, like the character.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20) if code != 0x09} | {0x7F: 0x2421}


def visible_controls(text: str) -> str:
    """``text`` with each control character (but tab) replaced by its picture: same length, same positions."""
    return text.translate(_CONTROL_PICTURES)


def _wrap(line: Line, width: int) -> list[Line]:
    """A long prose line folded under its own indent; short ones (and message text with tabs) stay as they are."""
    if len(line.text) <= width or "\t" in line.text:
        return [line]
    body = line.text.lstrip(" -!x") if line.text[:3] in ("-- ", "!! ", "xx ") else line.text.lstrip(" ")
    indent = " " * max(3, len(line.text) - len(line.text.lstrip(" ")))
    first = line.text[: len(line.text) - len(body)]
    folded = textwrap.wrap(body, width=width - len(indent), break_long_words=False, break_on_hyphens=False)
    return [Line(line.style, (first if i == 0 else indent) + part) for i, part in enumerate(folded)] or [line]


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"


def plain_transcript(records: Sequence[Record], target: str) -> str:
    """Every line with its time, its direction (C: client, S: server) and whether it went over TLS."""
    out = [
        f"# smtpshell transcript: {target}; saved {time.strftime('%Y-%m-%d %H:%M:%S %z')}; credentials redacted",
        "# columns: time, TLS when encrypted, C: client / S: server",
    ]
    for record in records:
        if isinstance(record, Exchange):
            tls = "TLS" if record.tls else "   "
            for line in exchange_lines(record):
                at = record.replied_at if line.style == "server" and record.replied_at else record.sent_at
                out.append(f"{_clock(at)} {tls} {line.text}")
        else:
            at = record.at
            out += [f"{_clock(at)}     {line.text}" for line in record_lines(record)]
    return "\n".join(out) + "\n"


def markdown_transcript(records: Sequence[Record], target: str, *, brief: bool = False) -> str:
    """The transcript as Markdown: each exchange in an ``smtp`` code block with its explanation beneath."""
    from smtpshell.session.handout_records import render_records

    return render_records(records, target, "markdown", brief=brief)
