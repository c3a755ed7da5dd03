"""The command line: what is typed is highlighted as it is typed, Tab completes from the engine's candidates (each
with its one-line meaning), Up/Down walk the history.

Rule: Enter always sends the line exactly as typed; only Tab (or a click in the dropdown) completes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import NoScreen
from textual.geometry import Offset, Region, Spacing
from textual.message import Message
from textual.widgets import Input, Label
from textual_autocomplete import AutoComplete, DropdownItem, TargetState

from smtpshell.tui.highlighting import ThemeHighlighter, make_lexer, visible_controls

if TYPE_CHECKING:
    from smtpshell.session.completion import Completion

CompletionSource = Callable[[str], Sequence["Completion"]]
DROPDOWN_ROWS = 10  # options visible at once; the CSS gives AutoComplete the same height
MEANING_WIDTH = 60  # a meaning longer than this is cut with an ellipsis so the dropdown stays beside the cursor
DROPDOWN_FRAME = 2  # the dropdown's border, left and right
MEANING_GAP = 2  # between a candidate and its meaning

PLACEHOLDERS = {
    "command": "an SMTP command (try EHLO me) or /help — Tab completes, F1 helps",
    "data": "a line of the message; a line holding only . ends it",
    "secret": "typed without echo",
}
AUTH_PLACEHOLDER = "one base64 line answers the server's 334; * gives up"


class CompletionDropdown(AutoComplete):
    """The engine's candidates, already filtered and ordered by it; shown above the cursor when it is low."""

    def __init__(self, target: Input, source: CompletionSource) -> None:
        super().__init__(target, candidates=None, prevent_default_enter=False, prevent_default_tab=False)
        self.source = source
        self._by_value: dict[str, Completion] = {}
        self._shown_key: tuple[tuple[str, str], ...] | None = None
        self._width = 0  # the dropdown's width for the options shown, border included

    # Keys are handled by CommandInput.on_key (before this hears of them); here only text changes matter.
    def _listen_to_messages(self, event: events.Event) -> None:
        if isinstance(event, Input.Changed):
            self._handle_target_update()

    def _rebuild_options(self, target_state: TargetState, search_string: str) -> None:
        # Each keystroke asks twice (text and cursor change); rebuilding an unchanged list costs a layout.
        completions = self._fetch(target_state) if self.target.has_focus else []
        items = self._items(completions)  # also maps each shown row to its completion for this cursor position
        key = (*((c.display, c.meaning) for c in completions), ("", str(self._room())))
        if key == self._shown_key:
            return
        self._shown_key = key
        option_list = self.option_list
        option_list.clear_options()
        if items:
            option_list.add_options(items)
            option_list.highlighted = 0

    def _fetch(self, target_state: TargetState) -> list[Completion]:
        try:
            return list(self.source(target_state.text[: target_state.cursor_position]))
        except Exception:  # completion must never break typing
            return []

    def action_show(self) -> None:
        if not self.display:
            super().action_show()

    def action_hide(self) -> None:
        if self.display:
            super().action_hide()

    def get_candidates(self, target_state: TargetState) -> list[DropdownItem]:
        return self._items(self._fetch(target_state))

    def _room(self) -> int:
        """The columns the dropdown may take: the whole width of the screen, at most."""
        try:
            return self.screen.scrollable_content_region.width or self.app.size.width
        except NoScreen:  # not mounted yet
            return self.app.size.width

    def _items(self, completions: list[Completion]) -> list[DropdownItem]:
        self._by_value = {}
        if not completions:
            self._width = 0
            return []
        width = max(len(c.display) for c in completions)
        scrollbar = 1 if len(completions) > DROPDOWN_ROWS else 0
        # Long meanings are cut with an ellipsis so that the whole dropdown fits on the screen; when only a few
        # letters would be left (a very narrow terminal), the candidates go alone.
        limit = min(MEANING_WIDTH, self._room() - DROPDOWN_FRAME - scrollbar - width - MEANING_GAP)
        items = []
        longest = 0
        for completion in completions:
            meaning = completion.meaning if limit >= 8 else ""
            if len(meaning) > limit:
                meaning = meaning[: limit - 1].rstrip() + "…"
            main = Content(completion.display).stylize("bold")
            if meaning:
                main = Content.assemble(
                    main.pad_right(width - len(completion.display) + MEANING_GAP), (meaning, "$text-muted")
                )
            self._by_value[main.plain] = completion
            longest = max(longest, main.cell_length)
            items.append(DropdownItem(main=main))
        self._width = longest + scrollbar + DROPDOWN_FRAME
        return items

    def get_matches(
        self, target_state: TargetState, candidates: list[DropdownItem], search_string: str
    ) -> list[DropdownItem]:
        return candidates

    def should_show_dropdown(self, search_string: str) -> bool:
        count = self.option_list.option_count
        if not search_string.strip() or count == 0:
            return False
        if count == 1:
            only = next(iter(self._by_value.values()), None)
            if only is not None:
                start = len(search_string) + only.start_position
                return search_string[max(0, start) :] != only.text
        return True

    def apply_completion(self, value: str, state: TargetState) -> None:
        completion = self._by_value.get(value)
        if completion is None:
            return
        cursor = state.cursor_position
        start = max(0, cursor + completion.start_position)
        target = self.target
        target.value = state.text[:start] + completion.text + state.text[cursor:]
        target.cursor_position = start + len(completion.text)

    def post_completion(self) -> None:
        # Offer what may follow (MAIL -> FROM:<): the dropdown stays while there is something to choose.
        self._handle_target_update()

    def show_now(self) -> None:
        """Tab on a line with nothing typed yet: show every candidate."""
        state = self._get_target_state()
        self._shown_key = None
        self._rebuild_options(state, state.text[: state.cursor_position])
        self._align_to_target()
        if self.option_list.option_count:
            self.action_show()

    def move(self, delta: int) -> None:
        options = self.option_list
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + delta) % options.option_count

    def complete_highlighted(self) -> None:
        self._complete(self.option_list.highlighted or 0)

    def _align_to_target(self) -> None:
        x, y = self.target.cursor_screen_offset
        # The width of the options just built: the list's own size is the previous layout's until the next one.
        width = self._width or self.option_list.outer_size.width
        # The list may not be laid out yet: its height follows from the options (the CSS caps it, plus a border).
        height = min(self.option_list.option_count, DROPDOWN_ROWS) + 2
        screen = self.screen.scrollable_content_region
        top = y + 1 if y + 1 + height <= screen.bottom else y - height  # above the line when it is at the bottom
        x, top, _, _ = Region(x - 1, top, width, height).constrain("inside", "none", Spacing.all(0), screen)
        offset = Offset(x, top)
        if self.absolute_offset != offset:
            self.absolute_offset = offset


