"""The sandbox's mailbox: every message it accepted, with its envelope; optionally also written to a Maildir.

Rule: ``add`` is the machine's deliver callback and runs before the 250 is sent; it either stores the message
(durably, when a Maildir is set) or raises DeliveryError, and then the client hears 451 and not 250.
Memory holds the newest ``keep`` messages, so a sandbox serving a class all day does not grow without bound;
the Maildir, when set, keeps every one.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

from smtpshell.net.maildir import prepare_maildir, write_to_maildir
from smtpshell.proto.events import Message
from smtpshell.proto.server import DeliveryError


class MailStore:
    """Thread-safe: the server's thread adds, any thread reads."""

    def __init__(self, maildir: Path | None = None, *, keep: int = 10_000) -> None:
        self._messages: deque[Message] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.accepted = 0  # every message accepted since the start, kept in memory or not
        self.maildir = maildir
        if maildir is not None:
            prepare_maildir(maildir)  # fail at start-up, not at the first message

    def add(self, message: Message) -> None:
        if self.maildir is not None:
            try:
                write_to_maildir(self.maildir, message)
            except OSError as error:
                reason = error.strerror or str(error)
                raise DeliveryError(f"could not write the message into the Maildir {self.maildir}: {reason}") from None
        with self._lock:
            self._messages.append(message)
            self.accepted += 1

    def messages(self) -> list[Message]:
        """A copy of the accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
