"""The lesson pane: the current lesson step in Markdown; hidden when no lesson runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown


class LessonPane(VerticalScroll):
    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Lesson"

    def compose(self) -> ComposeResult:
        yield Markdown("", id="lesson-text")

    has_text = False

    def on_mount(self) -> None:
        self.display = False

    def show_text(self, title: str, markdown: str) -> None:
        self.border_title = f"Lesson: {title}" if title else "Lesson"
        self.query_one(Markdown).update(markdown)
        self.has_text = True
        self.display = True
        self.scroll_home(animate=False)

    def clear(self) -> None:
        self.has_text = False
        self.display = False
