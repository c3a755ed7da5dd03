"""The sandbox's policy: its name, directory, users, limits, extensions and faults.

One `SandboxPolicy` is shared by every connection of a sandbox (greylisting memory lives in its fault plan).
Lessons change it to switch extensions off, add faults, or allow AUTH over plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smtpshell.proto.commands import SANDBOX_EXTENSIONS
from smtpshell.proto.faults import FaultPlan

DEFAULT_MAILBOXES: dict[str, str] = {
    "postmaster": "Postmaster",  # RFC 5321 §4.5.1: every domain must have a postmaster
    "alice": "Alice Liddell",
    "bob": "Bob Cratchit",
    "carol": "Carol Danvers",
    "dave": "Dave Bowman",
}
DEFAULT_LISTS: dict[str, tuple[str, ...]] = {
    "staff": ("alice", "bob", "carol"),
}
DEFAULT_USERS: dict[str, str] = {"alice": "wonderland"}

# RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; extensions add room for their parameters.
COMMAND_LINE_LIMIT = 512
LINE_ALLOWANCE: dict[str, int] = {"SIZE": 26, "DSN": 600, "AUTH": 500, "SMTPUTF8": 10}
AUTH_LINE_LIMIT = 12288  # RFC 4954 §4: AUTH lines may carry long initial responses
TEXT_LINE_LIMIT = 1000  # RFC 5321 §4.5.3.1.6, including CRLF


@dataclass
class SandboxPolicy:
    hostname: str = "sandbox.test"
    domains: tuple[str, ...] = ("sandbox.test",)
    mailboxes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MAILBOXES))
    lists: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LISTS))
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    size_limit: int = 10 * 1024 * 1024
    max_recipients: int = 100
    extensions: tuple[str, ...] = SANDBOX_EXTENSIONS
    auth_over_plaintext: bool = False
    tls_available: bool = True  # the transport clears this when it has no certificate
    vrfy: bool = True
    expn: bool = True
    max_errors: int = 10  # unknown or malformed commands before the server hangs up
    reject_bare_newlines: bool = True  # SMTP smuggling defence; a lesson may turn it off to show the danger
    command_timeout: float = 300.0  # RFC 5321 §4.5.3.2.7: at least 5 minutes awaiting a command
    data_timeout: float = 180.0  # RFC 5321 §4.5.3.2.5: 3 minutes for each block of data
    faults: FaultPlan = field(default_factory=FaultPlan)
    lmtp: bool = False  # RFC 2033: greet with LHLO (HELO/EHLO refused), one reply per recipient after the data

    def is_local_domain(self, domain: str) -> bool:
        return domain.lower().rstrip(".") in self.domains

    def offers(self, keyword: str) -> bool:
        return keyword in self.extensions

    def line_limit(self) -> int:
        return COMMAND_LINE_LIMIT + sum(n for k, n in LINE_ALLOWANCE.items() if k in self.extensions)
