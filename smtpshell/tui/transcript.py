"""The conversation: one selectable entry per record, client and server lines told apart, TLS lines marked.

Rule: the transcript shows records exactly as the engine reported them; choosing an entry only changes what the
explanation pane shows.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from smtpshell.proto.visible_text import visible
from smtpshell.session.records import ConnectionChange, Exchange, Notice, Record
from smtpshell.tui.highlighting import highlight, make_lexer, visible_controls
from smtpshell.tui.inline_markup import inline_markup
from smtpshell.tui.notice_text import notice_lines

if TYPE_CHECKING:
    from pygments.lexer import Lexer

TLS_MARK = "🔒"  # two cells wide in every terminal we tried; the gutter below is sized for it
PLAIN_MARK = "  "
PAYLOAD_PREVIEW = 12  # message lines shown before the rest is summarised
NOTICE_MARKS = {"info": ("ℹ", "$text-primary"), "warning": ("⚠", "$text-warning"), "error": ("✖", "$text-error")}


REASON_INDENT = "   "  # under the reply's text, past its "S: "
WHO_STYLES = {"C": "bold $text-accent", "S": "bold $text-primary"}
DATA_CONTEXT = [("C", "DATA"), ("S", "354 go ahead")]  # tells the lexer that the lines after it are a message


def _lexed(lines: list[tuple[str, str]], lexer: Lexer | None, context: list[tuple[str, str]]) -> list[Content]:
    """Each (who, text) line as "who: text", lexed as one block so the lexer sees the session's context
    (the keywords after EHLO, the message after 354); the context lines are lexed but not shown."""
    block = [*context, *lines]
    text = "\n".join(f"{who}: {visible(visible_controls(body))}" for who, body in block)
    rendered = highlight(text, lexer).split("\n", allow_blank=True)[len(context) :]
    return [line.stylize(WHO_STYLES[who], 0, 2) for line, (who, _) in zip(rendered, lines, strict=False)]


def render_exchange(exchange: Exchange, lexer: Lexer | None, width: int = 100) -> Content:
    lines: list[tuple[str, str]] = []
    context: list[tuple[str, str]] = []
    hidden = 0
    if exchange.kind == "data" and exchange.payload_lines:
        shown = list(exchange.payload_lines[:PAYLOAD_PREVIEW])
        hidden = len(exchange.payload_lines) - len(shown)
        if exchange.command.upper().startswith("BDAT"):
            lines.append(("C", exchange.command))
            lines += [("C", text) for text in shown]
        else:
            context = DATA_CONTEXT
            lines += [("C", text) for text in shown]
            lines.append(("C", "."))
    elif exchange.kind != "greeting":
        lines.append(("C", exchange.command))
    if exchange.reply is not None:
        lines += [("S", wire) for wire in exchange.reply.wire_lines()]
    rendered = _lexed(lines, lexer, context)
    if context:  # say what the lone dot is, and how much of a long message is not shown
        end = len(lines) - (len(exchange.reply.wire_lines()) if exchange.reply is not None else 0) - 1
        rendered[end] = rendered[end].append_text("   end of the message", "italic $text-muted")
        if hidden:
            more = f"C: … {hidden} more line{'s' if hidden != 1 else ''} of the message"
            rendered.insert(end, Content(more).stylize("italic $text-muted").stylize(WHO_STYLES["C"], 0, 2))
    if exchange.reply is None:
        rendered.append(Content("S: no reply: the connection ended").stylize("italic $text-error"))
    elif exchange.server_reason:  # the sandbox's rule for this reply, one dim line under it (wrapped under itself)
        reason = f"↳ why: {visible_controls(exchange.server_reason)}"
        folded = textwrap.wrap(reason, width=max(20, width - 3 - len(REASON_INDENT)), subsequent_indent="  ")
        rendered += [Content(REASON_INDENT + line).stylize("$text-muted") for line in folded]
    mark = Content(TLS_MARK if exchange.tls else PLAIN_MARK).stylize("$text-success")
    return Content("\n").join(Content.assemble(mark, " ", line) for line in rendered)


LESSON_POINTER = "  → the lesson pane"


def render_notice(notice: Notice, width: int | None = None) -> Content:
    mark, style = NOTICE_MARKS.get(notice.level, NOTICE_MARKS["info"])
    if notice.lesson_text:  # the lesson pane shows these words: here only a line that marks the moment
        return Content.assemble(
            (f"{mark} ", "$text-muted"), (notice.text, "$text-muted"), (LESSON_POINTER, "italic $text-muted")
        )
    lines = hanging(Content.assemble((f"{mark} ", f"bold {style}"), inline_markup(notice.text, style)), width, 2)
    for line in notice_lines(notice.detail, width=width, joined=notice.lesson_text) if notice.detail else []:
        lines += hanging(line, width, len(line.plain) - len(line.plain.lstrip(" ")))
    return Content("\n").join(lines)


def hanging(line: Content, width: int | None, indent: int) -> list[Content]:
    """``line`` folded to ``width``, the folded part under its own text (``indent`` cells in), not at the margin."""
    if width is None or line.cell_length <= width:
        return [line]
    first = line.wrap(width)[0]
    rest = line[len(first.plain) :]
    rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
    return [first, *(Content.assemble(" " * indent, part) for part in rest.wrap(max(10, width - indent)))]


def render_connection(change: ConnectionChange) -> Content:
    detail = change.detail
    if change.event == "connected":
        # The sandbox's address is always loopback and a port of the day: it teaches nothing. A real server's
        # address shows where the name led.
        shown = change.target != "sandbox" and detail and detail != change.target
        words = f"connected to {change.target}" + (f" ({detail})" if shown else "")
        detail = ""
        style = "bold $text-success"
    elif change.event == "tls":
        version = change.tls_info.get("version", "")
        words = f"{TLS_MARK} TLS is on{': ' + version if version else ''}; what follows is encrypted"
        style = "bold $text-success"
    else:
        words = f"disconnected from {change.target}"
        style = "bold $text-warning"
    text = Content.assemble(("── ", "$text-muted"), (words, style), (" ──", "$text-muted"))
    if detail:
        text = Content.assemble(text, "\n", Content("   " + detail).stylize("$text-muted"))
    return text


def render_record(record: Record, lexer: Lexer | None, width: int | None = None) -> Content:
    if isinstance(record, Exchange):
        return render_exchange(record, lexer, width or 100)
    if isinstance(record, Notice):
        return render_notice(record, width)
    return render_connection(record)


class Transcript(OptionList):
    """Every record as an option; highlighting one (keys or mouse) selects it for the explanation pane."""

    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Conversation"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: list[Record] = []
        self.following = True  # the latest record is selected as it arrives, until the learner picks another
        self._echoes = 0  # message lines typed after 354, shown at the end until the message goes out

    def add_record(self, record: Record) -> None:
        self.clear_echoes()
        self.records.append(record)
        rendered = render_record(record, make_lexer("SMTPTranscriptLexer"), self._text_width())
        self.add_option(Option(rendered, id=f"record-{len(self.records) - 1}"))
        if self.following:
            if worth_selecting(record):
                self.select_index(len(self.records) - 1, follow=True)
            else:  # keep the reply explained, but show what came after it
                self.show_latest()

    def echo_message_line(self, line: str) -> None:
        """A line of the message typed by hand: shown at once, though the shell sends the message only with its
        final "." (the DATA exchange then replaces these lines)."""
        note = "   (kept until the final '.')" if not self._echoes else ""
        text = Content.assemble(
            PLAIN_MARK + " ",
            ("C: ", WHO_STYLES["C"]),
            (visible_controls(line), "$text-muted"),
            (note, "italic $text-muted"),
        )
        self._echoes += 1
        self.add_option(Option(text, id=f"echo-{self._echoes}"))
        self.show_latest()

    def clear_echoes(self) -> None:
        for number in range(1, self._echoes + 1):
            self.remove_option(f"echo-{number}")
        self._echoes = 0

    def _text_width(self) -> int:
        """The columns an entry has (its padding and the scrollbar taken off), for tables laid out to fit."""
        width = self.scrollable_content_region.width or self.app.size.width - 4
        return max(40, width - 3)

    def select_index(self, index: int, *, follow: bool = False) -> None:
        if not self.records:
            return
        index = max(0, min(index, len(self.records) - 1))
        self.highlighted = index
        self.following = follow or not any(worth_selecting(r) for r in self.records[index + 1 :])
        if self.following:
            self.show_latest()
        else:
            self.scroll_to_highlight()

    def show_latest(self) -> None:
        """The end of the conversation, once laid out; but when only lesson pointers follow the selected reply,
        never with that reply's first line cut off (the step is about it)."""
        self.call_after_refresh(self._show_latest)

    def _show_latest(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        selected = self.highlighted
        if selected is not None and all(is_lesson_pointer(r) for r in self.records[selected + 1 :]):
            self.scroll_to_highlight()

    def on_resize(self) -> None:
        if self.following:  # a resize re-wraps every entry: the end of the conversation stays in view
            self.show_latest()

    def step(self, delta: int) -> None:
        """Move the selection from the command line (Alt+Up/Down) without taking the focus."""
        current = self.highlighted if self.highlighted is not None else len(self.records) - 1
        self.select_index(current + delta)

    def selected_record(self) -> Record | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.records):
            return None
        return self.records[self.highlighted]

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index >= len(self.records):  # a message line typed by hand: nothing to explain
            return
        later = self.records[event.option_index + 1 :]
        self.following = not any(worth_selecting(record) for record in later)


def is_lesson_pointer(record: Record) -> bool:
    """A line that only marks where the lesson pane took over (the step, its why): it must not push the reply
    the step is about off the screen."""
    return isinstance(record, Notice) and record.lesson_text


def worth_selecting(record: Record) -> bool:
    """What the selection follows as records arrive: replies, problems and /explain answers. An informational
    notice or a connection line after a reply must not push that reply's explanation away."""
    if isinstance(record, Exchange):
        return True
    if isinstance(record, Notice):
        return record.level != "info" or record.explanation is not None
    return False
