"""What the shell keeps of a credential: nothing. AUTH arguments and the answers to 334 are hidden in records,
in saved transcripts and in the history file; only the mechanism name stays, since it is no secret.
"""

from __future__ import annotations

from smtpshell.proto.grammar import split_command

HIDDEN = "[credentials hidden]"


def auth_arguments(line: str) -> list[str] | None:
    """The words after AUTH, or None when ``line`` is not an AUTH command. Split on any white space, as servers
    such as Postfix read a command: a tab after AUTH must not slip credentials past the guard or into a record."""
    words = line.split()
    return words[1:] if words and words[0].upper() == "AUTH" else None


def is_auth_line(line: str) -> bool:
    return auth_arguments(line) is not None


def redact_command(line: str, *, auth_response: bool = False) -> str:
    """The line as records show it: ``AUTH PLAIN [credentials hidden]``; an AUTH response becomes HIDDEN."""
    if auth_response:
        return HIDDEN
    words = auth_arguments(line)
    if words is None:
        return line
    if len(words) <= 1:
        return line.strip()
    return f"AUTH {words[0]} {HIDDEN}"


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
