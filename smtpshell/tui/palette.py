"""The command palette's list of the shell's own commands, read from the meta-command table."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider

from smtpshell.meta_table import META_COMMANDS, META_PREFIX, MetaCommand


class TakesMetaCommands(Protocol):
    def use_meta_command(self, command: MetaCommand) -> None: ...


class MetaCommandProvider(Provider):
    """Each shell command, with its summary; choosing one runs it, or puts it on the line when it needs more."""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        app = self.app
        if not hasattr(app, "use_meta_command"):
            return []
        runner: TakesMetaCommands = app
        return [
            (f"{META_PREFIX}{m.name}", m.summary, partial(runner.use_meta_command, m)) for m in META_COMMANDS.values()
        ]

    async def discover(self) -> Hits:
        for name, summary, callback in self._commands():
            yield DiscoveryHit(name, callback, help=summary)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, summary, callback in self._commands():
            score = max(matcher.match(name), matcher.match(summary) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=summary)
