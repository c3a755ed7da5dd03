"""Where a key of a TOML block sits in its file, so an error can name the line the teacher must fix.

tomllib returns plain dicts without positions; this scan of the text recovers them well enough for
messages: tables, array-of-tables entries, keys (dotted too) and the items of a multi-line array.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

Path_ = tuple[str | int, ...]

_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_ITEM_START = re.compile(r"""^\s*(["'{\[]|[-+0-9]|true|false)""")
_TOML_POSITION = re.compile(r"\s*\(at line ([0-9]+), column ([0-9]+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def _key_parts(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p.strip("\"'") for p in parts)


class TomlLines:
    """Line numbers (in the file) of the parts of one TOML text that starts at ``first_line``."""

    def __init__(self, text: str, first_line: int) -> None:
        self.first_line = first_line
        self.last_line = first_line + max(text.count("\n"), 0)
        self._lines: dict[Path_, int] = {}
        self._scan(text.split("\n"))

    def line_of(self, *path: str | int) -> int:
        """The line of ``path`` (keys and array indexes), or of its nearest written parent."""
        key: Path_ = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return self.first_line

    def _scan(self, lines: list[str]) -> None:
        table: Path_ = ()
        counts: dict[Path_, int] = {}
        open_quote: str | None = None  # inside a multi-line string opened with this quote
        array: Path_ | None = None  # inside a multi-line array value of this key
        depth = 0
        items = 0
        for number, line in enumerate(lines, self.first_line):
            if open_quote is not None:
                if line.count(open_quote) % 2 == 1:
                    open_quote = None
                continue
            stripped = _strip_comment(line)
            if array is not None:
                if depth == 1 and _ITEM_START.match(stripped) and not stripped.lstrip().startswith("]"):
                    self._lines.setdefault((*array, items), number)
                    items += 1
                depth += _brackets(stripped)
                if depth <= 0:
                    array = None
                open_quote = _opens_multiline(stripped)
                continue
            if match := _ARRAY_TABLE.match(stripped):
                name = _key_parts(match[1])
                index = counts.get(name, 0)
                counts[name] = index + 1
                table = (*name, index)
                self._lines.setdefault(table, number)
                continue
            if match := _TABLE.match(stripped):
                table = _key_parts(match[1])
                self._lines.setdefault(table, number)
                continue
            if match := _KEY.match(stripped):
                key = (*table, *_key_parts(match[1]))
                self._lines.setdefault(key, number)
                value = stripped[match.end() :].strip()
                open_quote = _opens_multiline(value)
                if value.startswith("[") and open_quote is None:
                    balance = _brackets(value)
                    if balance > 0:
                        array, depth, items = key, balance, 0
                        # items written on the opening line itself
                        if _ITEM_START.match(value[1:]):
                            self._lines.setdefault((*key, 0), number)
                            items = 1


def _strip_comment(line: str) -> str:
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _brackets(text: str) -> int:
    """Open minus closed brackets outside strings."""
    balance = 0
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    return balance


def _opens_multiline(text: str) -> str | None:
    for quote in ('"""', "'''"):
        if text.count(quote) % 2 == 1:
            return quote
    return None


class TomlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_toml(text: str, first_line: int) -> dict[str, Any]:
    """Parse ``text``; a syntax error is raised with the file's line number instead of the block's."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = first_line + text.count("\n")
        if match := _TOML_POSITION.search(message):
            line = first_line + int(match[1]) - 1
            message = f"{message[: match.start()]} (column {match[2]})"
        elif match := _TOML_END.search(message):
            message = f"{message[: match.start()]} (at the end of the block)"
        raise TomlSyntaxError(line, f"bad TOML: {message}") from None
