"""The shell's checks before a typed line goes out (skipped in raw mode).

Rule: a line with a bare CR, LF or NUL is never sent (it could smuggle a second command or a second message);
a command the session state makes pointless is held back once with a warning, and sent if typed again at once,
because the server's 503 teaches as much as the warning does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.grammar import split_command

_FORBIDDEN = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\x00": "a NUL character"}


def forbidden_character(line: str) -> str | None:
    """What makes ``line`` unsafe to send as one SMTP line, or None when it is safe."""
    for char, name in _FORBIDDEN.items():
        if char in line:
            return name
    return None


def refusal_text(what: str) -> tuple[str, str]:
    """The headline and advice of the Notice that refuses a line holding ``what``."""
    return (
        f"Not sent: the line contains {what}.",
        "SMTP ends every line with CR LF; a lone CR, LF or NUL inside a line can make a server see two "
        "commands (command injection) or end a message early (SMTP smuggling). Use /raw on to send such "
        "bytes on purpose, for a demonstration.",
    )


@dataclass(frozen=True)
class PointlessRule:
    verbs: tuple[str, ...]
    applies: Callable[[ClientState], bool]
    warning: str  # what is wrong, said to a learner
    reply: str  # the reply the server will most likely give


POINTLESS_RULES: tuple[PointlessRule, ...] = (
    PointlessRule(
        ("MAIL",), lambda s: s.helo is None, "MAIL before EHLO: the server expects a greeting first.", "503 5.5.1"
    ),
    PointlessRule(
        ("MAIL",),
        lambda s: s.sender is not None,
        "a transaction is already open (MAIL was accepted); send RSET to start over.",
        "503 5.5.1",
    ),
    PointlessRule(
        ("RCPT",),
        lambda s: s.sender is None,
        "RCPT before MAIL: there is no transaction to add a recipient to.",
        "503 5.5.1",
    ),
    PointlessRule(
        ("DATA", "BDAT"),
        lambda s: s.sender is None,
        "no transaction: send MAIL FROM and RCPT TO before the message.",
        "503 5.5.1",
    ),
    PointlessRule(
        ("DATA", "BDAT"),
        lambda s: s.sender is not None and not s.recipients,
        "no recipient was accepted yet: the message would have nowhere to go.",
        "554 5.5.1",
    ),
    PointlessRule(("STARTTLS",), lambda s: s.tls, "this connection already uses TLS.", "503 or 454"),
    PointlessRule(
        ("AUTH",),
        lambda s: s.authenticated is not None,
        "you are already authenticated on this connection.",
        "503 5.5.1",
    ),
    PointlessRule(
        ("AUTH",),
        lambda s: s.helo is None,
        "AUTH before EHLO: the server only offers AUTH in its EHLO reply.",
        "503 5.5.1",
    ),
)


def pointless_warning(line: str, state: ClientState) -> str | None:
    """A warning when the state makes ``line`` pointless, else None. Only the first matching rule speaks."""
    if not state.connected or state.closed or state.in_data or state.auth_mechanism:
        return None
    verb = split_command(line).verb
    for rule in POINTLESS_RULES:
        if verb in rule.verbs and rule.applies(state):
            return (
                f"{rule.warning} The server would most likely answer {rule.reply}. "
                "Not sent; send the same line again (it is back on the command line) to send it anyway."
            )
    return None


COMMAND_LINE_LIMIT = 512  # RFC 5321 §4.5.3.1.4: a command line, verb to CRLF, in octets


def long_line_warning(line: str) -> str | None:
    """A warning for a command line over 512 octets (with its CRLF), which many servers refuse or cut.

    AUTH is left alone: RFC 4954 §4 allows its lines up to 12288 octets, for long initial responses.
    """
    size = len(line.encode("utf-8", "surrogateescape")) + 2
    if size <= COMMAND_LINE_LIMIT or split_command(line).verb == "AUTH":
        return None
    return (
        f"This command line is {size} octets with its CRLF; RFC 5321 §4.5.3.1.4 limits a command line to "
        f"{COMMAND_LINE_LIMIT}, and many servers answer 500 5.5.2 (line too long) or cut it. "
        "Not sent; send the same line again (it is back on the command line) to send it anyway."
    )
