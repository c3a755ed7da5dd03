"""smtpshell's full-screen face: it lays out the panes, forwards what is typed to the engine and renders what
the engine reports.

Rule: the engine decides everything; the app only shows records and sends lines. Engine work runs in one worker,
in the order the lines were typed, so the screen never waits on the network and lines never overtake each other.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Input, OptionList, TextArea

from smtpshell.meta_table import META_PREFIX, MetaCommand
from smtpshell.proto.visible_text import visible, visible_lines
from smtpshell.session.lab_commands import take_composer_text
from smtpshell.session.records import ConnectionChange, Exchange, Notice, Record
from smtpshell.session.visible_records import visible_record
from smtpshell.tui.command_line import CommandLine, command_placeholder
from smtpshell.tui.composer import Composer
from smtpshell.tui.explanation import ExplanationPane
from smtpshell.tui.key_bar import KeyBar
from smtpshell.tui.lesson_pane import LessonPane
from smtpshell.tui.palette import MetaCommandProvider
from smtpshell.tui.presenter import PRESENTER_CSS, toggle_presenter
from smtpshell.tui.server_view import ServerView
from smtpshell.tui.status_bar import StatusBar
from smtpshell.tui.theme_memory import follow_theme, remembered_theme
from smtpshell.tui.themes import DEFAULT_THEME, HIGH_CONTRAST, HIGH_CONTRAST_CSS, THEMES
from smtpshell.tui.transcript import Transcript

if TYPE_CHECKING:
    from smtpshell.proto.policy import SandboxPolicy
    from smtpshell.session.demo_run import DemoRun
    from smtpshell.session.engine import ShellEngine, Target

NARROW_WIDTH = 110  # below this the explanation goes under the conversation instead of beside it
# They act on the panes (or the command line) of the main screen: on the mailbox they would act unseen.
MAIN_SCREEN_ACTIONS = {
    "toggle_pane",
    "scroll_explanation",
    "scroll_conversation",
    "step_selection",
    "cancel",
    "presenter",
}
BY_HAND = "the step wants it typed: a line, Enter, … a line of only . ends it"
LESSON_KEYS = "/hint · /showme · F5 hides"
LESSON_DONE_KEYS = "F5 hides · /lesson stop closes · /lesson: the next one"
Job = Callable[[], Awaitable[None]]


class RecordArrived(Message):
    def __init__(self, record: Record) -> None:
        super().__init__()
        self.record = record


def explain_error(error: BaseException) -> Notice:
    """An exception as a learner-readable notice: the client's own errors carry a headline and advice."""
    headline = getattr(error, "headline", None)
    advice = getattr(error, "advice", None)
    if isinstance(headline, str) and headline:
        return Notice("error", headline, advice if isinstance(advice, str) else "")
    text = str(error) or type(error).__name__
    return Notice(
        "error",
        f"Something went wrong: {text}",
        f"({type(error).__name__}) The shell keeps running; try the command again, or /sandbox to start over.",
    )