class CommandInput(Input):
    """An Input with SMTP highlighting, a history and the completion keys."""

    def __init__(self, *, id: str | None = None) -> None:
        self.theme_highlighter = ThemeHighlighter(make_lexer("SMTPCommandLexer"))
        super().__init__(
            placeholder=PLACEHOLDERS["command"], highlighter=self.theme_highlighter, id=id, select_on_focus=False
        )
        self.history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self.dropdown: CompletionDropdown | None = None

    @property
    def _value(self) -> Text:
        # Input draws its value through Rich, which drops a CR: /showme's message line for lesson 14 would look
        # shorter than it is and the cursor would drift. Each control character is drawn as its picture instead.
        if self.password or not any(ord(char) < 0x20 or char == "\x7f" for char in self.value):
            return super()._value
        text = Text(visible_controls(self.value), no_wrap=True, overflow="ignore", end="")
        if self.highlighter is not None:
            text = self.highlighter(text)
        return text

    def remember(self, line: str) -> None:
        if line.strip() and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._history_index = None

    def history_step(self, delta: int) -> None:
        if not self.history:
            return
        if self._history_index is None:
            if delta > 0:
                return
            self._draft = self.value
            index = len(self.history) - 1
        else:
            index = self._history_index + delta
        if index >= len(self.history):
            self._history_index = None
            self.value = self._draft
        else:
            self._history_index = max(0, index)
            self.value = self.history[self._history_index]
        self.cursor_position = len(self.value)

    async def on_key(self, event: events.Key) -> None:
        dropdown = self.dropdown
        shown = dropdown is not None and bool(dropdown.display) and dropdown.option_list.option_count > 0
        if event.key == "tab" and dropdown is not None and not self.password:
            if shown:
                dropdown.complete_highlighted()
            else:
                dropdown.show_now()
                if dropdown.option_list.option_count == 1:
                    dropdown.complete_highlighted()
                elif not dropdown.display:
                    return  # nothing to complete: Tab moves the focus as usual
            event.prevent_default()
            event.stop()
        elif event.key in ("up", "down"):
            event.prevent_default()
            event.stop()
            step = -1 if event.key == "up" else 1
            if shown and dropdown is not None:
                dropdown.move(step)
            elif not self.password:
                self.history_step(step)
        elif event.key == "escape" and shown and dropdown is not None:
            dropdown.action_hide()
            event.prevent_default()
            event.stop()
        elif event.key == "enter" and dropdown is not None:
            dropdown.action_hide()


class CommandLine(Horizontal):
    """The prompt and the input; posts Submitted with each line (empty lines too: they matter in DATA)."""

    class Submitted(Message):
        def __init__(self, line: str, mode: str) -> None:
            super().__init__()
            self.line = line
            self.mode = mode

    def __init__(self, source: CompletionSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.mode = "command"
        self.prompt = "smtp> "

    def compose(self) -> ComposeResult:
        yield Label("smtp> ", id="prompt")
        command_input = CommandInput(id="command-input")
        dropdown = CompletionDropdown(command_input, self._candidates)
        command_input.dropdown = dropdown
        yield command_input
        yield dropdown

    def _candidates(self, text: str) -> Sequence[Completion]:
        if self.mode != "command":
            return []
        return self.source(text)

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    def set_mode(self, mode: str, prompt: str) -> None:
        self.mode = mode
        self.prompt = prompt
        self.query_one("#prompt", Label).update(prompt)
        self.set_class(mode == "data", "-data")
        self.set_class(mode == "secret", "-secret")
        command_input = self.input
        command_input.password = mode == "secret"
        command_input.placeholder = AUTH_PLACEHOLDER if prompt.startswith("auth") else PLACEHOLDERS.get(mode, "")
        command_input.theme_highlighter.lexer = make_lexer("SMTPCommandLexer") if mode == "command" else None

    def set_theme_variables(self, variables: dict[str, str]) -> None:
        self.input.theme_highlighter.set_theme(variables)
        self.input.refresh()

    def put(self, text: str) -> None:
        """Place text on the line, unsent (/showme, the palette)."""
        command_input = self.input
        command_input.value = text
        command_input.cursor_position = len(text)
        command_input.focus()

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value
        if self.mode == "command":
            self.input.remember(line)
        self.input.value = ""
        self.post_message(self.Submitted(line, self.mode))
