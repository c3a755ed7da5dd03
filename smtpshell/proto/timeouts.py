"""How long a client waits for each reply: the per-command timeouts of RFC 5321 §4.5.3.2.

Rule: a client MUST time out per command, not globally, and the waits below are the RFC's minimums; a server
that is merely slow (greylisting, DNS checks, content scanning) must get at least this long before we give up.
"""

from __future__ import annotations

from dataclasses import dataclass

from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING
from smtpshell.proto.grammar import split_command


@dataclass(frozen=True)
class ClientTimeout:
    """One row of RFC 5321 §4.5.3.2: what the client waits for, how long, and why so long."""

    waiting_for: str  # "the 220 greeting", "the reply to MAIL", ...
    seconds: float
    section: str  # "RFC 5321 §4.5.3.2.1"
    why: str


GREETING_TIMEOUT = ClientTimeout(
    "the 220 greeting",
    300.0,
    "RFC 5321 §4.5.3.2.1",
    "many servers run checks (reverse DNS, block lists) before greeting, and some pause on purpose",
)
MAIL_TIMEOUT = ClientTimeout(
    "the reply to MAIL",
    300.0,
    "RFC 5321 §4.5.3.2.2",
    "the server may look the sender up, for example in DNS, before answering",
)
RCPT_TIMEOUT = ClientTimeout(
    "the reply to RCPT",
    300.0,
    "RFC 5321 §4.5.3.2.3",
    "checking a recipient can mean asking another server or a directory",
)
DATA_INITIATION_TIMEOUT = ClientTimeout(
    "the 354 after DATA",
    120.0,
    "RFC 5321 §4.5.3.2.4",
    "the server only has to get ready to receive the message",
)
DATA_BLOCK_TIMEOUT = ClientTimeout(
    "the server to take the next block of message data",
    180.0,
    "RFC 5321 §4.5.3.2.5",
    "each write of message data may wait while the server works through what came before",
)
DATA_TERMINATION_TIMEOUT = ClientTimeout(
    "the reply after <CRLF>.<CRLF>",
    600.0,
    "RFC 5321 §4.5.3.2.6",
    "the server may scan or deliver the message before answering; giving up early risks a duplicate",
)
OTHER_TIMEOUT = ClientTimeout(
    "the reply",
    300.0,
    "RFC 5321 §4.5.3.2",
    "the RFC gives no figure for the other commands; clients use the 5 minutes of MAIL and RCPT",
)

# Keyed by verb, or by the pseudo-commands of client_state for replies that answer no command line.
REPLY_TIMEOUTS: dict[str, ClientTimeout] = {
    GREETING: GREETING_TIMEOUT,
    "MAIL": MAIL_TIMEOUT,
    "RCPT": RCPT_TIMEOUT,
    "DATA": DATA_INITIATION_TIMEOUT,
    DATA_END: DATA_TERMINATION_TIMEOUT,
    # RFC 3030 gives BDAT no figure of its own; a BDAT ... LAST ends a message like <CRLF>.<CRLF> does.
    "BDAT": DATA_TERMINATION_TIMEOUT,
    AUTH_RESPONSE: OTHER_TIMEOUT,
}


def reply_timeout(command: str) -> ClientTimeout:
    """The wait for the reply to ``command``: a command line as sent, or GREETING, DATA_END, AUTH_RESPONSE."""
    if command in REPLY_TIMEOUTS:
        return REPLY_TIMEOUTS[command]
    verb = split_command(command).verb
    return REPLY_TIMEOUTS.get(verb, OTHER_TIMEOUT)
