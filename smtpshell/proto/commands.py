"""The SMTP command table: every verb, its syntax, its parameters, the EHLO keyword that enables it, its RFC.

This is the one place these facts are written. The sandbox's HELP replies, the completer, the lexer, the
explanations and the lesson checks all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """An ESMTP parameter of MAIL or RCPT (``SIZE=1000``, ``SMTPUTF8``)."""

    name: str
    keyword: str  # the EHLO keyword that must be advertised before a client may use it
    summary: str
    rfc: str
    value: str | None = None  # the value's syntax; None for a flag such as SMTPUTF8
    choices: tuple[str, ...] = ()  # the allowed values when they form a closed set


@dataclass(frozen=True)
class Command:
    verb: str
    syntax: str
    summary: str  # one line a learner understands; completion shows it beside the verb
    rfc: str
    example: str
    keyword: str | None = None  # EHLO keyword that enables the verb; None for the base protocol
    prefix: str | None = None  # the argument keyword that follows the verb: "FROM:" for MAIL, "TO:" for RCPT
    params: tuple[Param, ...] = ()
    obsolete: bool = False  # removed from the standard; servers answer 502
    needs_argument: bool = False
    takes_argument: bool = True


MAIL_PARAMS = (
    Param(
        "SIZE",
        "SIZE",
        "declare the message size in octets, so an oversized message is refused up front",
        "RFC 1870",
        value="<octets>",
    ),
    Param(
        "BODY",
        "8BITMIME",
        "declare the body type: 7BIT, 8BITMIME or BINARYMIME",
        "RFC 6152",
        value="<type>",
        choices=("7BIT", "8BITMIME", "BINARYMIME"),
    ),
    Param("SMTPUTF8", "SMTPUTF8", "this message uses UTF-8 addresses or headers", "RFC 6531"),
    Param(
        "RET",
        "DSN",
        "what a bounce should carry: FULL message or only HDRS",
        "RFC 3461",
        value="<FULL|HDRS>",
        choices=("FULL", "HDRS"),
    ),
    Param(
        "ENVID",
        "DSN",
        "an envelope id of your choosing, echoed back in delivery notifications",
        "RFC 3461",
        value="<xtext>",
    ),
    Param(
        "AUTH",
        "AUTH",
        "the authenticated identity that submitted the message (<> if unknown)",
        "RFC 4954",
        value="<mailbox or <>>",
    ),
)

RCPT_PARAMS = (
    Param(
        "NOTIFY",
        "DSN",
        "when to send a delivery notification: NEVER, or SUCCESS,FAILURE,DELAY",
        "RFC 3461",
        value="<NEVER|SUCCESS,FAILURE,DELAY>",
        choices=("NEVER", "SUCCESS", "FAILURE", "DELAY"),
    ),
    Param(
        "ORCPT",
        "DSN",
        "the original recipient, as rfc822;address, for delivery notifications",
        "RFC 3461",
        value="<addr-type;xtext>",
    ),
)

COMMANDS: dict[str, Command] = {
    c.verb: c
    for c in (
        Command(
            "HELO",
            "HELO <domain>",
            "greet the server the old way (no extensions)",
            "RFC 5321 §4.1.1.1",
            "HELO client.example",
            needs_argument=True,
        ),
        Command(
            "EHLO",
            "EHLO <domain>",
            "greet the server and ask which extensions it supports",
            "RFC 5321 §4.1.1.1",
            "EHLO client.example",
            needs_argument=True,
        ),
        Command(
            "MAIL",
            "MAIL FROM:<reverse-path> [parameters]",
            "start a message: give the envelope sender",
            "RFC 5321 §4.1.1.2",
            "MAIL FROM:<alice@sandbox.test>",
            prefix="FROM:",
            params=MAIL_PARAMS,
            needs_argument=True,
        ),
        Command(
            "RCPT",
            "RCPT TO:<forward-path> [parameters]",
            "add a recipient to the message",
            "RFC 5321 §4.1.1.3",
            "RCPT TO:<bob@sandbox.test>",
            prefix="TO:",
            params=RCPT_PARAMS,
            needs_argument=True,
        ),
        Command(
            "DATA",
            "DATA",
            "send the message itself; end it with a line holding only '.'",
            "RFC 5321 §4.1.1.4",
            "DATA",
            takes_argument=False,
        ),
        Command(
            "BDAT",
            "BDAT <size> [LAST]",
            "send the message in chunks of an exact size, no dot-stuffing",
            "RFC 3030",
            "BDAT 120 LAST",
            keyword="CHUNKING",
            needs_argument=True,
        ),
        Command(
            "RSET",
            "RSET",
            "abandon the current message and start over",
            "RFC 5321 §4.1.1.5",
            "RSET",
            takes_argument=False,
        ),
        Command(
            "VRFY",
            "VRFY <user or mailbox>",
            "ask whether a mailbox exists",
            "RFC 5321 §4.1.1.6",
            "VRFY alice",
            needs_argument=True,
        ),
        Command(
            "EXPN",
            "EXPN <mailing list>",
            "ask for the members of a mailing list",
            "RFC 5321 §4.1.1.7",
            "EXPN staff",
            needs_argument=True,
        ),
        Command(
            "HELP",
            "HELP [command]",
            "ask the server for help, on one command or in general",
            "RFC 5321 §4.1.1.8",
            "HELP MAIL",
        ),
        Command(
            "NOOP",
            "NOOP",
            "do nothing; the server answers 250 if it is still there",
            "RFC 5321 §4.1.1.9",
            "NOOP",
        ),
        Command(
            "QUIT",
            "QUIT",
            "say goodbye; the server closes the connection",
            "RFC 5321 §4.1.1.10",
            "QUIT",
            takes_argument=False,
        ),
        Command(
            "STARTTLS",
            "STARTTLS",
            "upgrade this connection to TLS encryption",
            "RFC 3207",
            "STARTTLS",
            keyword="STARTTLS",
            takes_argument=False,
        ),
        Command(
            "AUTH",
            "AUTH <mechanism> [initial-response]",
            "log in (PLAIN, LOGIN or CRAM-MD5)",
            "RFC 4954",
            "AUTH LOGIN",
            keyword="AUTH",
            needs_argument=True,
        ),
        Command(
            "ETRN",
            "ETRN <domain>",
            "ask the server to send the mail it queued for a domain",
            "RFC 1985",
            "ETRN client.example",
            keyword="ETRN",
            needs_argument=True,
        ),
        Command(
            "LHLO",
            "LHLO <domain>",
            "greet an LMTP server (RFC 2033): LMTP's EHLO; after DATA it answers once per recipient",
            "RFC 2033 §4.1",
            "LHLO client.example",
            needs_argument=True,
        ),
        Command(
            "TURN",
            "TURN",
            "obsolete: swap client and server roles; removed because it was unsafe",
            "RFC 821 §4.1.1",
            "TURN",
            obsolete=True,
            takes_argument=False,
        ),
        Command(
            "SEND",
            "SEND FROM:<reverse-path>",
            "obsolete: deliver to a user's terminal",
            "RFC 821 §4.1.1",
            "SEND FROM:<alice@sandbox.test>",
            obsolete=True,
        ),
        Command(
            "SOML",
            "SOML FROM:<reverse-path>",
            "obsolete: send to terminal or mailbox",
            "RFC 821 §4.1.1",
            "SOML FROM:<alice@sandbox.test>",
            obsolete=True,
        ),
        Command(
            "SAML",
            "SAML FROM:<reverse-path>",
            "obsolete: send to terminal and mailbox",
            "RFC 821 §4.1.1",
            "SAML FROM:<alice@sandbox.test>",
            obsolete=True,
        ),
    )
}

# The service extensions (EHLO keywords) the sandbox can advertise, in the order it lists them.
SANDBOX_EXTENSIONS: tuple[str, ...] = (
    "PIPELINING",
    "SIZE",
    "ETRN",
    "STARTTLS",
    "AUTH",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "DSN",
    "SMTPUTF8",
    "HELP",
)

AUTH_MECHANISMS: tuple[str, ...] = ("PLAIN", "LOGIN", "CRAM-MD5")


def lookup(verb: str) -> Command | None:
    """The command for a verb, case-insensitively; None when it is not an SMTP verb."""
    return COMMANDS.get(verb.upper())


def params_for(verb: str) -> dict[str, Param]:
    command = lookup(verb)
    return {p.name: p for p in command.params} if command else {}
