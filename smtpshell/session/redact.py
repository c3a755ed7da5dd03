"""What the shell keeps of a credential: nothing. AUTH arguments and the answers to 334 are hidden in records and
saved transcripts (proto/redaction.py, shared with the sandbox's log) and dropped from the history file.
"""

from __future__ import annotations

from smtpshell.proto.grammar import split_command
from smtpshell.proto.redaction import auth_arguments


def history_line(line: str, *, auth_response: bool = False) -> str | None:
    """The line as the history file keeps it, or None when nothing of it is worth keeping.

    An AUTH line keeps its verb and mechanism (recalling it starts a fresh exchange); an answer to a 334 is
    dropped: a recalled credential would be a credential on disk.
    """
    if auth_response or not line.strip():
        return None
    words = auth_arguments(line)
    if words is not None:
        return f"AUTH {words[0]}" if words else "AUTH"
    if split_command(line).verb == "/AUTH":  # the helper takes no password on its line; anything past USER is dropped
        return " ".join(line.split()[:3])
    return line