class SMTPShellApp(App[int]):
    TITLE = "smtpshell"
    AUTO_FOCUS = "#command-input"  # keys typed while the shell starts go to the command line, not nowhere
    CSS_PATH = "smtpshell.tcss"
    CSS = HIGH_CONTRAST_CSS + PRESENTER_CSS
    COMMANDS = App.COMMANDS | {MetaCommandProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "presenter", "Present"),
        Binding("f3", "mailbox", "Mailbox"),
        Binding("f4", "toggle_pane('server-view')", "Server"),
        Binding("f5", "toggle_pane('lesson')", "Lesson"),
        Binding("ctrl+t", "toggle_contrast", "Contrast"),
        Binding("pageup", "scroll_conversation(-1)", "Scroll the conversation", show=False),
        Binding("pagedown", "scroll_conversation(1)", "Scroll the conversation", show=False),
        Binding("shift+pageup", "scroll_explanation(-1)", "Scroll the explanation", show=False),
        Binding("shift+pagedown", "scroll_explanation(1)", "Scroll the explanation", show=False),
        Binding("alt+up,ctrl+up", "step_selection(-1)", "Earlier reply", show=False),
        Binding("alt+down,ctrl+down", "step_selection(1)", "Later reply", show=False),
        # Ctrl+C copies a selection; otherwise it cancels what is under way: the line being typed, a password
        # prompt, or (pressed twice) a message half typed after DATA, by closing the connection.
        Binding("ctrl+c", "cancel", "Cancel", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        target: Target | None = None,
        *,
        theme: str | None = None,
        policy: SandboxPolicy | None = None,
        data_dir: Path | None = None,
        engine: ShellEngine | None = None,
        clock: Callable[[float], str] | None = None,
    ) -> None:
        super().__init__()
        for extra in THEMES:
            self.register_theme(extra)
        self._start_theme = theme or remembered_theme(data_dir) or DEFAULT_THEME
        self._previous_theme = DEFAULT_THEME
        self._target = target
        self._policy = policy
        self._data_dir = data_dir
        self._clock = clock
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._thread_id = threading.get_ident()
        self._mode = "command"
        self._explanations = True
        self._lesson_markdown = ""
        self._last_record: Record | None = None
        self._tls: dict[str, str] | None = None  # the TLS the last connection record reported
        self._abandon_armed = False  # Ctrl+C was pressed once while a message was being typed
        self.lines_taken = 0  # lines handed to the engine so far (tests wait on it, then on wait_until_idle)
        # The engine (the sandbox, the network, the explanations: most of the start-up time) is built by the first
        # job, after the first frame is on the screen; until then the screen is drawn and keys are read.
        self._engine = engine
        if engine is not None:
            self._wire_engine(engine)
        self._first_frame = asyncio.Event()
        self.submit(self._start_engine)  # the first job: build the engine, connect, and show the greeting

    @property
    def engine(self) -> ShellEngine:
        if self._engine is None:  # asked for before the first job built it: build it now
            self._engine = self._wire_engine(self._make_engine())
        return self._engine

    def _wire_engine(self, engine: ShellEngine) -> ShellEngine:
        engine.on_record = self._record_from_engine
        engine.demo_presenter = self._present_demo  # /replay steps a key at a time here
        return engine

    def _present_demo(self, run: DemoRun) -> None:
        from smtpshell.tui.demo_panel import start_demo  # read on the first demo: the first frame comes sooner

        start_demo(self, run)

    def _make_engine(self) -> ShellEngine:
        from smtpshell.session.engine import ShellEngine

        options: dict[str, Any] = {"policy": self._policy, "on_record": self._record_from_engine}
        if self._data_dir is not None:
            options["data_dir"] = self._data_dir
        return ShellEngine(self._target, **options)

    # ---- layout ---------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            with Vertical(id="side"):
                yield LessonPane(id="lesson")
                yield ExplanationPane(id="explanation")
                yield ServerView(id="server-view")
        yield Composer(id="composer")
        yield CommandLine(self._completions, self._nothing_to_complete, id="command-line")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.theme = self._start_theme if self._start_theme in self.available_themes else DEFAULT_THEME
        self.query_one(ServerView).display = False
        self.query_one(Composer).display = False
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        follow_theme(self, self._data_dir)
        self._theme_changed(self.current_theme)
        self.query_one(CommandLine).input.focus()
        self._run_engine()
        self.call_after_refresh(self._first_frame.set)

    @property
    def main_screen(self) -> Screen[Any]:
        """The screen with the panes (the mailbox and the help go on top of it)."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys for the panes only on the main screen (on the mailbox they would act unseen); F5 only while a
        lesson has something to show. What this refuses is left out of the footer too."""
        if action in MAIN_SCREEN_ACTIONS and len(self.screen_stack) > 1:
            return False
        if action == "toggle_pane" and self.main_screen.has_class("-narrow", "-composing"):
            return False  # a narrow screen gives the composer the side panes' room
        if action == "toggle_pane" and parameters == ("lesson",):
            return bool(self._lesson_markdown)
        return True

    def _theme_changed(self, theme: Theme) -> None:
        self.query_one(CommandLine).set_theme_variables(self.theme_variables)

    def on_resize(self, event: Resize) -> None:
        self.main_screen.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.refresh_bindings()

    # ---- the engine -----------------------------------------------------------------------------------------

    def _completions(self, text: str) -> list[Any]:
        return list(self.engine.completions(text))

    def _nothing_to_complete(self, text: str) -> str:
        from smtpshell.session.completion_hint import nothing_to_complete

        return nothing_to_complete(text, self.engine.state)

    def _record_from_engine(self, record: Record) -> None:
        if threading.get_ident() == self._thread_id:
            self.post_message(RecordArrived(record))
        else:
            self.call_from_thread(self.post_message, RecordArrived(record))

    def submit(self, job: Job) -> None:
        self._pending += 1
        self._idle.clear()
        self._jobs.put_nowait(job)

    async def wait_until_idle(self) -> None:
        """Until every line sent so far has been handled and its records shown (tests wait on this)."""
        await self._idle.wait()

    @work(group="engine", exclusive=True, exit_on_error=False)
    async def _run_engine(self) -> None:
        await self._first_frame.wait()
        while True:
            job = await self._jobs.get()
            self.query_one(StatusBar).busy = "waiting for the server…"
            try:
                await job()
            except Exception as error:  # shown, never raised: the app must keep running
                self.log.error(f"a line failed: {error!r}")
                self.post_message(RecordArrived(visible_record(explain_error(error))))
            finally:
                self._pending -= 1
                self._after_step()
                if self._pending == 0:
                    self.query_one(StatusBar).busy = ""
                    self.call_after_refresh(self._idle.set)

    async def _start_engine(self) -> None:
        if self._engine is None:  # its modules are read in a thread: the screen stays responsive meanwhile
            await asyncio.to_thread(importlib.import_module, "smtpshell.session.engine")
        await self.engine.start()

    def _after_step(self) -> None:
        engine = self.engine
        command_line = self.query_one(CommandLine)
        mode = engine.mode
        if (mode, engine.prompt) != (command_line.mode, command_line.prompt):
            command_line.set_mode(mode, engine.prompt)
        composer = self.query_one(Composer)
        lesson = engine.lessons.status() if engine.lessons is not None else None
        # After 354 (not for a BDAT chunk, which is also typed in data mode) the composer offers the message.
        # A demo sends its own message lines, so its keys must not be taken by the composer (the demo strip's
        # module is read when a demo starts: queried by its type's name).
        if mode == "data" and self._mode != "data" and engine.state.in_data and not self.query("DemoPanel"):
            if lesson is not None and lesson.message_by_hand:
                # The lesson's point is the message and its final "." typed by the learner: no composer, and the
                # command line says so where it is typed (a toast would cover the step's example at 80x24).
                command_line.input.placeholder = BY_HAND
            else:
                composer.open(engine.message_template())
        elif mode != "data" and composer.display:
            composer.close()
            command_line.input.focus()

        signed = take_composer_text(engine)  # /message --dkim after 354: edit the signed message before sending
        if signed is not None:
            composer.open(signed)
        self._set_composing(composer.display)
        self._mode = mode
        suggestion = engine.take_suggestion()
        if suggestion is not None:
            if composer.display:  # /showme's line of the message goes on the command line: the composer steps aside
                composer.close()
                self._set_composing(False)
            command_line.put(suggestion)
        if engine.explanations != self._explanations:
            self._explanations = engine.explanations
            self.query_one(ExplanationPane).display = engine.explanations
            self._fit_side()
        self._update_status()
        instruction = lesson.instruction if lesson is not None else None
        command_line.suggest(command_placeholder(engine.state, engine.connected, instruction))
        self._refresh_server_view()
        self._refresh_lesson()
        if engine.quit_requested:
            self.run_worker(self.action_quit(), group="quit")

    def _set_composing(self, composing: bool) -> None:
        if self.main_screen.has_class("-composing") != composing:
            self.main_screen.set_class(composing, "-composing")
            self.refresh_bindings()  # on a narrow screen the pane keys go while composing

    def _update_status(self) -> None:
        engine = self.engine
        tls = self._tls if engine.connected else None
        self.query_one(StatusBar).update_state(self._target_label(), engine.state, engine.connected, tls)

    def _target_label(self) -> str:
        return self.engine.target.describe()

    def _refresh_server_view(self) -> None:
        view = self.query_one(ServerView)
        if view.display:
            view.show(self.engine.server_log(this_connection=True) if self.engine.sandbox is not None else None)

    def _refresh_lesson(self) -> None:
        pane = self.query_one(LessonPane)
        lesson = self.engine.lessons.status() if self.engine.lessons is not None else None
        if lesson is None:
            if pane.has_text:
                pane.clear()
                self._lesson_markdown = ""
                self.main_screen.remove_class("-lesson")
                self._fit_side()
                self.refresh_bindings()
            return
        if lesson.markdown != self._lesson_markdown:
            had_text = pane.has_text
            self._lesson_markdown = lesson.markdown
            # The lesson's introduction is read from the top; after that the current step (or, at the end, the
            # summary, which stays until the learner closes it) comes first: what was passed is above it.
            pane.show_text(
                lesson.title,
                lesson.markdown,
                # A small screen has no room for the introduction beside the step: the step comes first there.
                at_last_heading=lesson.finished or lesson.step_index > 0 or self.main_screen.has_class("-narrow"),
                keys=LESSON_DONE_KEYS if lesson.finished else LESSON_KEYS,
            )
            self._fit_side()
            if not had_text:
                self.main_screen.add_class("-lesson")
                self.refresh_bindings()

    @on(RecordArrived)
    def _show_record(self, event: RecordArrived) -> None:
        record = event.record
        if isinstance(record, ConnectionChange):  # TLS as the connection reported it; none after a disconnect
            self._tls = (record.tls_info or None) if record.event != "disconnected" else None
        transcript = self.query_one(Transcript)
        transcript.add_record(record)
        if isinstance(record, Exchange | ConnectionChange):
            self._update_status()
        if isinstance(record, Notice) and record.level == "error":
            self.notify(
                visible_lines(record.detail or record.text), title=visible(record.text), severity="error", timeout=8
            )
        elif isinstance(record, ConnectionChange) and record.event == "disconnected" and self._unexpected(record):
            self.notify(
                visible_lines(record.detail or "The server closed the connection."),
                title="Disconnected",
                severity="warning",
                timeout=8,
            )
        if isinstance(record, ConnectionChange) and self._pending == 0:
            self._after_step()  # the server hung up while the learner was idle: leave data mode, update the bar
        self._last_record = record

    def _unexpected(self, change: ConnectionChange) -> bool:
        """Whether a disconnection deserves a pop-up: not when the learner asked for it (QUIT, /sandbox, a
        lesson's fresh session), nor right after an error that was already shown."""
        if change.initiator == "client":
            return False
        previous = self._last_record
        return not (isinstance(previous, Notice) and previous.level == "error")

    @on(OptionList.OptionHighlighted, "#transcript")
    def _selection_changed(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one(ExplanationPane).show(self.query_one(Transcript).selected_record())

    # ---- input ----------------------------------------------------------------------------------------------

    @on(CommandLine.Submitted)
    def _line_submitted(self, event: CommandLine.Submitted) -> None:
        line = event.line
        self.lines_taken += 1
        transcript = self.query_one(Transcript)
        transcript.following = True  # what the learner just typed is what they want explained
        self._abandon_armed = False
        if event.mode == "data" and "\n" not in line and line != "." and not line.startswith(META_PREFIX):
            transcript.echo_message_line(line)  # shown as typed; the message goes out with its final "."
        self.submit(lambda: self.engine.submit(line))

    @on(Composer.Send)
    def _send_message(self, event: Composer.Send) -> None:
        text = event.text
        self.query_one(Transcript).following = True
        self.query_one(Composer).close()
        self._set_composing(False)
        self.query_one(CommandLine).input.focus()
        self.submit(lambda: self.engine.send_message(text))

    @on(Composer.Dismissed)
    def _composer_dismissed(self) -> None:
        self.query_one(Composer).close()
        self._set_composing(False)
        self.query_one(CommandLine).input.focus()

    def use_meta_command(self, command: MetaCommand) -> None:
        """From the command palette: run a command that takes nothing, put the others on the line."""
        line = f"{META_PREFIX}{command.name}"
        if command.arg == "none" and command.name != "quit":
            self.submit(lambda: self.engine.submit(line))
        elif command.name == "quit":
            self.run_worker(self.action_quit())
        else:
            self.query_one(CommandLine).put(line + " ")

    def put_on_command_line(self, text: str) -> None:
        self.query_one(CommandLine).put(text)

    # ---- actions --------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        focused = self.focused
        if self.screen.has_class("mailbox"):
            context = "mailbox"
        elif self._mode in ("data", "secret"):
            context = self._mode
        elif focused is not None and (isinstance(focused, Transcript)):
            context = "transcript"
        elif focused is not None and self.query_one(Composer) in focused.ancestors_with_self:
            context = "composer"
        else:
            context = "command"
        from smtpshell.tui.help_screen import HelpScreen  # read when first opened: the first frame comes sooner

        self.push_screen(HelpScreen(context, self.engine.state))

    def action_toggle_pane(self, pane_id: str) -> None:
        pane = self.query_one(f"#{pane_id}")
        pane.display = not pane.display
        self._fit_side()
        if pane.display and pane_id == "server-view":
            self._refresh_server_view()

    def _fit_side(self) -> None:
        side = self.query_one("#side")
        side.display = any(child.display for child in side.children)

    def action_mailbox(self) -> None:
        if self.engine.sandbox is None:
            self.notify(
                "The mailbox holds what the sandbox accepted; a real server keeps its mail to itself.",
                title="No mailbox",
                timeout=6,
            )
            return
        from smtpshell.tui.mailbox import MailboxScreen  # read when first opened: the first frame comes sooner

        self.push_screen(MailboxScreen(self.engine.mailbox, **({"clock": self._clock} if self._clock else {})))

    def action_cancel(self) -> None:
        from smtpshell.session.abandon import HOW, writing_a_message

        focused = self.focused
        if isinstance(focused, Input | TextArea) and focused.selected_text:
            focused.action_copy()
            return
        engine = self.engine
        if writing_a_message(engine) and self._pending == 0:
            if self._abandon_armed:
                self._abandon_armed = False
                self.submit(self._abandon_message)
            else:
                self._abandon_armed = True
                self.notify(HOW, title="Abandon the message?", severity="warning", timeout=10)
            return
        if engine.mode == "secret" or engine.bdat_command is not None:
            said = engine.cancel_input()
            if said:
                engine.notice("info", said)
            self._after_step()
            return
        command_input = self.query_one(CommandLine).input
        if command_input.value:
            command_input.put("")
        else:
            self.notify("Nothing to cancel. Ctrl+Q (or /quit) leaves the shell.", timeout=4)

    async def _abandon_message(self) -> None:
        from smtpshell.session.abandon import abandon_message

        self.clear_notifications()  # the question is answered
        abandon_message(self.engine)

    def action_presenter(self) -> None:
        toggle_presenter(self)

    def action_toggle_contrast(self) -> None:
        if self.theme == HIGH_CONTRAST:
            self.theme = self._previous_theme
        else:
            self._previous_theme = self.theme
            self.theme = HIGH_CONTRAST

    def action_scroll_explanation(self, direction: int) -> None:
        pane = self.query_one(ExplanationPane)
        if direction < 0:
            pane.scroll_page_up(animate=False)
        else:
            pane.scroll_page_down(animate=False)

    def action_scroll_conversation(self, direction: int) -> None:
        transcript = self.query_one(Transcript)
        if direction < 0:
            transcript.scroll_page_up(animate=False)
        else:
            transcript.scroll_page_down(animate=False)

    def action_step_selection(self, delta: int) -> None:
        self.query_one(Transcript).step(delta)

    async def action_quit(self) -> None:
        await self.close_engine()
        self.exit(0)

    async def close_engine(self) -> None:
        try:
            await asyncio.wait_for(self.engine.close(), timeout=5)
        except Exception as error:  # leaving must not fail because the server is gone
            self.log.warning(f"closing the session failed: {error!r}")
