"""The dashboard's table of sessions: one line per session, redrawn line by line as its session changes.

Rule: a class makes thousands of changes a minute; a change costs the one line it touches (Textual's line API,
each line's strip cached), never a redraw of the whole table, so the view keeps up with the feed.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

COLUMNS: tuple[tuple[str, int], ...] = (
    ("#", 5),
    ("student", 13),
    ("client", 22),
    ("state", 7),
    ("last command", 34),
    ("code", 5),
    ("msgs", 5),
    ("errors", 7),
    ("lesson", 26),
)
HEADER = Style(bold=True, underline=True)
CURSOR = Style(reverse=True)
CODE_STYLES = {"2": Style(color="green"), "3": Style(color="cyan"), "4": Style(color="yellow"), "5": Style(color="red")}


class SessionRows(ScrollView, can_focus=True):
    DEFAULT_CSS = "SessionRows { height: 1fr; }"
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "choose", "Follow"),
    ]

    class Chosen(Message):
        """Enter on a row: follow that session."""

        def __init__(self, session: int) -> None:
            super().__init__()
            self.session = session

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.order: list[int] = []
        self.cells: dict[int, list[str]] = {}
        self._strips: dict[int, Strip] = {}
        self.cursor = 0
        self._width = sum(width + 1 for _, width in COLUMNS)
        self.virtual_size = Size(self._width, 1)

    def cell(self, session: int, column: str) -> str:
        names = [name for name, _ in COLUMNS]
        return self.cells[session][names.index(column)]

    def set_row(self, session: int, texts: list[str]) -> None:
        """Show ``texts`` (one per column) for ``session``; only a changed row is drawn again."""
        if self.cells.get(session) == texts:
            return
        if session not in self.cells:
            self.order.append(session)
            self.virtual_size = Size(self._width, len(self.order) + 1)
        self.cells[session] = texts
        self._strips.pop(session, None)
        self._refresh_row(self.order.index(session) if len(self.order) < 2000 else len(self.order) - 1)

    def _refresh_row(self, index: int) -> None:
        y = index + 1 - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh_line(y)

    def _strip(self, session: int, selected: bool) -> Strip:
        cached = None if selected else self._strips.get(session)
        if cached is not None:
            return cached
        segments: list[Segment] = []
        for (name, width), text in zip(COLUMNS, self.cells[session], strict=True):
            shown = text if len(text) <= width else text[: width - 1] + "…"
            style = CODE_STYLES.get(text[:1]) if name == "code" else None
            if selected:
                style = CURSOR if style is None else style + CURSOR
            segments.append(Segment(shown.ljust(width) + " ", style))
        strip = Strip(segments, self._width)
        if not selected:
            self._strips[session] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            header = [Segment(name.ljust(width) + " ", HEADER) for name, width in COLUMNS]
            strip = Strip(header, self._width)
        else:
            index = y - 1 + scroll_y
            if index >= len(self.order):
                return Strip.blank(self.size.width)
            strip = self._strip(self.order[index], self.has_focus and index == self.cursor)
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, None)

    def action_move(self, step: int) -> None:
        if not self.order:
            return
        before = self.cursor
        self.cursor = max(0, min(len(self.order) - 1, self.cursor + step))
        self._refresh_row(before)
        self._refresh_row(self.cursor)
        if self.cursor + 1 >= self.scroll_offset.y + self.size.height:
            self.scroll_to(y=self.cursor + 2 - self.size.height, animate=False)
        elif self.cursor < self.scroll_offset.y:
            self.scroll_to(y=self.cursor, animate=False)

    def action_choose(self) -> None:
        if self.order:
            self.post_message(self.Chosen(self.order[self.cursor]))

    def selected(self) -> int | None:
        return self.order[self.cursor] if self.order else None

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
