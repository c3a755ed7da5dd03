"""F1 help: what can be typed right now, what the focused part of the screen does, and the keys.

Rule: the help is built from the same tables the shell uses (the command table, the meta-command table, the
client's state), so it cannot drift from what the shell really accepts.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from smtpshell.meta_table import META_COMMANDS
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import COMMANDS
from smtpshell.tui.inline_markup import inline_markup

FOCUS_HELP = {
    "command": "You are on the **command line**. Type an SMTP command and press Enter; it goes to the server "
    "exactly as typed. **Tab** completes (each choice says what it means), **Up/Down** walk your history, "
    "**Alt+Up/Alt+Down** choose an earlier reply to explain, **PageUp/PageDown** scroll the conversation, "
    "**Shift+PageUp/PageDown** the explanation.",
    "transcript": "You are in the **conversation**. **Up/Down** (or a click) choose an exchange; the explanation "
    "pane explains its reply. `C:` lines are what your client sent, `S:` lines what the server answered; "
    "🔒 marks lines that travelled inside TLS.",
    "composer": "You are in the **message composer**. The server answered 354 and waits for the message: "
    "headers, an empty line, the body. **Ctrl+S** sends it and ends it with a line holding only `.`; "
    "**Escape** closes the composer so you can type the lines one by one.",
    "data": "The server is reading your **message**. Each line you type is a line of it; a line holding only "
    "`.` ends it.",
    "secret": "The shell is asking for a **secret** (a password). It is not shown and not kept in the history.",
    "mailbox": "You are in the **mailbox**: the messages the sandbox accepted. **Up/Down** choose a message; the "
    "tabs show its **envelope** (what MAIL FROM and RCPT TO said), its headers, its body and the raw text as "
    "stored. **R** reloads, **Escape** goes back to the conversation.",
}

NOT_CONNECTED = "Use `/sandbox` for the built-in server or `/connect HOST[:PORT]` for a real one."

KEYS = [
    ("F1", "this help"),
    ("PageUp / PageDown", "scroll the conversation"),
    ("Shift+PageUp / PageDown", "scroll the explanation"),
    ("F2", "presenter layout: the conversation takes the screen, the reply written large (F2 again: back)"),
    ("F3", "the mailbox: what the sandbox accepted"),
    ("F4", "the sandbox's side: each reply and its rule"),
    ("F5", "the lesson pane, while a lesson runs"),
    ("Ctrl+T", "high-contrast theme (projectors), on and off; remembered for the next launch"),
    ("Ctrl+P", "command palette: shell commands, themes"),
    ("Tab / Shift+Tab", "complete; go to the conversation and back"),
    ("Ctrl+Q", "quit"),
]
MAILBOX_KEYS = [
    ("F1", "this help"),
    ("Up / Down", "choose a message"),
    ("Left / Right", "the tabs, once the focus is on them (Tab)"),
    ("R", "reload: messages accepted since you opened it"),
    ("Escape / F3", "back to the conversation"),
    ("Ctrl+T", "high-contrast theme (projectors), on and off; remembered for the next launch"),
    ("Ctrl+Q", "quit"),
]


def _heading(text: str) -> Content:
    return Content(text).stylize("bold $text-primary")


def help_content(context: str, state: ClientState) -> Content:
    parts: list[Content] = [inline_markup(FOCUS_HELP.get(context, FOCUS_HELP["command"]))]
    verbs = [v for v in state.next_verbs() if v in COMMANDS]
    if context in ("command", "transcript") and verbs:
        parts += [Content(""), _heading("What makes sense now")]
        for verb in verbs:  # syntax on its line, summary under it: MAIL's syntax alone takes half of 80 columns
            parts += [Content(COMMANDS[verb].syntax).stylize("$text-accent"), Content("    " + COMMANDS[verb].summary)]
    elif context == "command" and not state.connected:
        parts += [Content(""), _heading("Not connected"), inline_markup(NOT_CONNECTED)]
    keys = MAILBOX_KEYS if context == "mailbox" else KEYS
    parts += [Content(""), _heading("Keys")]
    width = max(len(key) for key, _ in keys)
    parts += [Content.assemble((key.ljust(width), "bold $text-secondary"), "  ", does) for key, does in keys]
    parts += [Content(""), _heading("Shell commands"), Content("They start with / and never go to the server.")]
    for meta in META_COMMANDS.values():  # usage on its line, summary under it: readable at any width
        parts += [Content(meta.usage).stylize("$text-accent"), Content("    " + meta.summary)]
    return Content("\n").join(parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "app.pop_screen", "Close help")]

    def __init__(self, context: str, state: ClientState) -> None:
        super().__init__()
        self.content = help_content(context, state)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="pane"):
            yield Static(self.content)

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help (Escape closes)"
