"""Choosing one of a domain's mail servers: its MX hosts numbered in preference order, then one picked by number.

Rule: number 1 is where mail goes first (the lowest preference, RFC 5321 §5.1); a host is picked by its number,
with a port if needed (``2`` or ``2:587``), and keeps the TLS options given with --mx unless new ones are given.
The shell's /connect and the command line (`smtpshell connect --mx DOMAIN`) share this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smtpshell.session.target import ConnectRequest, Target, TargetError, is_choice

if TYPE_CHECKING:
    from smtpshell.net.mx import MXResult


@dataclass(frozen=True)
class MXChoice:
    result: MXResult
    request: ConnectRequest  # the /connect --mx words: their TLS options go with the host picked

    def heading(self) -> str:
        count = len(self.result.hosts)
        if self.result.implicit:
            return f"{self.result.domain} has no MX records: its mail goes to the domain's own address."
        servers = f"these {count} servers" if count != 1 else "this server"
        return f"Mail for {self.result.domain} goes to {servers}, in the order senders try them:"

    def rows(self) -> list[str]:
        """One numbered line per host, most preferred first."""
        if self.result.implicit:
            return [f"1. {self.result.domain}  (the implicit MX, RFC 5321 §5.1)"]
        width = len(str(len(self.result.hosts)))
        return [
            f"{number:>{width}}. {host.host}  (preference {host.preference})"
            for number, host in enumerate(self.result.hosts, 1)
        ]

    def explanation(self) -> str:
        return (
            "A domain's MX records name the servers that take its mail; a sender tries the lowest preference "
            "first and the next when one fails (equal preferences share the load). They listen on port 25, "
            "for mail from other servers."
        )

    def pick(self, word: str, request: ConnectRequest | None = None) -> Target:
        """The Target for ``word`` (``N`` or ``N:PORT``), with ``request``'s TLS options, else those of --mx."""
        if not is_choice(word):
            raise TargetError(f"{word!r} is not one of the numbers 1 to {len(self.result.hosts)}")
        number, _, port = word.partition(":")
        if not 1 <= int(number) <= len(self.result.hosts):
            raise TargetError(f"choose a number from 1 to {len(self.result.hosts)} (you typed {number})")
        host = self.result.hosts[int(number) - 1].host
        options = (request or self.request).with_options_of(self.request)
        return options.target(f"[{host}]:{port}" if port and ":" in host else f"{host}:{port}" if port else host)


async def look_up(domain: str, nameserver: str | None = None) -> MXResult:
    """The domain's MX hosts (raises MXLookupFailed, a ClientError, with a headline and advice)."""
    # dnspython is imported on the first lookup only: most sessions never make one.
    from smtpshell.net.mx import lookup_mx

    return await lookup_mx(domain, nameserver=nameserver)
