"""The sandbox's log: every command it read and every reply it sent, with the reason, per session and peer.

Rule: the transport appends a reply's entry BEFORE writing the reply to the socket, so a client that has read a
reply always finds its reason here. Only what the machine reported is logged: commands (AUTH already redacted),
replies and session events; never raw bytes, so credentials never reach the log.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from smtpshell.proto.events import Authenticated, CommandReceived, SendReply

_logger = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES = 20_000  # the oldest go first: a long-running `serve` must not grow without end (~8 MB)


@dataclass(frozen=True, slots=True)
class SessionOpened:
    """A client connected; ``tls`` when it came in on the implicit-TLS port."""

    tls: bool


@dataclass(frozen=True, slots=True)
class TLSEstablished:
    """The TLS handshake finished (after STARTTLS or on the implicit-TLS port)."""

    version: str
    cipher: str


@dataclass(frozen=True, slots=True)
class SessionClosed:
    """The connection ended: how many commands it sent, how many messages were delivered, and why it ended."""

    commands: int
    messages: int
    reason: str


LogItem = CommandReceived | SendReply | Authenticated | SessionOpened | TLSEstablished | SessionClosed


@dataclass(frozen=True, slots=True)
class LogEntry:
    session: int  # numbered from 1 in the order clients connected
    peer: str  # the client's "ip:port"
    at: float  # seconds since the epoch
    item: LogItem


class ServerLog:
    """A thread-safe, bounded list of log entries; subscribers hear of each new entry as it is appended."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=max_entries)
        self._lock = threading.Lock()
        self._subscribers: tuple[Callable[[LogEntry], None], ...] = ()

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            subscribers = self._subscribers
        # Subscribers run on the server's thread, outside the lock, so one may read the log without deadlock.
        for callback in subscribers:
            try:
                callback(entry)
            except Exception:
                # A broken subscriber must not take the server's connection down with it.
                _logger.exception("server log subscriber %r failed", callback)

    def entries(self, peer: str | None = None) -> list[LogEntry]:
        """A copy of the entries, oldest first; only those of one client "ip:port" when ``peer`` is given."""
        with self._lock:
            if peer is None:
                return list(self._entries)
            return [entry for entry in self._entries if entry.peer == peer]

    def subscribe(self, callback: Callable[[LogEntry], None]) -> Callable[[], None]:
        """Call ``callback`` with every new entry (on the server's thread); returns a function that unsubscribes."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
