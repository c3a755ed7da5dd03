"""The completion menu: the engine's candidates, each with its one-line meaning, floating by the cursor.

Rule: the menu never takes the focus and nothing in it is chosen until the learner moves into it (Down, Up or
Tab); only then does Enter take the chosen entry instead of sending the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.geometry import Offset, Region, Spacing
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from smtpshell.tui.highlighting import visible_controls

if TYPE_CHECKING:
    from smtpshell.session.completion import Completion

MENU_ROWS = 10  # options visible at once; the CSS caps the height to the same (plus the border)
MEANING_WIDTH = 60  # a meaning longer than this is cut with an ellipsis so the menu stays beside the cursor
MENU_FRAME = 2  # the border, left and right
MEANING_GAP = 2  # between a candidate and its meaning


def menu_rows(completions: Sequence[Completion], room: int) -> tuple[list[Content], int]:
    """Each candidate with its meaning cut to fit ``room`` columns, and the menu's width with its border."""
    if not completions:
        return [], 0
    # A candidate from the history may hold a control character (an ESC typed in raw mode): shown as its picture.
    displays = [visible_controls(c.display) for c in completions]
    width = max(len(display) for display in displays)
    scrollbar = 1 if len(completions) > MENU_ROWS else 0
    # When only a few letters of meaning would be left (a very narrow terminal), the candidates go alone.
    limit = min(MEANING_WIDTH, room - MENU_FRAME - scrollbar - width - MEANING_GAP)
    rows = []
    for completion, display in zip(completions, displays, strict=True):
        meaning = visible_controls(completion.meaning) if limit >= 8 else ""
        if len(meaning) > limit:
            meaning = meaning[: limit - 1].rstrip() + "…"
        row = Content(display).stylize("bold")
        if meaning:
            padded = row.pad_right(width - len(display) + MEANING_GAP)
            row = Content.assemble(padded, (meaning, "$text-muted"))
        rows.append(row)
    return rows, max(row.cell_length for row in rows) + scrollbar + MENU_FRAME


class CompletionMenu(OptionList, can_focus=False):
    """Shown under the cursor (above it when the line is at the bottom of the screen)."""

    DEFAULT_CSS = """
    CompletionMenu {
        overlay: screen;
        display: none;
        width: auto;
        height: auto;
        max-height: 12;
        max-width: 100vw;
        border: round $primary;
        background: $surface;
        padding: 0;
        text-wrap: nowrap;
        scrollbar-size-vertical: 1;
    }
    """

    class Chosen(Message):
        """An entry was clicked."""

        def __init__(self, completion: Completion) -> None:
            super().__init__()
            self.completion = completion

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.completions: list[Completion] = []
        self._shown: tuple[tuple[str, str], ...] = ()
        self._width = 0

    @property
    def is_open(self) -> bool:
        return bool(self.display) and bool(self.completions)

    def show(self, completions: Sequence[Completion], room: int) -> None:
        """Offer ``completions`` (none chosen yet); an unchanged list is left as it is (a rebuild costs a layout)."""
        self.completions = list(completions)  # the same rows may stand for another cursor position
        key = (*((c.display, c.meaning) for c in completions), ("", str(room)))
        if key != self._shown or not self.display:
            self._shown = key
            rows, self._width = menu_rows(self.completions, room)
            self.clear_options()
            self.add_options([Option(row) for row in rows])
        self.highlighted = None
        self.display = bool(self.completions)

    def hide(self) -> None:
        self.display = False
        self.highlighted = None

    @property
    def chosen(self) -> Completion | None:
        """The entry the learner moved to, if any."""
        index = self.highlighted
        if not self.is_open or index is None or not 0 <= index < len(self.completions):
            return None
        return self.completions[index]

    def move(self, delta: int) -> None:
        count = len(self.completions)
        if not count:
            return
        if self.highlighted is None:
            self.highlighted = 0 if delta > 0 else count - 1
        else:
            self.highlighted = (self.highlighted + delta) % count

    def place(self, cursor: Offset, screen: Region) -> None:
        """Put the menu's top-left corner under the cursor, or above it when there is no room below."""
        height = min(len(self.completions), MENU_ROWS) + 2
        width = self._width or self.outer_size.width
        x, y = cursor
        top = y + 1 if y + 1 + height <= screen.bottom else y - height
        x, top, _, _ = Region(x - 1, top, width, height).constrain("inside", "none", Spacing.all(0), screen)
        offset = Offset(x, top)
        if self.absolute_offset != offset:
            self.absolute_offset = offset  # the documented way to float a widget (Textual's tooltips do it)
            self.refresh(layout=True)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.completions):
            self.post_message(self.Chosen(self.completions[event.option_index]))
