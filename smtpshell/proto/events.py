"""What the server state machine asks of its transport, in order: send this reply, upgrade to TLS, wait, close.

The transport carries them out one by one, in the order given; a reply follows every event it depends on
(the 250 after a message is only emitted once the message was delivered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smtpshell.proto.replies import Reply


@dataclass(frozen=True)
class CommandReceived:
    """A command line as the server read it; AUTH arguments and responses are already redacted."""

    line: str


@dataclass(frozen=True)
class SendReply:
    """Write this reply; ``reason`` is the rule or state that made the server answer so."""

    reply: Reply
    reason: str
    command: str | None = None  # the verb it answers; None for the greeting and for timeouts


@dataclass(frozen=True)
class StartTLS:
    """Upgrade the connection now (after sending the 220 before it); then call ``tls_established``."""


@dataclass(frozen=True)
class Delay:
    """Wait this long before carrying out what follows (a fault: a slow server)."""

    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the connection after sending what came before."""

    reason: str


@dataclass(frozen=True)
class Envelope:
    sender: str  # "" for the null reverse-path <>
    recipients: tuple[str, ...]
    mail_params: dict[str, str | None] = field(default_factory=dict)
    rcpt_params: dict[str, dict[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """A message the sandbox accepted: its envelope, its content (with the Received header) and how it came."""

    queue_id: str
    envelope: Envelope
    content: bytes
    helo: str
    peer: str
    tls: bool
    authenticated_as: str | None
    received_at: float  # seconds since the epoch
    protocol: str  # RFC 3848 "with" keyword: SMTP, ESMTP, ESMTPS, ESMTPSA, ...


@dataclass(frozen=True)
class Deliver:
    """Store this message (durably), then call ``delivery_done``; no reply is sent before (the 250 waits for it).

    Emitted only by a machine made without a deliver callback, so a transport can do the disk work off its loop.
    """

    message: Message
    # How to store it: the function the machine was given, or None for the transport's own (a machine made
    # without one).
    store: Callable[[Message], None] | None = None


@dataclass(frozen=True)
class MessageAccepted:
    message: Message


@dataclass(frozen=True)
class Authenticated:
    username: str
    mechanism: str


Output = CommandReceived | SendReply | StartTLS | Delay | Close | Deliver | MessageAccepted | Authenticated
