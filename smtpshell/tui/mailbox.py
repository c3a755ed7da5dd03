"""The mailbox: the messages the sandbox accepted, as a receiving server sees them — envelope, headers, body, raw.

Rule: the envelope (MAIL FROM, RCPT TO) is what delivered the message; the headers are only what the reader sees.
Showing them side by side is the point.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from smtpshell.proto.events import Message
from smtpshell.proto.visible_text import visible, visible_lines
from smtpshell.session.message_preview import PREVIEW_OCTETS, left_out_note, message_preview
from smtpshell.tui.key_bar import KeyBar

EMPTY = (
    "The sandbox has not accepted any message yet.\n\n"
    "Send one: EHLO me, MAIL FROM:<alice@sandbox.test>, RCPT TO:<bob@sandbox.test>, DATA."
)


def parse(message: Message) -> EmailMessage:
    parsed = email.message_from_bytes(message.content, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _rows(pairs: Sequence[tuple[str, str]]) -> Content:
    width = max((len(key) for key, _ in pairs), default=0)
    return Content("\n").join(
        Content.assemble((key.ljust(width), "bold $text-secondary"), "  ", visible(value)) for key, value in pairs
    )


def render_envelope(message: Message, clock: Callable[[float], str]) -> Content:
    from smtpshell.session.envelope_text import recipient_text  # NOTIFY and ORCPT beside each recipient

    envelope = message.envelope
    rows = [
        ("Queue id", message.queue_id),
        ("MAIL FROM", f"<{envelope.sender}>"),
        *(("RCPT TO", recipient_text(envelope, r)) for r in envelope.recipients),
        ("Received", clock(message.received_at)),
        ("From host", f"{message.helo} ({message.peer})"),
        ("Protocol", message.protocol),
        ("TLS", "yes" if message.tls else "no"),
        ("Logged in", message.authenticated_as or "no"),
        ("Size", f"{len(message.content)} octets"),
    ]
    params = {**envelope.mail_params}
    if params:
        rows.append(("MAIL params", " ".join(k if v is None else f"{k}={v}" for k, v in params.items())))
    note = Content("\nThe envelope decided delivery; compare it with the From: and To: headers.").stylize(
        "italic $text-muted"
    )
    return Content.assemble(_rows(rows), note)


def render_headers(message: Message) -> Content:
    from smtpshell.session.lab_commands import results_explained

    parsed = parse(message)
    rows = _rows([(name + ":", str(value)) for name, value in parsed.items()])
    explained = results_explained(message.content)  # the authentication lab's verdicts, line by line
    return Content.assemble(rows, Content(explained)) if explained else rows


def render_body(message: Message) -> Content:
    parsed = parse(message)
    try:
        part = parsed.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
    except (KeyError, LookupError, ValueError):  # an unknown charset or a broken MIME structure
        text = ""
    if not text:
        raw = message.content.split(b"\r\n\r\n", 1)
        text = raw[1].decode("utf-8", "replace") if len(raw) > 1 else "(no body)"
    return Content(visible_lines(_bounded(str(text))))


def render_raw(message: Message) -> Content:
    text, left = message_preview(message.content)  # a 10 MiB message must not freeze the screen
    return Content(visible_lines(text + (f"\n{left_out_note(left)}" if left else "")))


def _bounded(text: str) -> str:
    """A decoded body cut to the preview's size, with the note saying how much is not shown."""
    if len(text) <= PREVIEW_OCTETS:
        return text
    return text[:PREVIEW_OCTETS] + f"\n{left_out_note(len(text) - PREVIEW_OCTETS)}"


def summary(message: Message) -> str:
    subject = parse(message).get("Subject", "(no subject)")
    to = ", ".join(message.envelope.recipients)
    return visible_lines(f"{message.queue_id}\n  from {message.envelope.sender or '<>'}\n  to   {to}\n  {subject}")


def local_time(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


class MailboxScreen(Screen[None]):
    """A full screen, because a message needs the room; Escape (or F3) goes back to the conversation."""

    DEFAULT_CLASSES = "mailbox"  # how the app's F1 knows it is in front (without importing this module)
    BINDINGS = [
        Binding("escape,f3", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    def on_screen_resume(self) -> None:
        self.refresh_bindings()  # now that it is in front, the app's keys for the panes behind it are off

    def __init__(self, messages: Callable[[], list[Message]], clock: Callable[[float], str] = local_time) -> None:
        super().__init__()
        self._source = messages
        self._clock = clock
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="mailbox-list", classes="pane")
            with TabbedContent(id="mailbox-tabs"):
                for name in ("Envelope", "Headers", "Body", "Raw"):
                    with TabPane(name, id=f"tab-{name.lower()}"), VerticalScroll():
                        yield Static(id=f"mailbox-{name.lower()}")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#mailbox-list", OptionList).border_title = "Mailbox"
        self.action_reload()

    def action_reload(self) -> None:
        self.messages = self._source()
        options = self.query_one("#mailbox-list", OptionList)
        options.clear_options()
        options.add_options(Option(summary(m), id=f"message-{i}") for i, m in enumerate(self.messages))
        if self.messages:
            options.highlighted = len(self.messages) - 1
            self.show_message(self.messages[-1])
        else:
            self.query_one("#mailbox-envelope", Static).update(Content(EMPTY))
            for name in ("headers", "body", "raw"):
                self.query_one(f"#mailbox-{name}", Static).update("")
        options.focus()

    def show_message(self, message: Message) -> None:
        self.query_one("#mailbox-envelope", Static).update(render_envelope(message, self._clock))
        self.query_one("#mailbox-headers", Static).update(render_headers(message))
        self.query_one("#mailbox-body", Static).update(render_body(message))
        self.query_one("#mailbox-raw", Static).update(render_raw(message))

    @on(OptionList.OptionHighlighted, "#mailbox-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.messages):
            self.show_message(self.messages[event.option_index])
