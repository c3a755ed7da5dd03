"""The DATA composer: after 354, the whole message in an editor, prefilled from the envelope.

Rule: the composer only edits text; sending hands it to the engine, which dot-stuffs it and ends it with
<CRLF>.<CRLF>, so the transcript shows exactly what went over the wire.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, TextArea
from textual.widgets.text_area import Selection

HELP = (
    "Headers first, then an empty line, then the body. A line starting with '.' is sent as '..' "
    "(dot-stuffing) so it cannot end the message early."
)


class Composer(Vertical):
    """Shown while the server waits for the message (after 354); Ctrl+S sends, Escape types line by line."""

    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Message (DATA)"
    BORDER_SUBTITLE = "Ctrl+S sends · Esc: type the lines yourself"
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        # priority: the editor would take Escape first, to move the focus on (to the Send button: Enter would send)
        Binding("escape", "dismiss", "Type lines", priority=True),
    ]

    class Send(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Dismissed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Label(HELP, id="composer-help")
        yield TextArea("", id="composer-text", soft_wrap=True, show_line_numbers=False, tab_behavior="indent")
        with Horizontal(id="composer-buttons"):
            yield Button("Send message  (Ctrl+S)", id="composer-send", variant="primary")
            yield Button("Type the lines myself  (Esc)", id="composer-dismiss")

    def open(self, template: str) -> None:
        editor = self.query_one(TextArea)
        editor.load_text(template)
        # The sample body is selected: typing replaces it, the headers stay.
        lines = template.split("\n")
        body_row = lines.index("") + 1 if "" in lines else len(lines)
        end = editor.document.end
        editor.selection = Selection((min(body_row, end[0]), 0), end)
        self.display = True
        editor.focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def close(self) -> None:
        self.display = False

    def action_send(self) -> None:
        if self.display:
            self.post_message(self.Send(self.text))

    def action_dismiss(self) -> None:
        self.post_message(self.Dismissed())

    @on(Button.Pressed, "#composer-send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#composer-dismiss")
    def _dismiss_pressed(self) -> None:
        self.action_dismiss()
