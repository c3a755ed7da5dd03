"""The sandbox's side of the conversation: every command it read, every reply it sent and the rule behind it.

Rule: this pane reads the sandbox's own log; a real server keeps its reasons to itself, so there it says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from smtpshell.proto.visible_text import visible
from smtpshell.tui.highlighting import reply_style

if TYPE_CHECKING:
    from smtpshell.net.server_log import LogEntry

SHOWN_ENTRIES = 300  # the most recent ones; older sessions scroll off
NO_SANDBOX = (
    "A real server does not say why it answers as it does. The server view shows the reasons only "
    "for the built-in sandbox (/sandbox)."
)


def render_entry(entry: LogEntry) -> Content:
    from smtpshell.proto.events import Authenticated, CommandReceived, SendReply  # only once the view opens

    item = entry.item
    if isinstance(item, CommandReceived):
        return Content.assemble(("read    ", "$text-muted"), (visible(item.line), "$text-secondary"))
    if isinstance(item, SendReply):
        code_style = "bold " + reply_style(item.reply.code)
        wire = [visible(line) for line in item.reply.wire_lines()]
        head = Content.assemble(("replied ", "$text-muted"), (wire[0], code_style))
        if len(wire) > 1:
            head = Content.assemble(head, (f"  (+{len(wire) - 1} lines)", "$text-muted"))
        return Content.assemble(head, "\n", ("        rule: ", "$text-muted"), (visible(item.reason), "$text-accent"))
    if isinstance(item, Authenticated):
        return Content.assemble(("auth    ", "$text-muted"), f"{item.username} logged in with {item.mechanism}")
    name = type(item).__name__
    if name == "SessionOpened":
        return Content(
            f"── session {entry.session} opened by {entry.peer}"
            f"{' on the TLS port' if getattr(item, 'tls', False) else ''} ──"
        ).stylize("bold $text-primary")
    if name == "TLSEstablished":
        return Content(f"tls     {getattr(item, 'version', '')} {getattr(item, 'cipher', '')}").stylize("$text-success")
    if name == "SessionClosed":
        return Content(f"── session {entry.session} closed: {getattr(item, 'reason', '')} ──").stylize("$text-muted")
    return Content(repr(item)).stylize("$text-muted")


def render_log(entries: Sequence[LogEntry] | None) -> Content:
    if entries is None:
        return Content(NO_SANDBOX).stylize("italic $text-muted")
    if not entries:
        return Content("The sandbox has not heard from anyone yet.").stylize("italic $text-muted")
    return Content("\n").join(render_entry(entry) for entry in entries[-SHOWN_ENTRIES:])


class ServerView(VerticalScroll):
    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Sandbox's side"

    def compose(self) -> ComposeResult:
        yield Static(render_log([]), id="server-log")

    def show(self, entries: Sequence[LogEntry] | None) -> None:
        self.query_one("#server-log", Static).update(render_log(entries))
        self.scroll_end(animate=False)
