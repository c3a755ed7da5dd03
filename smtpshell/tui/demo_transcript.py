"""`smtpshell replay FILE`: a saved transcript shown again, exchange by exchange, each with its explanation.

Rule: nothing is sent and no socket is opened: the blocks and explanations come from the text alone (the
handout's reading of it), so a teacher can step through yesterday's session on a machine with no network.
"""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from smtpshell.handout.model import Handout, HandoutExchange, HandoutItem
from smtpshell.tui.explanation import render_explanation
from smtpshell.tui.highlighting import highlight, make_lexer, visible_controls
from smtpshell.tui.themes import DEFAULT_THEME, HIGH_CONTRAST, THEMES


class TranscriptReplayApp(App[int]):
    TITLE = "smtpshell replay"
    CSS = """
    #replay-title { dock: top; height: 1; padding: 0 1; background: $panel; }
    #replay-main { height: 1fr; }
    #replay-blocks { width: 1fr; border: round $border; border-title-color: $text-muted; padding: 0 1; }
    #replay-explanation { width: 45%; border: round $border; border-title-color: $text-muted; padding: 0 1; }
    #replay-main.-narrow { layout: vertical; }
    #replay-main.-narrow #replay-explanation { width: 1fr; }
    .replay-block { margin: 0 0 1 0; }
    .replay-block.-current { background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space,right", "next", "Next"),
        Binding("left,backspace", "previous", "Back"),
        Binding("ctrl+t", "toggle_contrast", "Contrast"),
        Binding("escape,q", "quit", "End"),
    ]

    def __init__(self, handout: Handout, *, theme: str | None = None) -> None:
        super().__init__()
        for extra in THEMES:
            self.register_theme(extra)
        self._start_theme = theme or DEFAULT_THEME
        self.handout = handout
        self.shown = 0  # how many items are on screen
        self._lexer = make_lexer("SMTPTranscriptLexer")

    def compose(self) -> ComposeResult:
        yield Static(escape(f"{self.handout.title} · {self.handout.subtitle}"), id="replay-title")
        with Horizontal(id="replay-main"):
            yield VerticalScroll(id="replay-blocks")
            with VerticalScroll(id="replay-explanation"):
                yield Static("Press Enter, Space or → for the first exchange.", id="replay-explanation-body")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self._start_theme if self._start_theme in self.available_themes else DEFAULT_THEME
        self.query_one("#replay-blocks").border_title = "Conversation (replayed: nothing is sent)"
        self.query_one("#replay-explanation").border_title = "Explanation"
        self._progress()

    def on_resize(self) -> None:
        self.query_one("#replay-main").set_class(self.size.width < 110, "-narrow")

    @property
    def items(self) -> list[HandoutItem]:
        return self.handout.items

    def current(self) -> HandoutExchange | None:
        for item in reversed(self.items[: self.shown]):
            if isinstance(item, HandoutExchange):
                return item
        return None

    def action_next(self) -> None:
        if self.shown >= len(self.items):
            self.notify("That was the last exchange. Esc or q ends the replay.", title="End of the transcript")
            return
        # Notes go up together with the exchange after them: one key, one reply.
        while self.shown < len(self.items):
            item = self.items[self.shown]
            self.shown += 1
            self._mount(item)
            if isinstance(item, HandoutExchange):
                break
        self._after_move()

    def action_previous(self) -> None:
        blocks = self.query(".replay-block")
        while self.shown > 0:
            self.shown -= 1
            blocks.last().remove()
            blocks = self.query(".replay-block")
            if self.shown == 0 or isinstance(self.items[self.shown - 1], HandoutExchange):
                break
        self._after_move()

    def _mount(self, item: HandoutItem) -> None:
        text = "\n".join(visible_controls(line) for line in item.lines)
        content = highlight(text, self._lexer) if isinstance(item, HandoutExchange) and item.is_session else text
        self.query_one("#replay-blocks").mount(Static(content, classes="replay-block"))

    def _after_move(self) -> None:
        for block in self.query(".replay-block"):
            block.remove_class("-current")
        blocks = self.query(".replay-block")
        if blocks:
            blocks.last().add_class("-current")
            self.query_one("#replay-blocks").scroll_end(animate=False)
        current = self.current()
        body = self.query_one("#replay-explanation-body", Static)
        if current is None or current.explanation is None:
            body.update("Press Enter, Space or → for the first exchange." if current is None else "")
        else:
            width = max(30, self.query_one("#replay-explanation").scrollable_content_region.width or 60)
            body.update(render_explanation(current.explanation, None, width))
        self._progress()

    def _progress(self) -> None:
        exchanges = self.handout.exchanges()
        seen = sum(1 for item in self.items[: self.shown] if isinstance(item, HandoutExchange))
        self.sub_title = f"{seen}/{len(exchanges)}"
        self.query_one("#replay-title", Static).update(
            escape(f"{self.handout.title} · exchange {seen} of {len(exchanges)} · Enter/Space/→ next, ← back, Esc ends")
        )

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST else HIGH_CONTRAST
