"""The presenter's strip during a demo: the next line and the notes before it; Enter, Space or → takes a step.

Rule: the stepping is session/demo_run.py's; this widget only waits for the key (or the --auto timer), shows the
line being typed when asked, and hands each step to the app's engine queue so steps never overtake each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Static

from smtpshell.session.demo_run import DemoRun, Outcome
from smtpshell.tui.command_line import CommandLine

if TYPE_CHECKING:
    from smtpshell.tui.app import SMTPShellApp

TYPING_DELAY = 0.04  # seconds per character of the typing animation: readable, and a line takes about a second
KEYS = "Enter/Space/→ next · Esc ends"


class DemoPanel(Static, can_focus=True):
    DEFAULT_CSS = """
    DemoPanel {
        height: auto;
        max-height: 8;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        padding: 0 1;
        background: $surface;
    }
    DemoPanel:focus { border: double $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space,right", "next", "Next line", priority=True),
        Binding("escape", "end", "End demo", priority=True),
    ]

    def __init__(self, run: DemoRun, shell: SMTPShellApp) -> None:
        super().__init__(id="demo-panel")
        self.run = run
        self.shell = shell
        self.busy = False
        self._auto: Timer | None = None
        self.border_title = f"Demo: {run.source}"

    def on_mount(self) -> None:
        self.focus()
        self._show()
        self._schedule()

    def _show(self, last: str = "") -> None:
        notes, step = self.run.upcoming()
        lines = [f"[i]{escape(note)}[/i]" for note in notes[-3:]]
        if step is not None:
            lines.append(f"[b]Next ({self.run.sent + 1}/{self.run.sends}):[/b] {escape(step.text) or '(empty line)'}")
        elif last:
            lines.append(last)
        auto = f" · every {self.run.settings.auto:g} s" if self.run.settings.auto else ""
        lines.append(f"[dim]{KEYS}{auto}[/dim]")
        self.update("\n".join(lines))

    def _schedule(self) -> None:
        if self.run.settings.auto and not self.run.finished:
            self._auto = self.set_timer(self.run.settings.auto, self.action_next)

    def action_next(self) -> None:
        if self.busy or self.run.finished:
            return
        if self._auto is not None:
            self._auto.stop()
            self._auto = None
        self.busy = True
        _, step = self.run.upcoming()
        if self.run.settings.typing and step is not None and step.text:
            self._type(step.text, 1)
        else:
            self.shell.submit(self._step)

    def _type(self, text: str, shown: int) -> None:
        """The line appears on the command line a character at a time, then goes out."""
        self.shell.put_on_command_line(text[:shown])
        self.focus()  # the command line took it: the keys stay the presenter's
        if shown < len(text):
            self.set_timer(TYPING_DELAY, lambda: self._type(text, shown + 1))
        else:
            self.set_timer(TYPING_DELAY * 5, lambda: self.shell.submit(self._step))

    async def _step(self) -> None:
        engine = self.shell.engine
        if self.run.settings.typing:
            self.shell.put_on_command_line("")
            self.focus()
        async with engine.lock:
            outcome = await self.run.advance(engine)
        self._after(outcome)

    def _after(self, outcome: Outcome) -> None:
        self.busy = False
        if self.run.explain_requested:
            pane = self.shell.query_one("#explanation")
            if not pane.display:
                self.shell.action_toggle_pane("explanation")
        if outcome == "finished":
            self.shell.notify(f"All {self.run.sends} line(s) of {self.run.source} were sent.", title="Demo finished")
            self._close()
            return
        if outcome == "stopped":
            self._close()  # the engine has said why, once
            return
        self._show()
        if outcome == "sent":
            self._schedule()  # after a "# pause", --auto waits for the presenter's key

    def action_end(self) -> None:
        if not self.run.finished:
            self.run.stop("ended by the presenter")
            self.shell.notify(
                f"Ended after {self.run.sent} of {self.run.sends} line(s).", title="Demo ended", timeout=4
            )
        self._close()

    def _close(self) -> None:
        if self._auto is not None:
            self._auto.stop()
        self.remove()
        self.shell.query_one(CommandLine).input.focus()


def start_demo(shell: SMTPShellApp, run: DemoRun) -> None:
    """Show the panel above the command line; any panel of an earlier demo goes first."""

    def mount() -> None:
        for old in shell.main_screen.query(DemoPanel):
            old.run.stop("another demo started")
            old.remove()
        shell.main_screen.mount(DemoPanel(run, shell), before="#composer")

    shell.call_later(mount)
