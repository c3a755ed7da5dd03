"""How many clients the sandbox serves at once: in all, and from one client address.

Rule: a client address may hold only a share of the places (10 of the 100 by default), so one machine opening
idle connections cannot lock a whole class out; the global cap still bounds the server. Like Postfix's
smtpd_client_connection_count_limit, the refusal is a 421 that names the address.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from smtpshell.proto import server_replies as R
from smtpshell.proto.server_replies import ServerReply

DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_PER_ADDRESS = 10


@dataclass(frozen=True)
class ConnectionRefusal:
    reply: ServerReply
    reason: str


class ConnectionLimits:
    """Counts the open connections in all and per client address; used from the server's event loop only."""

    def __init__(self, total: int = DEFAULT_MAX_CONNECTIONS, per_address: int = DEFAULT_MAX_PER_ADDRESS) -> None:
        self.total = total
        self.per_address = per_address
        self._open: Counter[str] = Counter()

    def admit(self, address: str, hostname: str) -> ConnectionRefusal | None:
        """Count a new connection from ``address`` in; or say, with the 421 to send, why it is refused."""
        if sum(self._open.values()) >= self.total:
            return ConnectionRefusal(
                R.TOO_MANY_CONNECTIONS.format(host=hostname),
                f"the sandbox already serves {self.total} connections, its limit (--max-connections)",
            )
        if self._open[address] >= self.per_address:
            return ConnectionRefusal(
                R.TOO_MANY_FROM_PEER.format(host=hostname, peer=address),
                f"{address} already has {self.per_address} connections open, the limit for one client address "
                "(--max-per-address), so that one machine cannot take every place",
            )
        self._open[address] += 1
        return None

    def release(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]

    def open_from(self, address: str) -> int:
        return self._open[address]
