"""Transcript records: what the engine tells any front end (and the lesson runner) happened.

Rule: records are plain data, complete enough to render without asking the engine anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from smtpshell.explain.model import Explanation
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import Reply

# The command of an exchange the client did not prompt: an unsolicited reply, one that came when no command was
# outstanding (a last 421 from a server hanging up while the learner was idle, or a misbehaving server's extras).
# Such an exchange has kind "greeting", like the banner, the other reply nobody asked for.
UNPROMPTED = "<unprompted>"


@dataclass(frozen=True)
class Exchange:
    """One thing the client sent (or the greeting) and the reply it got."""

    index: int
    command: str  # as shown and saved: AUTH secrets redacted; a pseudo-command for the greeting or DATA end
    reply: Reply | None  # None when the connection dropped before a reply
    explanation: Explanation | None
    state: ClientState  # the client's view of the session after this reply
    tls: bool  # the exchange went over TLS
    sent_at: float
    replied_at: float | None
    server_reason: str | None = None  # from the sandbox: the rule that produced the reply
    kind: Literal["greeting", "command", "data", "auth"] = "command"  # greeting: a reply sent unasked (see above)
    payload_lines: tuple[str, ...] = ()  # the message as sent, for DATA and BDAT (dot-stuffed for DATA)


@dataclass(frozen=True)
class Notice:
    """Something the shell itself says: meta-command output, a warning, an explained error."""

    level: Literal["info", "warning", "error"]
    text: str
    detail: str = ""
    at: float = 0.0
    explanation: Explanation | None = None  # /explain's answer, for a front end that renders it richly
    # The lesson's own words (a step, its why, a hint): a front end that shows the lesson beside the conversation
    # may shorten this to its first line, so the text is in one place only.
    lesson_text: bool = False


@dataclass(frozen=True)
class ConnectionChange:
    """Connected, upgraded to TLS, or disconnected."""

    event: Literal["connected", "tls", "disconnected"]
    target: str  # "sandbox" or "host:port"
    detail: str = ""
    tls_info: dict[str, str] = field(default_factory=dict)
    at: float = 0.0
    # A disconnection: who ended it. "client": the learner or the shell asked (QUIT, /sandbox, Ctrl-C); "server":
    # the server hung up unasked (421, idle); "error": the connection failed. A front end decides on this, never
    # on the wording of ``detail``.
    initiator: Literal["client", "server", "error"] | None = None


Record = Exchange | Notice | ConnectionChange
