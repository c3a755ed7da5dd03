"""The command line: what is typed is highlighted as it is typed, a menu offers the engine's candidates (each with
its one-line meaning), Tab completes, Up/Down walk the history.

Rules: every key is handled in the order it was typed, by the input itself, so a burst of keys (a fast typist,
tmux send-keys, a paste without bracketing) edits and sends exactly what was typed: each Enter sends the line
before it, once. Enter sends the line as typed, unless the learner moved into the menu to choose an entry.
A pasted block of several lines stays on the line until Enter sends it whole (the engine pipelines it).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Offset
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import COMMANDS
from smtpshell.tui.completion_menu import CompletionMenu
from smtpshell.tui.highlighting import ThemeHighlighter, visible_controls

if TYPE_CHECKING:
    from smtpshell.session.completion import Completion

CompletionSource = Callable[[str], Sequence["Completion"]]
MENU_DELAY = 0.05  # seconds of pause in typing before the menu follows the line (a fast typist types ~10 keys/s)
HintSource = Callable[[str], str]

PLACEHOLDERS = {
    "command": "an SMTP command (try EHLO me) or /help — Tab completes, F1 helps",
    "data": "a line of the message; a line holding only . ends it",
    "secret": "typed without echo",
}
AUTH_PLACEHOLDER = "one base64 line answers the server's 334; * gives up"
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def command_placeholder(state: ClientState, connected: bool, lesson_step: str | None = None) -> str:
    """What the empty command line suggests now: the lesson step's command, unless it is an SMTP command and there
    is no connection (after Ctrl+C abandoned a message it would go nowhere); else what the session expects."""
    code = _CODE_SPAN.search(lesson_step) if lesson_step is not None else None
    if code is not None and (connected or code.group(1).startswith("/")):
        return f"the step says: {code.group(1)} — /hint helps, Tab completes"
    if not connected:
        return "not connected: /sandbox for the sandbox, /connect HOST for a server — F1 helps"
    verbs = [verb for verb in state.next_verbs() if verb in COMMANDS]
    if not verbs:
        return PLACEHOLDERS["command"]
    shown = " · ".join(COMMANDS[verb].syntax.split(" [")[0] for verb in verbs[:2])
    return f"next: {shown} — Tab completes, F1 helps"


# Enter; and a line feed: keys typed while the shell starts, before the terminal is in raw mode, end in LF.
SUBMIT_KEYS = ("enter", "ctrl+j")

# Input's own editing keys, run here as they arrive rather than by the app once the key has bubbled up to it:
# by then the keys typed after them would already be in the line. Enter is ours; Ctrl+C is the app's.
_OWN_KEYS = {"enter", "ctrl+c", "super+c"}
EDITING_KEYS: dict[str, str] = {
    key.strip(): binding.action
    for binding in Input.BINDINGS
    if isinstance(binding, Binding)
    for key in binding.key.split(",")
    if key.strip() not in _OWN_KEYS
}


def applied(text: str, cursor: int, completion: Completion) -> tuple[str, int]:
    """The line and the cursor after taking ``completion`` at ``cursor``."""
    start = max(0, cursor + completion.start_position)
    return text[:start] + completion.text + text[cursor:], start + len(completion.text)


def changes_something(text: str, cursor: int, completion: Completion) -> bool:
    return applied(text, cursor, completion)[0] != text


def block_summary(text: str) -> str:
    count = text.count("\n") + 1
    return f"{count} lines pasted · Enter sends all {count} (as one group where PIPELINING is offered)"


class CommandInput(Input):
    """An Input with SMTP highlighting, a history, the completion menu and its keys."""

    class Entered(Message):
        """Enter: ``line`` is what was on the command line (several lines for a pasted block)."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Hint(Message):
        """A one-line note about the line (why Tab found nothing, a pasted block); empty clears it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, source: CompletionSource, hint: HintSource, *, id: str | None = None) -> None:
        self.theme_highlighter = ThemeHighlighter("SMTPCommandLexer")
        super().__init__(
            placeholder=PLACEHOLDERS["command"], highlighter=self.theme_highlighter, id=id, select_on_focus=False
        )
        self.source = source
        self.hint = hint
        self.mode = "command"
        self.menu = CompletionMenu()
        self.history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self._typing = False  # the last change came from the keyboard: the menu may open
        self._menu_timer: Timer | None = None
        self._changed_at = 0.0
        self.menu_settled = asyncio.Event()  # set when the menu shows the line as it is (tests wait on it)
        self.menu_settled.set()
        self._hint_shown = False

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

    # ---- history ----------------------------------------------------------------------------------------

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
        self._typing = False
        if index >= len(self.history):
            self._history_index = None
            self.value = self._draft
        else:
            self._history_index = max(0, index)
            self.value = self.history[self._history_index]
        self.cursor_position = len(self.value)

    def put(self, text: str) -> None:
        """Place text on the line, unsent, with no menu over it."""
        self._typing = False
        self.menu.hide()
        self.value = text
        self.cursor_position = len(text)
        self._say(block_summary(text) if "\n" in text else "")

    # ---- keys -------------------------------------------------------------------------------------------

    async def on_key(self, event: events.Key) -> None:
        key = event.key
        menu = self.menu
        if key in ("tab", "up", "down"):
            self.flush_menu()  # they act on the menu: it must show the line as it is
        if key in SUBMIT_KEYS:
            self._stop(event)
            chosen = menu.chosen
            if chosen is not None:
                self._take(chosen)
            else:
                self._enter()
        elif key == "tab" and not self.password:
            self._stop(event)
            self._tab()
        elif key in ("up", "down"):
            self._stop(event)
            step = -1 if key == "up" else 1
            if menu.is_open:
                menu.move(step)
            elif not self.password:
                self.history_step(step)
        elif key == "escape" and menu.is_open:
            self._stop(event)
            self._typing = False
            menu.hide()
        else:
            self._typing = True
            action = EDITING_KEYS.get(key)
            if action is not None:
                self._stop(event)
                await self.run_action(action)

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.prevent_default()
        event.stop()

    def on_paste(self, event: events.Paste) -> None:
        # Input keeps only a paste's first line; a block of commands (lesson 10 pastes five) is kept whole, shown
        # with a picture for each line break, and Enter sends it.
        event.prevent_default()
        event.stop()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        if self.password:
            text = text.partition("\n")[0]
        if not text:
            return
        self._typing = "\n" not in text
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
        if "\n" in self.value:
            self.menu.hide()
            self._say(block_summary(self.value))

    def _enter(self) -> None:
        line = self.value
        if self.mode == "command":
            self.remember(line)
        self._history_index = None
        self._typing = False
        self.menu.hide()
        self.value = ""  # now, before the next key typed is read
        self._say("")
        self.post_message(self.Entered(line))

    def _tab(self) -> None:
        menu = self.menu
        if menu.is_open:
            self._take(menu.chosen or menu.completions[0])
            return
        text, cursor = self.value, self.cursor_position
        completions = self._fetch(text[:cursor])
        useful = [c for c in completions if changes_something(text, cursor, c)]
        if len(completions) == 1 and useful:
            self._take(useful[0])
        elif len(completions) > 1:
            self._open(completions)
        else:
            self._say("Tab: " + self._why_nothing(text[:cursor]))

    def _take(self, completion: Completion) -> None:
        self._typing = True  # what may follow is offered at once (MAIL -> FROM:< -> the addresses)
        value, cursor = applied(self.value, self.cursor_position, completion)
        self.value = value
        self.cursor_position = cursor
        self.menu.hide()

    # ---- the menu ---------------------------------------------------------------------------------------

    def watch_value(self) -> None:
        if self._hint_shown and "\n" not in self.value:
            self._say("")
        self._schedule_menu()

    def watch_cursor_position(self) -> None:
        self._schedule_menu()

    def _schedule_menu(self) -> None:
        # Debounced: the menu follows the line once typing pauses (MENU_DELAY), so a fast typist or a burst of
        # keys costs one completion and one redraw of the menu, not one per key. Tab, Up/Down and Enter bring it
        # up to date first (flush_menu).
        if not self.is_mounted:
            return
        self.menu_settled.clear()
        self._changed_at = time.monotonic()
        if self._menu_timer is None:  # one timer per pause, not one per key
            self._menu_timer = self.set_timer(MENU_DELAY, self._menu_due)

    def _menu_due(self) -> None:
        self._menu_timer = None
        waited = time.monotonic() - self._changed_at
        if waited < MENU_DELAY:  # typing went on meanwhile
            self._menu_timer = self.set_timer(MENU_DELAY - waited, self._menu_due)
        else:
            self._update_menu()

    def flush_menu(self) -> None:
        """Bring the menu up to date now if typing left it behind."""
        if not self.menu_settled.is_set():
            self._update_menu()

    def _update_menu(self) -> None:
        if self._menu_timer is not None:
            self._menu_timer.stop()
            self._menu_timer = None
        self.menu_settled.set()
        text, cursor = self.value, self.cursor_position
        if not self._typing or not self.has_focus or self.password or not text[:cursor].strip() or "\n" in text:
            self.menu.hide()
            return
        completions = self._fetch(text[:cursor])
        if len(completions) == 1 and not changes_something(text, cursor, completions[0]):
            completions = []  # the only candidate is what is typed already
        if completions:
            self._open(completions)
        else:
            self.menu.hide()

    def _open(self, completions: Sequence[Completion]) -> None:
        menu = self.menu
        menu.show(completions, self._room())
        # Anchored where the word being completed starts, as editors do: typing on within the word does not
        # move the menu (each move costs a layout of the whole screen).
        x, y = self.cursor_screen_offset
        start = min((c.start_position for c in completions), default=0)
        menu.place(Offset(x + start, y), self.screen.scrollable_content_region)

    def _room(self) -> int:
        return self.screen.scrollable_content_region.width or self.app.size.width

    def _fetch(self, text: str) -> list[Completion]:
        if self.mode != "command":
            return []
        try:
            return list(self.source(text))
        except Exception as error:  # typing must go on; the error is logged, and shown when debugging
            self._report("completion", error)
            return []

    def _why_nothing(self, text: str) -> str:
        try:
            return self.hint(text)
        except Exception as error:
            self._report("the completion hint", error)
            return "nothing to complete here"

    def _report(self, what: str, error: Exception) -> None:
        self.log.error(f"{what} failed for {self.value!r}: {error!r}")
        if self.app.debug:
            self.notify(f"{what} failed: {error!r}", title="Debug", severity="error")

    def _say(self, text: str) -> None:
        self._hint_shown = bool(text)
        self.post_message(self.Hint(text))

    @on(CompletionMenu.Chosen)
    def _clicked(self, event: CompletionMenu.Chosen) -> None:
        self._take(event.completion)
        self.focus()


class CommandLine(Horizontal):
    """The prompt and the input; posts Submitted with each line (empty lines too: they matter in DATA)."""

    class Submitted(Message):
        def __init__(self, line: str, mode: str) -> None:
            super().__init__()
            self.line = line
            self.mode = mode

    def __init__(self, source: CompletionSource, hint: HintSource | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.hint_source: HintSource = hint or (lambda text: "nothing to complete here")
        self.mode = "command"
        self.prompt = "smtp> "

    def compose(self) -> ComposeResult:
        yield Label("smtp> ", id="prompt")
        command_input = CommandInput(self.source, self.hint_source, id="command-input")
        yield command_input
        yield command_input.menu

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
        command_input.mode = mode
        command_input.password = mode == "secret"
        if mode != "command" or prompt.startswith("auth"):
            command_input.placeholder = AUTH_PLACEHOLDER if prompt.startswith("auth") else PLACEHOLDERS.get(mode, "")
        command_input.theme_highlighter.enabled = mode == "command"
        if mode != "command":
            command_input.menu.hide()

    def suggest(self, placeholder: str) -> None:
        """The command-mode placeholder (it follows the session and the lesson)."""
        if self.mode == "command" and not self.prompt.startswith("auth"):
            self.input.placeholder = placeholder

    def set_theme_variables(self, variables: dict[str, str]) -> None:
        self.input.theme_highlighter.set_theme(variables)
        self.input.refresh()

    def put(self, text: str) -> None:
        """Place text on the line, unsent (/showme, the palette)."""
        command_input = self.input
        command_input.put(text)
        command_input.focus()

    @on(CommandInput.Entered)
    def _entered(self, event: CommandInput.Entered) -> None:
        event.stop()
        self.post_message(self.Submitted(event.line, self.mode))

    @on(CommandInput.Hint)
    def _hint(self, event: CommandInput.Hint) -> None:
        event.stop()
        self.border_subtitle = event.text
