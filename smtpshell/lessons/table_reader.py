"""Typed access to one table of a lesson's TOML, reporting every bad, missing or unknown key at its line.

Rule: every key a lesson may use is read through here, and ``finish`` reports the keys nobody read, so a typo
can never silently switch a check off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from smtpshell.lessons.toml_lines import TomlLines


class ProblemLog:
    """The problems found in one file, as (file line, what is wrong)."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def report(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def __len__(self) -> int:
        return len(self.problems)


@dataclass
class TableReader:
    """Typed access to one TOML table, collecting an error (with its line) for each bad or unknown key."""

    data: dict[str, Any]
    where: tuple[str | int, ...]
    source: TomlLines
    log: ProblemLog
    used: set[str] = field(default_factory=set)

    @property
    def problems(self) -> int:
        """How many problems the file has so far: compare before and after reading a part."""
        return len(self.log)

    def report(self, line: int, message: str) -> None:
        self.log.report(line, message)

    def line(self, key: str | None = None) -> int:
        return self.source.line_of(*self.where, *([key] if key else []))

    def error(self, key: str | None, message: str) -> None:
        self.report(self.line(key), message)

    def get(self, key: str, kind: type | tuple[type, ...], what: str, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                self.error(None, f"missing '{key}': {what}")
            return None
        value = self.data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.error(key, f"'{key}' must be {what}")
            return None
        if not isinstance(value, kind):
            self.error(key, f"'{key}' must be {what}")
            return None
        return value

    def text(self, key: str, what: str, required: bool = False) -> str | None:
        value: str | None = self.get(key, str, what, required)
        if value is not None and not value.strip():
            self.error(key, f"'{key}' is empty; it must be {what}")
            return None
        return value

    def texts(self, key: str, what: str, required: bool = False) -> list[str] | None:
        value = self.get(key, list, what, required)
        if value is None:
            return None
        if not value and required:
            self.error(key, f"'{key}' is empty; it must be {what}")
            return None
        good: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.report(
                    self.source.line_of(*self.where, key, index),
                    f"'{key}' item {index + 1}: must be a non-empty string ({what})",
                )
                return None
            good.append(item)
        return good

    def number(self, key: str, what: str, minimum: int) -> int | None:
        value: int | None = self.get(key, int, what)
        if value is not None and value < minimum:
            self.error(key, f"'{key}' must be {what}")
            return None
        return value

    def flag(self, key: str, what: str) -> bool | None:
        value: bool | None = self.get(key, bool, what)
        return value

    def pattern(self, key: str, what: str) -> re.Pattern[str] | None:
        text = self.get(key, str, what)
        return self.compile(key, text) if text is not None else None

    def compile(self, key: str, text: str) -> re.Pattern[str] | None:
        try:
            return re.compile(text, re.IGNORECASE)
        except re.error as error:
            self.error(key, f"'{key}' is not a valid regular expression: {error}")
            return None

    def table(self, key: str, what: str) -> TableReader | None:
        value = self.get(key, dict, what)
        return TableReader(value, (*self.where, key), self.source, self.log) if value is not None else None

    def tables(self, key: str, what: str) -> list[TableReader]:
        value = self.get(key, list, what)
        if value is None:
            return []
        readers: list[TableReader] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.report(
                    self.source.line_of(*self.where, key, index), f"'{key}' entry {index + 1}: must be a table ({what})"
                )
                continue
            readers.append(TableReader(item, (*self.where, key, index), self.source, self.log))
        return readers

    def finish(self, known: str) -> None:
        """Report keys nobody read: a typo would otherwise silently switch a check off."""
        for key in self.data:
            if key not in self.used:
                self.error(key, f"unknown key '{key}' here; known keys: {known}")
