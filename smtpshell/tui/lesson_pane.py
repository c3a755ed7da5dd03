"""The lesson pane: the current lesson step in Markdown; hidden when no lesson runs. At the end of a lesson it
shows the summary until the learner closes it (F5, or /lesson stop)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from smtpshell.proto.visible_text import visible, visible_lines


class LessonPane(VerticalScroll):
    DEFAULT_CLASSES = "pane"
    BORDER_TITLE = "Lesson"

    def compose(self) -> ComposeResult:
        yield Markdown("", id="lesson-text")

    has_text = False

    def on_mount(self) -> None:
        self.display = False

    def show_text(self, title: str, markdown: str, *, at_last_heading: bool = False, keys: str = "") -> None:
        """Show ``markdown``, from its top, or from its last "##" heading (the current step, or the summary at the
        end of a lesson); ``keys`` (what the learner can do now) stays on the bottom border."""
        # A lesson file is anyone's text: an ESC in it would reach the terminal through the Markdown widget.
        title, markdown = visible(title), visible_lines(markdown)
        self.border_title = f"Lesson: {title}" if title else "Lesson"
        self.border_subtitle = keys
        self.has_text = True
        self.display = True
        self.run_worker(self._update(markdown, at_last_heading), group="lesson-text", exclusive=True)

    async def _update(self, markdown: str, at_last_heading: bool) -> None:
        self._at_last_heading = at_last_heading
        # Text added under the same step (a hint; the last line, the keys' reminder, moves below it) is what the
        # learner just asked for: show the end, not the top, or a hint under a long introduction stays out of view.
        before = self._markdown.rpartition("\n")[0]
        added_below = bool(before) and markdown.startswith(before) and markdown != self._markdown
        self._markdown = markdown
        await self.query_one(Markdown).update(markdown)
        if added_below:
            self.call_after_refresh(self.scroll_end, animate=False)
        else:
            self.call_after_refresh(self._scroll, at_last_heading)

    _at_last_heading = False
    _markdown = ""

    def on_resize(self) -> None:
        # A pane just shown (or a terminal resized) is laid out after the scroll above was asked for: again.
        self.call_after_refresh(self._scroll, self._at_last_heading)

    def _scroll(self, at_last_heading: bool) -> None:
        headings = self.query("MarkdownH2")  # by name: the class lives in a private module
        if at_last_heading and headings:
            self.scroll_to_widget(headings.last(), top=True, animate=False)
        else:
            self.scroll_home(animate=False)

    def clear(self) -> None:
        self.has_text = False
        self._markdown = ""
        self.display = False
