"""`smtpshell --plain`: a prompt_toolkit prompt over the shell engine. Thin: the engine decides everything.

The prompt completes with meanings, highlights the line, recalls the engine's redacted history (Ctrl-R searches
it), suggests from it, and shows the session in a bottom toolbar; each reply is printed highlighted with its
explanation beneath.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory, DynamicAutoSuggest
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples
from prompt_toolkit.input import Input
from prompt_toolkit.lexers import DynamicLexer
from prompt_toolkit.output import Output
from prompt_toolkit.shortcuts import print_formatted_text

from smtpshell.repl.completer import EngineCompleter, EngineHistory
from smtpshell.repl.demo_steps import ReplDemo
from smtpshell.repl.markdown_lines import notice_fragment_lines, plain_text
from smtpshell.repl.quoted_insert import quoted_insert_bindings
from smtpshell.repl.styles import STYLE, command_lexer, styled_lines
from smtpshell.session.abandon import HOW as ABANDON_HOW
from smtpshell.session.abandon import abandon_message, writing_a_message
from smtpshell.session.engine import AUTH_PROMPT, ShellEngine
from smtpshell.session.records import Exchange, Notice, Record
from smtpshell.session.state_text import status_fields
from smtpshell.session.transcript import display_lines


class Repl:
    def __init__(
        self,
        engine: ShellEngine,
        *,
        input: Input | None = None,
        output: Output | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.engine = engine
        self.out = out  # plain text goes here when given (tests); otherwise styled text to the terminal
        self._output = output
        self._typed = False  # the user just typed an SMTP line or a message line: its echo is on screen
        self.history = EngineHistory(engine)
        suggest = AutoSuggestFromHistory()
        lexer = command_lexer()
        self.session: PromptSession[str] = PromptSession(
            completer=EngineCompleter(engine),
            complete_while_typing=True,
            history=self.history,
            auto_suggest=DynamicAutoSuggest(lambda: suggest if engine.mode == "command" else None),
            lexer=DynamicLexer(lambda: lexer if engine.mode == "command" else None),
            # An answer to a 334 is a credential too (base64 is no disguise): hidden like a password.
            is_password=Condition(lambda: engine.mode == "secret" or engine.prompt == AUTH_PROMPT),
            key_bindings=quoted_insert_bindings(),
            bottom_toolbar=self.toolbar,
            style=STYLE,
            input=input,
            output=output,
        )
        engine.on_record = self.show
        self.demo = ReplDemo(engine, self.show)  # /replay: one line per Enter

    def toolbar(self) -> StyleAndTextTuples:
        parts: StyleAndTextTuples = []
        for label, value in status_fields(self.engine):
            if parts:
                parts.append(("class:bottom-toolbar.separator", " │ "))
            parts += [("class:bottom-toolbar.label", f"{label} "), ("class:bottom-toolbar.value", value)]
        return parts

    def show(self, record: Record) -> None:
        # A line the user typed is on screen already, at the prompt: print only what came back.
        hide_client = self._typed and isinstance(record, Exchange)
        if isinstance(record, Exchange):
            self._typed = False
        if self.session.app.is_running:  # a record can come while the prompt waits (the server hung up)
            self.session.app.invalidate()  # redraw the toolbar with the new state
        width = shutil.get_terminal_size((100, 24)).columns
        if isinstance(record, Notice):  # the shell's and the lessons' texts: Markdown, rendered
            self._print(notice_fragment_lines(record, width))
            return
        lines = display_lines(record, explanations=self.engine.explanations, width=width)
        shown = [not (hide_client and line.style in ("client", "data")) for line in lines]
        if self.out is not None:
            self.out.write("".join(line.text + "\n" for line, keep in zip(lines, shown, strict=True) if keep))
            self.out.flush()
            return
        self._print([styled for styled, keep in zip(styled_lines(lines), shown, strict=True) if keep])

    def _print(self, lines: list[StyleAndTextTuples]) -> None:
        if self.out is not None:
            self.out.write("".join(plain_text(line) + "\n" for line in lines))
            self.out.flush()
            return
        fragments: StyleAndTextTuples = []
        for line in lines:
            fragments += [*line, ("", "\n")]
        print_formatted_text(FormattedText(fragments), style=STYLE, end="", output=self._output)

    async def run(self) -> int:
        engine = self.engine
        await engine.start()
        abandon_armed = False  # Ctrl-C was pressed once while a message was being typed
        try:
            while not engine.quit_requested:
                self.history.refresh()
                suggestion = engine.take_suggestion()
                default = suggestion or ""  # a pipelined group too: Enter sends its lines in one go
                default = self.demo.next_line() or default
                try:
                    # Read when drawn: a server hanging up during the prompt puts the engine back in command mode.
                    line = await self.session.prompt_async(lambda: engine.prompt, default=default)
                except KeyboardInterrupt:
                    if self.demo.end():
                        continue
                    if writing_a_message(engine):  # the only way out of DATA that delivers nothing: hang up
                        if abandon_armed:
                            abandon_message(engine)
                        else:
                            engine.notice("info", "The server is reading the message.", ABANDON_HOW)
                        abandon_armed = not abandon_armed
                        continue
                    said = engine.cancel_input()
                    if said:
                        engine.notice("info", said)
                    continue
                except EOFError:
                    break
                abandon_armed = False
                # One typed line is on screen already; a pasted block is better read again, paired with replies.
                single = "\n" not in line
                self._typed = single and (
                    engine.mode == "data" or (engine.mode == "command" and not line.startswith("/"))
                )
                try:
                    if not await self.demo.take(line):
                        await engine.submit(line)
                except asyncio.CancelledError:  # Ctrl-C while waiting for the server (a second one leaves)
                    current = asyncio.current_task()
                    if current is not None:
                        current.uncancel()
                    engine.interrupted()
                self._typed = False
        finally:
            await engine.close()
        return 0


async def run_repl(
    engine: ShellEngine, *, input: Input | None = None, output: Output | None = None, out: TextIO | None = None
) -> int:
    return await Repl(engine, input=input, output=output, out=out).run()
