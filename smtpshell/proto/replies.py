"""The reply registry: SMTP reply codes, enhanced status codes, and the `Reply` value both sides exchange.

Rule: a code's short meaning is written here once. The server's replies, the lexer's token classes, the
explanations and the lesson checks all refer to this registry; the richer teaching text lives in explain/.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from smtpshell.proto.visible_text import visible

# RFC 5321 §4.2.1: the first digit says how the command went, the second what the reply is about.
FIRST_DIGIT: dict[int, str] = {
    2: "positive completion: the command succeeded",
    3: "positive intermediate: go on, the server waits for more",
    4: "transient negative: failed this time; the same command may work later",
    5: "permanent negative: failed; repeating it unchanged will fail again",
}
SECOND_DIGIT: dict[int, str] = {
    0: "syntax",
    1: "information",
    2: "connections",
    3: "unspecified",
    4: "unspecified",
    5: "mail system",
}

# The basic reply codes of RFC 5321 and the extension RFCs, with their short meaning and the RFC that defines them.
BASIC_CODES: dict[int, tuple[str, str]] = {
    211: ("System status, or system help reply", "RFC 5321"),
    214: ("Help message", "RFC 5321"),
    220: ("Service ready", "RFC 5321"),
    221: ("Service closing transmission channel", "RFC 5321"),
    235: ("Authentication succeeded", "RFC 4954"),
    250: ("Requested mail action okay, completed", "RFC 5321"),
    251: ("User not local; will forward", "RFC 5321"),
    252: ("Cannot VRFY user, but will accept message and attempt delivery", "RFC 5321"),
    253: ("OK, pending messages for node started (ETRN)", "RFC 1985"),
    334: ("Server challenge: send the next part of the authentication exchange", "RFC 4954"),
    354: ("Start mail input; end with <CRLF>.<CRLF>", "RFC 5321"),
    421: ("Service not available, closing transmission channel", "RFC 5321"),
    432: ("A password transition is needed", "RFC 4954"),
    450: ("Requested mail action not taken: mailbox unavailable", "RFC 5321"),
    451: ("Requested action aborted: local error in processing", "RFC 5321"),
    452: ("Requested action not taken: insufficient system storage", "RFC 5321"),
    454: ("Temporary authentication failure, or TLS not available", "RFC 4954"),
    455: ("Server unable to accommodate parameters", "RFC 5321"),
    458: ("Unable to queue messages for node (ETRN)", "RFC 1985"),
    459: ("Node not allowed (ETRN)", "RFC 1985"),
    500: ("Syntax error, command unrecognized", "RFC 5321"),
    501: ("Syntax error in parameters or arguments", "RFC 5321"),
    502: ("Command not implemented", "RFC 5321"),
    503: ("Bad sequence of commands", "RFC 5321"),
    504: ("Command parameter not implemented", "RFC 5321"),
    521: ("Host does not accept mail", "RFC 7504"),
    523: ("Encryption needed: message too big for the transport without it", "RFC 5248"),
    530: ("Authentication required", "RFC 4954"),
    534: ("Authentication mechanism is too weak", "RFC 4954"),
    535: ("Authentication credentials invalid", "RFC 4954"),
    538: ("Encryption required for requested authentication mechanism", "RFC 4954"),
    550: ("Requested action not taken: mailbox unavailable", "RFC 5321"),
    551: ("User not local; please try another path", "RFC 5321"),
    552: ("Requested mail action aborted: exceeded storage allocation", "RFC 5321"),
    553: ("Requested action not taken: mailbox name not allowed", "RFC 5321"),
    554: ("Transaction failed (or, as a greeting, no SMTP service here)", "RFC 5321"),
    555: ("MAIL FROM/RCPT TO parameters not recognized or not implemented", "RFC 5321"),
    556: ("Domain does not accept mail", "RFC 7504"),
}

# The enhanced status codes (RFC 3463, IANA registry) the sandbox itself sends. The explain/ knowledge base
# covers the whole registry; a test checks that it agrees with these.
ENHANCED_CODES: dict[str, str] = {
    "X.0.0": "Other undefined status",
    "X.1.0": "Other address status",
    "X.1.1": "Bad destination mailbox address",
    "X.1.3": "Bad destination mailbox address syntax",
    "X.1.5": "Destination address valid",
    "X.1.6": "Destination mailbox has moved, no forwarding address",
    "X.1.7": "Bad sender's mailbox address syntax",
    "X.1.8": "Bad sender's system address",
    "X.2.2": "Mailbox full",
    "X.3.0": "Other or undefined mail system status",
    "X.3.2": "System not accepting network messages",
    "X.3.4": "Message too big for system",
    "X.4.2": "Bad connection",
    "X.4.3": "Directory server failure",
    "X.4.7": "Delivery time expired",
    "X.5.0": "Other or undefined protocol status",
    "X.5.1": "Invalid command",
    "X.5.2": "Syntax error",
    "X.5.3": "Too many recipients",
    "X.5.4": "Invalid command arguments",
    "X.5.6": "Authentication exchange line is too long",
    "X.6.0": "Other or undefined media error",
    "X.6.7": "Non-ASCII addresses not permitted for that sender/recipient",
    "X.7.0": "Other or undefined security status",
    "X.7.1": "Delivery not authorized, message refused",
    "X.7.8": "Authentication credentials invalid",
    "X.7.11": "Encryption required for requested authentication mechanism",
    # Sent by the authentication lab (authlab/receiver.py) with the texts real receivers use; Gmail sends X.7.27
    # for "SPF did not pass", although the registry's meaning is the null MX of RFC 7505.
    "X.7.23": "SPF validation failed",
    "X.7.26": "Multiple authentication checks failed",
    "X.7.27": "Sender address has null MX",
}

_ENHANCED_RE = re.compile(r"^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?=\s|$)")


@dataclass(frozen=True, order=True)
class EnhancedStatus:
    """An RFC 3463 enhanced status code: class.subject.detail, such as 5.7.1."""

    klass: int
    subject: int
    detail: int

    @classmethod
    def parse(cls, text: str) -> EnhancedStatus | None:
        return _parse_enhanced(text.strip()[:12])

    @property
    def generic(self) -> str:
        """The registry key, with the class written as X: ``X.7.1``."""
        return f"X.{self.subject}.{self.detail}"

    def __str__(self) -> str:
        return f"{self.klass}.{self.subject}.{self.detail}"


@functools.lru_cache(maxsize=1024)
def _parse_enhanced(head: str) -> EnhancedStatus | None:
    # Cached: a server names the same few codes over and over.
    match = _ENHANCED_RE.match(head)
    return EnhancedStatus(int(match[1]), int(match[2]), int(match[3])) if match else None


@dataclass(frozen=True)
class Reply:
    """One complete SMTP reply, possibly multi-line.

    ``lines`` hold the text after the code and separator of each line; when the server sent an enhanced status
    code, it is parsed off the first line into ``enhanced`` and left in ``lines`` as sent.
    """

    code: int
    lines: tuple[str, ...] = ("",)
    enhanced: EnhancedStatus | None = field(default=None, compare=True)

    @classmethod
    def make(cls, code: int, text: str | list[str] | tuple[str, ...], enhanced: str | None = None) -> Reply:
        """Build a reply; ``enhanced`` (``"2.1.5"``) is prefixed to every line, as RFC 2034 §3 asks."""
        status = EnhancedStatus.parse(enhanced) if enhanced else None
        if isinstance(text, str):
            return cls(code, (f"{status} {text}".rstrip() if status else text,), status)
        lines = [f"{status} {line}".rstrip() for line in text] if status else list(text)
        return cls(code, tuple(lines) or ("",), status)

    @property
    def text(self) -> str:
        """The human text, lines joined by newlines, without the enhanced code."""
        return "\n".join(self._strip_enhanced(line) for line in self.lines)

    def _strip_enhanced(self, line: str) -> str:
        if self.enhanced is not None and line.startswith(str(self.enhanced)):
            return line[len(str(self.enhanced)) :].lstrip()
        return line

    @property
    def first_digit(self) -> int:
        return self.code // 100

    @property
    def is_success(self) -> bool:
        return self.first_digit == 2

    @property
    def is_intermediate(self) -> bool:
        return self.first_digit == 3

    @property
    def is_transient(self) -> bool:
        return self.first_digit == 4

    @property
    def is_permanent(self) -> bool:
        return self.first_digit == 5

    def wire_lines(self) -> list[str]:
        """The reply as it is written on the wire, one string per line, without CRLF."""
        last = len(self.lines) - 1
        return [f"{self.code}{' ' if i == last else '-'}{line}".rstrip() for i, line in enumerate(self.lines)]

    def to_bytes(self) -> bytes:
        # visible(): a CR or LF in any text (a lesson's full name, a reason) must not end the line and forge a
        # second reply, nor a control character reach a telnet user's terminal; it is a no-op on printable text.
        if len(self.lines) == 1:  # most replies: skip the list building, it is on the server's hot path
            return visible(f"{self.code} {self.lines[0]}".rstrip()).encode("utf-8", "surrogateescape") + b"\r\n"
        return "".join(visible(line) + "\r\n" for line in self.wire_lines()).encode("utf-8", "surrogateescape")

    def __str__(self) -> str:
        return "\n".join(self.wire_lines())


def code_meaning(code: int) -> str | None:
    entry = BASIC_CODES.get(code)
    return entry[0] if entry else None
