"""What is kept of a credential: nothing. The one redactor of AUTH lines, for the shell's records and history and
for the sandbox's log alike; only the mechanism name stays, since it is no secret.
"""

from __future__ import annotations

from smtpshell.proto.grammar import split_command

HIDDEN = "[credentials hidden]"


def redact_command(line: str, *, auth_response: bool = False) -> str:
    """The line as it may be shown or logged: ``AUTH PLAIN [credentials hidden]``; an AUTH response is HIDDEN."""
    if auth_response:
        return HIDDEN
    parsed = split_command(line)
    if parsed.verb != "AUTH":
        return line
    words = parsed.argument.split()
    if len(words) <= 1:
        return line.strip()
    return f"AUTH {words[0]} {HIDDEN}"
