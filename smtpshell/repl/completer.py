"""prompt_toolkit adapters: the engine's completions and its redacted history, as the prompt wants them."""

from __future__ import annotations

from collections.abc import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import History

from smtpshell.session.engine import ShellEngine


class EngineCompleter(Completer):
    def __init__(self, engine: ShellEngine) -> None:
        self.engine = engine

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        for found in self.engine.completions(document.text_before_cursor):
            yield Completion(
                found.text, start_position=found.start_position, display=found.display, display_meta=found.meaning
            )


class EngineHistory(History):
    """The engine's history file, read-only for the prompt: the engine alone decides what is kept (redacted).

    prompt_toolkit would store every accepted line as typed, passwords and AUTH responses included; here
    storing does nothing and ``refresh`` takes the engine's lines instead.
    """

    def __init__(self, engine: ShellEngine) -> None:
        super().__init__()
        self.engine = engine

    def load_history_strings(self) -> Iterable[str]:
        return list(reversed(self.engine.history.lines()))  # newest first, as prompt_toolkit wants

    def append_string(self, string: str) -> None:
        pass  # see refresh()

    def store_string(self, string: str) -> None:
        pass

    def refresh(self) -> None:
        """Take the engine's history as it is now; call before each prompt."""
        self._loaded_strings = list(self.load_history_strings())
        self._loaded = True
