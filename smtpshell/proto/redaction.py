"""What is kept of a credential: nothing. The one redactor of AUTH lines, for the shell's records and history and
for the sandbox's log alike; only the mechanism name stays, since it is no secret.
"""

from __future__ import annotations

HIDDEN = "[credentials hidden]"


def auth_arguments(line: str) -> list[str] | None:
    """The words after AUTH, or None when ``line`` is not an AUTH command. Split on any white space, as servers
    such as Postfix read a command: a tab after AUTH must not slip credentials past the guard or into a record."""
    words = line.split()
    return words[1:] if words and words[0].upper() == "AUTH" else None


def redact_command(line: str, *, auth_response: bool = False) -> str:
    """The line as it may be shown or logged: ``AUTH PLAIN [credentials hidden]``; an AUTH response is HIDDEN."""
    if auth_response:
        return HIDDEN
    words = auth_arguments(line)
    if words is None:
        return line
    if len(words) <= 1:
        return line.strip()
    return f"AUTH {words[0]} {HIDDEN}"
