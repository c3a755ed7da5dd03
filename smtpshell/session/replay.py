"""Demo scripts for /replay: a text file whose lines run as if typed; a line starting with # is a comment the
shell shows as a notice (outside DATA; inside a message it is a message line like any other).
"""

from __future__ import annotations

from pathlib import Path

MAX_SCRIPT_LINES = 10_000


class ScriptError(ValueError):
    """A script that cannot be read; the message names the file and the reason."""


def read_script(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ScriptError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise ScriptError(f"{path}: cannot read it ({error.strerror})") from None
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_SCRIPT_LINES:
        raise ScriptError(f"{path}: {len(lines)} lines; a demo script may have at most {MAX_SCRIPT_LINES}")
    return lines


def comment_text(line: str) -> str | None:
    """The comment of a ``# ...`` line, or None when the line is not a comment."""
    stripped = line.lstrip()
    return stripped[1:].strip() if stripped.startswith("#") else None
