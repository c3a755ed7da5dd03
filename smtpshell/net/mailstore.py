"""The sandbox's mailbox: every message it accepted, with its envelope; optionally also written to a Maildir.

Rule: ``add`` is the machine's deliver callback and runs before the 250 is sent; it either stores the message
(durably, when a Maildir is set) or raises DeliveryError, and then the client hears 451 and not 250.
Memory is bounded by octets, not only by count: it holds the newest messages up to ``max_bytes`` of content
(and at most ``keep`` of them), dropping the oldest, so a sandbox that a client feeds 10 MiB messages all day
stays small; the Maildir, when set, keeps every one.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

from smtpshell.net.maildir import prepare_maildir, write_to_maildir
from smtpshell.proto.events import Message
from smtpshell.proto.server import DeliveryError

DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024  # three messages at the 10 MiB SIZE limit, thousands of lesson-sized ones


class MailStore:
    """Thread-safe: the server's thread (or its disk workers) add, any thread reads."""

    def __init__(
        self, maildir: Path | None = None, *, keep: int = 10_000, max_bytes: int = DEFAULT_MEMORY_BYTES
    ) -> None:
        self._messages: deque[Message] = deque()
        self._lock = threading.Lock()
        self.keep = keep
        self.max_bytes = max_bytes
        self._bytes = 0  # content octets held in memory
        self.accepted = 0  # every message accepted since the start, kept in memory or not
        self.dropped = 0  # accepted, then let go from memory to stay under the limits (still in the Maildir)
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
            self._bytes += len(message.content)
            self.accepted += 1
            # The newest message always stays, even when it alone is over the limit.
            while len(self._messages) > 1 and (len(self._messages) > self.keep or self._bytes > self.max_bytes):
                self._bytes -= len(self._messages.popleft().content)
                self.dropped += 1

    def messages(self) -> list[Message]:
        """A copy of the accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._bytes = 0

    @property
    def bytes_held(self) -> int:
        """The content octets of the messages held in memory."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
