"""What a handout holds: the conversation as blocks of transcript lines, each exchange with its explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from smtpshell.explain.model import Explanation


@dataclass(frozen=True)
class HandoutExchange:
    """One command (or the greeting) and its reply: the lines as a transcript shows them, then what they mean."""

    title: str  # the command as sent ("EHLO me"), or what the reply answered ("Greeting", "End of message")
    lines: tuple[str, ...]  # transcript lines with C:/S: (or the source's own) prefixes, highlighted as SMTP
    explanation: Explanation | None
    server_reason: str | None = None  # the sandbox's reason, when the transcript knows it
    tls: bool = False
    is_command: bool = True  # the title is a command line (shown as code), not a description
    is_session: bool = True  # the lines are SMTP (highlighted as such), not a bounce's fields


@dataclass(frozen=True)
class HandoutNote:
    """Something said between exchanges: the shell's notice, a connection change, a presenter's note."""

    level: Literal["info", "warning", "error", "connection"]
    lines: tuple[str, ...]


HandoutItem = HandoutExchange | HandoutNote


@dataclass(frozen=True)
class Handout:
    title: str
    subtitle: str  # where the session came from and when
    items: list[HandoutItem] = field(default_factory=list)

    def exchanges(self) -> list[HandoutExchange]:
        return [item for item in self.items if isinstance(item, HandoutExchange)]
