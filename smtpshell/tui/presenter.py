"""The presenter layout (F2): the conversation takes the whole screen and the reply being explained is written
large under it, so a room reads it at 80×24 from the back of the class.

Rule: a mode of the main screen (the class -presenter): the side panes step aside and come back as they were.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import App
from textual.widgets import Static

from smtpshell.explain.render import first_sentence
from smtpshell.session.records import Exchange, Notice

PRESENTER_CSS = """
Screen.-presenter #side { display: none; }
Screen.-presenter #transcript { border: none; padding: 0; }
Screen.-presenter #command-line { border: none; height: 1; }
PresenterBar { display: none; height: auto; max-height: 4; padding: 0 1; background: $primary; color: $background;
  text-style: bold; }
Screen.-presenter PresenterBar { display: block; }
"""


class PresenterBar(Static):
    """The selected reply's code and headline, and the first sentence of what it means, in reverse and bold."""

    def __init__(self) -> None:
        super().__init__(id="presenter-bar")

    def on_mount(self) -> None:
        from smtpshell.tui.transcript import Transcript

        transcript = self.app.query_one(Transcript)
        self.watch(transcript, "highlighted", lambda _: self.show(transcript.selected_record()), init=True)

    def show(self, record: Any) -> None:
        explanation = record.explanation if isinstance(record, Exchange | Notice) else None
        if explanation is None:
            self.update("F2: back to the explanation pane")
            return
        code = " ".join(str(part) for part in (explanation.code, explanation.enhanced) if part)
        meaning = first_sentence(explanation.meaning) if explanation.meaning else ""
        self.update(escape(f"{code} {explanation.headline}".strip()) + (f"\n{escape(meaning)}" if meaning else ""))


def toggle_presenter(app: App[Any]) -> bool:
    """Enter or leave the presenter layout; True when it is on."""
    screen = app.screen_stack[0] if app.screen_stack else app.screen
    on = not screen.has_class("-presenter")
    if on and not screen.query(PresenterBar):
        screen.mount(PresenterBar(), before="#command-line")
    screen.set_class(on, "-presenter")
    app.refresh_bindings()
    return on
