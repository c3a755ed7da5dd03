"""The shell's checks before a typed line goes out (skipped in raw mode).

Rule: a line with a bare CR, LF or NUL is never sent (it could smuggle a second command or a second message);
a command the session state makes pointless is held back once with a warning, and sent if typed again at once,
because the server's 503 teaches as much as the warning does. A typed line that carries credentials readable
(AUTH PLAIN's or LOGIN's base64) on an unencrypted connection to anything but loopback is held back the same
way, as /auth refuses to send a password there. A script is deliberate: it gets the warning, and the line goes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.grammar import split_command
from smtpshell.session.redact import auth_arguments

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


HELD = "Not sent; send the same line again (it is back on the command line) to send it anyway."
SENT_ANYWAY = "Sent anyway: a script is deliberate, so its lines go out as written."


def pointless_warning(line: str, state: ClientState, *, held: bool = True) -> str | None:
    """A warning when the state makes ``line`` pointless, else None. Only the first matching rule speaks.

    ``held``: the line is held back (typed by hand); otherwise it is sent anyway (a script), and the warning says so.
    """
    if not state.connected or state.closed or state.in_data or state.auth_mechanism:
        return None
    verb = split_command(line).verb
    for rule in POINTLESS_RULES:
        if verb in rule.verbs and rule.applies(state):
            outcome = HELD if held else SENT_ANYWAY
            return f"{rule.warning} The server would most likely answer {_as_sent(rule.reply, state)}. {outcome}"
    return None


COMMAND_LINE_LIMIT = 512  # RFC 5321 §4.5.3.1.4: a command line, verb to CRLF, in octets


def long_line_warning(line: str, *, held: bool = True) -> str | None:
    """A warning for a command line over 512 octets (with its CRLF), which many servers refuse or cut.

    AUTH is left alone: RFC 4954 §4 allows its lines up to 12288 octets, for long initial responses.
    """
    size = len(line.encode("utf-8", "surrogateescape")) + 2
    if size <= COMMAND_LINE_LIMIT or split_command(line).verb == "AUTH":
        return None
    return (
        f"This command line is {size} octets with its CRLF; RFC 5321 §4.5.3.1.4 limits a command line to "
        f"{COMMAND_LINE_LIMIT}, and many servers answer 500 5.5.2 (line too long) or cut it. "
        + (
            "Not sent; send the same line again (it is back on the command line) to send it anyway."
            if held
            else SENT_ANYWAY
        )
    )


# Mechanisms whose lines carry the secret itself, base64 being no protection (RFC 4954 §4, RFC 4616 §6); CRAM-MD5
# and the other challenge-response ones send a digest instead.
SECRET_IN_THE_CLEAR = frozenset(("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"))


def is_loopback_peer(address: str) -> bool:
    """Whether a peer address ("127.0.0.1:25", "[::1]:25") is this machine; anything unreadable is not."""
    host = address.rpartition(":")[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def carries_credentials(line: str, state: ClientState, *, auth_response: bool) -> bool:
    """Whether ``line`` would put a user name, password or token on the wire readable by anyone who decodes it."""
    if auth_response:  # an answer to a 334: the mechanism under way decides
        return (state.auth_mechanism or "").upper() in SECRET_IN_THE_CLEAR and line.strip() != "*"
    words = auth_arguments(line)
    # AUTH mechanism initial-response (RFC 4954 §4): "=" stands for an empty one.
    return words is not None and len(words) >= 2 and words[0].upper() in SECRET_IN_THE_CLEAR and words[1] != "="


def plaintext_credentials_warning(
    line: str, state: ClientState, *, auth_response: bool, loopback: bool, held: bool = True
) -> str | None:
    """A warning when ``line`` would send credentials readable over this connection, else None."""
    if state.tls or loopback or not carries_credentials(line, state, auth_response=auth_response):
        return None
    what = "This line carries your credentials" if auth_response else "This AUTH line carries your credentials"
    return (
        f"{what} as base64, which anyone on the path decodes: the connection is not encrypted and the server is "
        "not on this machine. Send STARTTLS first (then EHLO again), as /auth insists. "
        + ("Not sent; send the same line again to send it anyway." if held else SENT_ANYWAY)
    )


def _as_sent(reply: str, state: ClientState) -> str:
    """``reply`` as this server would send it: an enhanced code ("5.5.1") only after an EHLO that advertised
    ENHANCEDSTATUSCODES (RFC 2034 §3); before EHLO, or after HELO, the bare code."""
    if state.esmtp and state.advertised("ENHANCEDSTATUSCODES"):
        return reply
    return " ".join(word for word in reply.split() if word.count(".") != 2)
