"""The sandbox's policy: its name, directory, users, limits, extensions and faults.

One `SandboxPolicy` is shared by every connection of a sandbox (greylisting memory lives in its fault plan).
Lessons change it to switch extensions off, add faults, or allow AUTH over plaintext.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smtpshell.proto.commands import SANDBOX_EXTENSIONS
from smtpshell.proto.faults import FaultPlan
from smtpshell.proto.message_check import MessageCheck

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

# RFC 5321 §4.5.3.1.4: a command line is at most 512 octets counting the command word and the CRLF. Only the
# extensions whose parameters a MAIL or RCPT line may carry raise that verb's limit, by what their RFC names.
COMMAND_LINE_LIMIT = 512
LINE_ALLOWANCE: dict[str, dict[str, int]] = {
    "MAIL": {"SIZE": 26, "8BITMIME": 16, "DSN": 100, "AUTH": 500, "SMTPUTF8": 10},  # RFC 1870, 6152, 3461, 4954, 6531
    "RCPT": {"DSN": 500},  # RFC 3461: NOTIFY and ORCPT
}
# RFC 4954 §4: a server must take the longest base64 line its mechanisms can produce, whatever the command limit;
# AUTH lines and the answers to a 334 get their own limit.
AUTH_LINE_LIMIT = 12288
TEXT_LINE_LIMIT = 1000  # RFC 5321 §4.5.3.1.6, including CRLF, not counting a dot added by dot-stuffing


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
    # Error replies (4xx/5xx) before the server hangs up with 421; a delivered message starts the count again.
    # Postfix's smtpd_hard_error_limit, with its default.
    max_errors: int = 20
    reject_bare_newlines: bool = True  # SMTP smuggling defence; a lesson may turn it off to show the danger
    command_timeout: float = 300.0  # RFC 5321 §4.5.3.2.7: at least 5 minutes awaiting a command
    data_timeout: float = 180.0  # RFC 5321 §4.5.3.2.5: 3 minutes for each block of data
    # The idle timers above restart with every octet, so a client dribbling one octet at a time never meets them:
    # a whole command line and a whole message each have a deadline too (Postfix's smtpd_per_record_deadline).
    command_deadline: float = 300.0
    message_deadline: float = 900.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    message_check: MessageCheck | None = None  # judges each whole message (the authentication lab); None: accept
    lmtp: bool = False  # RFC 2033: greet with LHLO (HELO/EHLO refused), one reply per recipient after the data

    def is_local_domain(self, domain: str) -> bool:
        return domain.lower().rstrip(".") in self.domains

    def offers(self, keyword: str) -> bool:
        return keyword in self.extensions

    def line_limit(self, verb: str = "", offered: Callable[[str], bool] | None = None) -> int:
        """The longest command line (with CRLF) for ``verb``, given the extensions ``offered`` in the session."""
        offers = offered or self.offers
        return COMMAND_LINE_LIMIT + sum(n for k, n in LINE_ALLOWANCE.get(verb, {}).items() if offers(k))
