"""The shell's history file: one typed line per line, credentials already removed (see redact.py).

Rule: the file only ever receives redacted lines, so a front end that recalls history can never show a secret.
"""

from __future__ import annotations

import os
from pathlib import Path

HISTORY_FILE = "history"
MAX_LINES = 2000  # older lines are dropped when the file is read back


class HistoryFile:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: keep history in memory only (the file could not be used)
        self._lines: list[str] | None = None

    def lines(self) -> list[str]:
        """Oldest first."""
        if self._lines is None:
            self._lines = self._read()
        return list(self._lines)

    def append(self, line: str) -> None:
        if "\n" in line or "\r" in line or "\x00" in line or not line.strip():
            return
        if self._lines is None:
            self._lines = self._read()
        self._lines.append(line)
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # The history may hold addresses a user would rather keep to themselves: owner-only, like a shell's.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8", errors="surrogateescape") as file:
                file.write(line + "\n")
        except OSError:
            self.path = None  # a read-only home must not stop the shell; history stays in memory

    def _read(self) -> list[str]:
        if self.path is None:
            return []
        try:
            text = self.path.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-MAX_LINES:]
