"""The explanation pane: what the selected reply means, read for a learner.

Rule: it renders the engine's Explanation as it is; it never explains anything by itself.
"""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from smtpshell.explain.model import Explanation
from smtpshell.session.records import ConnectionChange, Exchange, Notice, Record
from smtpshell.tui.highlighting import reply_style
from smtpshell.tui.inline_markup import inline_markup
from smtpshell.tui.notice_text import notice_lines

EMPTY = "Type a command below (try EHLO me) and its reply is explained here."


def _heading(text: str) -> Content:
    return Content(text).stylize("bold $text-primary")


def _section(title: str, body: Content | str) -> list[Content]:
    return [Content(""), _heading(title), body if isinstance(body, Content) else Content(body)]


def _table(rows: list[tuple[str, str, str]], width: int) -> Content:
    """Label and text side by side, a long text wrapping under itself. When the labels would take more than a
    third of the pane (EHLO's ENHANCEDSTATUSCODES in a narrow pane), each text follows its own label instead and
    wraps under a small indent."""
    label_width = max((len(label) for label, _, _ in rows), default=0)
    aligned = label_width + 2 <= width // 3
    lines: list[Content] = []
    for label, text, style in rows:
        indent = label_width + 2 if aligned else 4
        first_room = max(12, width - (label_width if aligned else len(label)) - 2)
        head, _, rest = _wrap_first(text, first_room)
        shown_label = label.ljust(label_width) if aligned else label
        lines.append(Content.assemble((shown_label, style), "  ", head))
        lines += [Content(" " * indent + more) for more in textwrap.wrap(rest, max(12, width - indent))]
    return Content("\n").join(lines)


def _wrap_first(text: str, room: int) -> tuple[str, str, str]:
    """The first line of ``text`` wrapped at ``room`` columns, and the rest."""
    first = textwrap.wrap(text, room)
    if not first:
        return "", "", ""
    return first[0], " ", text[len(first[0]) :].strip()


def _answered(exchange: Exchange) -> str:
    if exchange.kind == "data" and not exchange.command.upper().startswith("BDAT"):
        return "the message (ended by a line holding only '.')"
    return exchange.command


def render_explanation(explanation: Explanation, exchange: Exchange | None = None, width: int = 80) -> Content:
    parts: list[Content] = []
    code_style = f"bold {reply_style(explanation.code)}"
    title: list[Content | tuple[str, str] | str] = []
    if explanation.code is not None:
        title += [(str(explanation.code), code_style), " "]
    if explanation.enhanced:
        title += [(explanation.enhanced, code_style), " "]
    title.append((explanation.headline, "bold"))
    parts.append(Content.assemble(*title))
    if exchange is not None and exchange.kind != "greeting":
        parts.append(Content.assemble(("in answer to ", "$text-muted"), (_answered(exchange), "$text-secondary")))
    if explanation.anatomy:
        anatomy = [(part, meaning, code_style) for part, meaning in explanation.anatomy]
        parts += _section("Reading the code", _table(anatomy, width))
    if explanation.keywords:
        rows = []
        for note in explanation.keywords:
            reading = note.reading or note.meaning
            if note.reading and note.meaning and note.reading != note.meaning:
                reading = f"{note.reading} — {note.meaning}"
            rows.append((note.keyword, reading, "bold $text-secondary" if note.known else "bold $text-warning"))
        parts += _section("What the server offers (one line per EHLO keyword)", _table(rows, width))
    if explanation.meaning:
        parts += _section("What it means here", explanation.meaning)
    if explanation.decoded:
        parts += _section("The challenge, decoded from base64", Content(explanation.decoded).stylize("$text-secondary"))
    if explanation.server_reason:
        parts += _section("Why the sandbox answered so", Content(explanation.server_reason).stylize("$text-accent"))
    if explanation.pattern:
        parts += _section("Seen in the wild", explanation.pattern)
    if explanation.retry:
        parts += _section("Retrying", explanation.retry)
    if explanation.next_steps:
        steps = Content("\n").join(Content.assemble(("→ ", "$text-accent"), step) for step in explanation.next_steps)
        parts += _section("What to do next", steps)
    if explanation.references:
        parts += _section("Read more", Content(", ".join(explanation.references)).stylize("$text-muted"))
    if not explanation.known:
        parts += [
            Content(""),
            Content(
                "This code is not in smtpshell's knowledge base; the reading above comes from its digits alone."
            ).stylize("italic $text-warning"),
        ]
    return Content("\n").join(parts)


def render_selection(record: Record | None, width: int = 80) -> Content:
    """What the pane shows for any selected record, not only replies."""
    if record is None:
        return Content(EMPTY).stylize("italic $text-muted")
    if isinstance(record, Exchange):
        if record.explanation is not None:
            return render_explanation(record.explanation, record, width)
        if record.reply is None:
            return Content.assemble(
                ("No reply", "bold $text-error"),
                "\n\n",
                "The connection ended before the server answered this command. "
                "Use /sandbox or /connect to start a new session.",
            )
        return Content.assemble(("Explanations are off", "bold"), "\n\nTurn them on with /explanations on.")
    if isinstance(record, Notice):
        if record.explanation is not None:  # /explain's answer
            return render_explanation(record.explanation, width=width)
        style = {"error": "bold $text-error", "warning": "bold $text-warning"}.get(record.level, "bold $text-primary")
        body = inline_markup(record.text, style)
        if record.detail:
            body = Content.assemble(
                body,
                "\n\n",
                Content("\n").join(notice_lines(record.detail, style="", indent="", joined=record.lesson_text)),
            )
        return body
    return _connection_detail(record)


def _connection_detail(change: ConnectionChange) -> Content:
    heading = {"connected": "Connected", "tls": "TLS is on", "disconnected": "Disconnected"}[change.event]
    parts = [Content.assemble((heading, "bold $text-primary"), " ", (change.target, "$text-secondary"))]
    if change.detail:
        parts += [Content(""), Content(change.detail)]
    if change.tls_info:
        width = max(len(key) for key in change.tls_info)
        parts += _section(
            "The TLS session",
            Content("\n").join(
                Content.assemble((key.ljust(width), "$text-secondary"), "  ", value)
                for key, value in change.tls_info.items()
            ),
        )
    return Content("\n").join(parts)


class ExplanationPane(VerticalScroll):
    """Scrolls when an explanation is longer than the pane (an EHLO reply with many keywords)."""

    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Explanation"

    def compose(self) -> ComposeResult:
        yield Static(render_selection(None), id="explanation-body")

    record: Record | None = None

    def show(self, record: Record | None) -> None:
        self.record = record
        self._render_record()
        self.scroll_home(animate=False)

    def _render_record(self) -> None:
        width = self.scrollable_content_region.width or 80
        if not self.show_vertical_scrollbar:
            # A long explanation brings the scrollbar, which takes a column without resizing the pane: lines
            # wrapped to the full width would each lose their last word to a line of its own.
            width -= self.styles.scrollbar_size_vertical
        self.query_one("#explanation-body", Static).update(render_selection(self.record, width))

    def on_resize(self) -> None:
        self._render_record()
