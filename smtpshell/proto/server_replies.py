"""Every reply the sandbox can send, by name: code, enhanced status code and text.

Rule: the server never writes a code inline; it names a reply here and adds its reason. A test checks every code
and enhanced code below against the registry in replies.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerReply:
    code: int
    enhanced: str | None
    text: str

    def format(self, **values: object) -> ServerReply:
        """The same reply with ``{placeholders}`` in its text filled in."""
        return ServerReply(self.code, self.enhanced, self.text.format(**values))


R = ServerReply

GREETING = R(220, None, "{host} ESMTP smtpshell sandbox; try HELP")
LMTP_GREETING = R(220, None, "{host} LMTP smtpshell sandbox; try HELP")
DELIVERED = R(250, "2.1.5", "<{address}> delivered, queued as {queue_id}")  # LMTP: one per recipient
WRONG_PROTOCOL = R(500, "5.5.1", "Error: {text}")
EHLO_OK = R(250, None, "{host} Hello {name} [{peer}]")
OK = R(250, "2.0.0", "Ok")
SENDER_OK = R(250, "2.1.0", "Ok")
RECIPIENT_OK = R(250, "2.1.5", "Ok")
QUEUED = R(250, "2.0.0", "Ok: queued as {queue_id}")
CHUNK_OK = R(250, "2.0.0", "{octets} octets received")
START_DATA = R(354, None, "End data with <CR><LF>.<CR><LF>")
READY_FOR_TLS = R(220, "2.0.0", "Ready to start TLS")
BYE = R(221, "2.0.0", "Bye")
AUTH_CHALLENGE = R(334, None, "{challenge}")
AUTH_OK = R(235, "2.7.0", "Authentication successful")

SYNTAX = R(501, "5.5.4", "Syntax: {usage}")
BAD_DOMAIN = R(501, "5.5.4", "Invalid domain name: {name}")
BAD_PARAMETER_VALUE = R(501, "5.5.4", "Bad value for {name}")
DUPLICATE_PARAMETER = R(501, "5.5.4", "Duplicate parameter {name}")
UNKNOWN_PARAMETER = R(555, "5.5.4", "Unsupported parameter {name}")
BAD_SENDER = R(501, "5.1.7", "Bad sender address syntax: <{address}>")
BAD_RECIPIENT = R(501, "5.1.3", "Bad recipient address syntax: <{address}>")
UTF8_SENDER = R(553, "5.6.7", "Non-ASCII sender address requires SMTPUTF8")
UTF8_RECIPIENT = R(553, "5.6.7", "Non-ASCII recipient requires SMTPUTF8")
BARE_CR_IN_COMMAND = R(501, "5.5.2", "Bare CR or NUL in command line")
LINE_TOO_LONG = R(500, "5.5.2", "Line too long")
AUTH_LINE_TOO_LONG = R(500, "5.5.6", "Authentication Exchange line is too long")
UNRECOGNIZED = R(500, "5.5.2", "Command unrecognized: {verb}")
NOT_IMPLEMENTED = R(502, "5.5.1", "Error: command not implemented")
OBSOLETE = R(502, "5.5.1", "{text}")
EXPN_DISABLED = R(502, "5.5.1", "EXPN is disabled")
AUTH_NOT_ENABLED = R(502, "5.5.1", "Error: authentication not enabled")

NEED_HELO = R(503, "5.5.1", "Error: send HELO/EHLO first")
NEED_MAIL = R(503, "5.5.1", "Error: need MAIL command")
NESTED_MAIL = R(503, "5.5.1", "Error: nested MAIL command")
OUT_OF_SEQUENCE = R(503, "5.5.1", "Error: {what}")
NO_RECIPIENTS = R(554, "5.5.1", "Error: no valid recipients")
HELP_UNKNOWN = R(504, "5.5.1", "HELP topic unknown: {topic}")
HELP = R(214, "2.0.0", "{text}")

SIZE_EXCEEDED = R(552, "5.3.4", "Message size exceeds fixed limit")
TOO_MANY_RECIPIENTS = R(452, "4.5.3", "Error: too many recipients")
USER_UNKNOWN = R(550, "5.1.1", "<{address}>: Recipient address rejected: User unknown")
RELAY_DENIED = R(554, "5.7.1", "<{address}>: Relay access denied")
BARE_NEWLINE = R(554, "5.6.0", "Message refused: bare {kind} in message data")
LOCAL_ERROR = R(451, "4.3.0", "Error: local error in processing, try again later")

VRFY_OK = R(250, "2.1.5", "{text}")
VRFY_CANNOT = R(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")
VRFY_NOT_LOCAL = R(252, "2.5.0", "Cannot VRFY <{address}>: not a local domain")
NO_SUCH_USER = R(550, "5.1.1", "<{address}>: User unknown")
NOT_A_LIST = R(550, "5.1.1", "{address} is a mailbox, not a mailing list")
NO_SUCH_LIST = R(550, "5.1.1", "<{address}>: no such mailing list")
ETRN_STARTED = R(250, "2.0.0", "Queuing for node {node} started")

TLS_ACTIVE = R(503, "5.5.1", "Error: TLS already active")
TLS_UNAVAILABLE = R(454, "4.7.0", "TLS not available due to temporary reason")
ENCRYPTION_REQUIRED = R(538, "5.7.11", "Encryption required for requested authentication mechanism")
AUTH_UNKNOWN_MECHANISM = R(504, "5.5.4", "Unrecognized authentication type")
AUTH_ABORTED = R(501, "5.7.0", "Authentication aborted")
AUTH_UNDECODABLE = R(501, "5.5.2", "Cannot decode response")
AUTH_FAILED = R(535, "5.7.8", "Authentication credentials invalid")

TIMEOUT = R(421, "4.4.2", "{host} Timeout: closing connection")
COMMAND_DEADLINE = R(421, "4.4.2", "{host} Error: timeout exceeded, the command line took too long to arrive")
MESSAGE_DEADLINE = R(421, "4.4.2", "{host} Error: timeout exceeded, the message took too long to arrive")
TOO_MANY_ERRORS = R(421, "4.7.0", "{host} Error: too many errors")
TOO_MANY_CONNECTIONS = R(421, "4.3.2", "{host} Too many connections, try again later")
TOO_MANY_FROM_PEER = R(421, "4.7.0", "{host} Error: too many connections from {peer}")
SHUTTING_DOWN = R(421, "4.3.2", "{host} Service shutting down, closing connection")


def echoed(text: str, limit: int = 100) -> str:
    """Client text as a reply may repeat it: at most ``limit`` characters, and anything that is not printable
    (control characters, octets that were not UTF-8) written as \\xNN, so a reply never carries them back."""
    if text.isprintable():  # the usual case, checked in C; surrogates and controls are not printable
        return text if len(text) <= limit else text[:limit] + "..."
    shown = []
    for char in text[:limit]:
        point = ord(char)
        if 0xDC80 <= point <= 0xDCFF:  # an octet that was not UTF-8, kept by surrogateescape
            shown.append(f"\\x{point - 0xDC00:02x}")
        elif char.isprintable() and not 0xD800 <= point <= 0xDFFF:
            shown.append(char)
        else:
            shown.append(f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}")
    return "".join(shown) + ("..." if len(text) > limit else "")


def catalog() -> dict[str, ServerReply]:
    """Every named reply, for the registry test and for documentation."""
    return {name: value for name, value in globals().items() if isinstance(value, ServerReply)}
