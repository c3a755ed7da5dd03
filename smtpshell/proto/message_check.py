"""A hook for judging a whole message before the sandbox accepts it (the authentication lab plugs in here).

Rule: the server asks the check, if the policy has one, after the final '.' (or BDAT LAST) and before it stores
the message: a verdict with a reply refuses the message with it; a verdict without one accepts it, with header
fields (Authentication-Results) put in front. The check itself lives outside proto/, which stays standard-library
only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smtpshell.proto.server_replies import ServerReply


@dataclass(frozen=True)
class MessageCheckInput:
    peer: str  # the client's IP address
    helo: str  # the name it gave in EHLO/HELO
    sender: str  # MAIL FROM, "" for the null sender
    recipients: tuple[str, ...]
    content: bytes  # the message as received, before the server's trace headers


@dataclass(frozen=True)
class MessageVerdict:
    reason: str  # why, for the server's log and the learner
    reply: ServerReply | None = None  # a refusal; None accepts the message
    headers: bytes = b""  # header fields (CRLF-ended) put in front of a message that is accepted


MessageCheck = Callable[[MessageCheckInput], MessageVerdict | None]
