"""Client states for the completion tables, each reached the way a session reaches it: by real replies."""

from __future__ import annotations

from smtpshell.proto.client_state import GREETING, ClientState
from smtpshell.proto.replies import Reply

EVERY_EXTENSION = (
    "PIPELINING",
    "SIZE 10240000",
    "ETRN",
    "STARTTLS",
    "AUTH PLAIN LOGIN CRAM-MD5",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "DSN",
    "SMTPUTF8",
    "HELP",
)


def ehlo_reply(*keywords: str) -> Reply:
    return Reply(250, ("sandbox.test greets client.example", *keywords))


def session(*steps: tuple[str, Reply]) -> ClientState:
    state = ClientState()
    for command, reply in steps:
        state.apply(command, reply)
    return state


GREET = (GREETING, Reply.make(220, "sandbox.test ESMTP smtpshell"))
EHLO_ALL = ("EHLO client.example", ehlo_reply(*EVERY_EXTENSION))
MAIL_OK = ("MAIL FROM:<alice@sandbox.test>", Reply.make(250, "OK", "2.1.0"))
RCPT_OK = ("RCPT TO:<bob@sandbox.test>", Reply.make(250, "OK", "2.1.5"))

STATES: dict[str, ClientState] = {
    "unconnected": ClientState(),
    "greeted": session(GREET),
    "helo": session(GREET, ("HELO client.example", Reply.make(250, "sandbox.test"))),
    "ehlo-bare": session(GREET, ("EHLO client.example", ehlo_reply())),
    "ehlo-all": session(GREET, EHLO_ALL),
    "ehlo-size-auth": session(GREET, ("EHLO client.example", ehlo_reply("SIZE 35882577", "AUTH LOGIN PLAIN"))),
    "ehlo-dsn": session(GREET, ("EHLO client.example", ehlo_reply("DSN", "PIPELINING"))),
    "after-tls": session(
        GREET,
        EHLO_ALL,
        ("STARTTLS", Reply.make(220, "Ready to start TLS", "2.0.0")),
    ),
    "mail": session(GREET, EHLO_ALL, MAIL_OK),
    "mail-refused": session(GREET, EHLO_ALL, ("MAIL FROM:<x@spam.test>", Reply.make(550, "No", "5.7.1"))),
    "rcpt": session(GREET, EHLO_ALL, MAIL_OK, RCPT_OK),
    "rcpt-no-dsn": session(
        GREET,
        ("EHLO client.example", ehlo_reply("SIZE 1000")),
        MAIL_OK,
        RCPT_OK,
    ),
    "data": session(GREET, EHLO_ALL, MAIL_OK, RCPT_OK, ("DATA", Reply.make(354, "End data with <CR><LF>.<CR><LF>"))),
    "auth-challenge": session(GREET, EHLO_ALL, ("AUTH LOGIN", Reply(334, ("VXNlcm5hbWU6",)))),
    "authenticated": session(GREET, EHLO_ALL, ("AUTH PLAIN AGFsaWNlAHNlY3JldA==", Reply.make(235, "OK", "2.7.0"))),
    "closed": session(GREET, EHLO_ALL, ("QUIT", Reply.make(221, "Bye", "2.0.0"))),
}
