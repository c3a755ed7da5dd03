"""The sandbox's judgements that are not about sequencing: parameters, recipients, content, the directory,
HELP, and the trace headers it adds. Each returns the reply and the reason, so the reason is never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smtpshell.proto.commands import COMMANDS, Param
from smtpshell.proto.events import Envelope
from smtpshell.proto.framing import DataReader
from smtpshell.proto.grammar import CommandLine, check_mailbox, is_domain, is_xtext

if TYPE_CHECKING:
    from smtpshell.proto.server import ServerConnection

ReplyParts = tuple[int, str | None, str | list[str], str]  # code, enhanced, text, reason


@dataclass
class Refusal:
    code: int
    enhanced: str
    text: str
    reason: str

    @property
    def reply(self) -> tuple[int, str, str]:
        return self.code, self.enhanced, self.text


@dataclass
class Verdict:
    code: int
    enhanced: str
    text: str
    reason: str


OBSOLETE_TEXT: dict[str, tuple[str, str]] = {
    "TURN": (
        "TURN is obsolete and disabled; use ETRN",
        "TURN let the client and server swap roles, so anyone claiming a domain could collect its mail "
        "without proof; RFC 2821 removed it and ETRN (RFC 1985) replaced it",
    ),
    **{
        verb: (
            "Command removed from SMTP",
            f"{verb} (deliver to a user's terminal) was dropped by RFC 5321 because nobody implemented it safely",
        )
        for verb in ("SEND", "SOML", "SAML")
    },
}


def redact(line: CommandLine) -> str:
    """The command as it may be logged: AUTH's initial response never appears."""
    if line.verb == "AUTH":
        words = line.argument.split()
        return "AUTH " + " ".join(words[:1] + (["****"] if len(words) > 1 else []))
    return f"{line.verb} {line.argument}".strip()


def check_params(
    server: ServerConnection, verb: str, given: list[tuple[str, str | None]]
) -> dict[str, str | None] | Refusal:
    known = {p.name: p for p in COMMANDS[verb].params}
    accepted: dict[str, str | None] = {}
    for name, value in given:
        if name in accepted:
            return Refusal(501, "5.5.4", f"Duplicate parameter {name}", f"{verb} refused: {name} given twice")
        param = known.get(name)
        if param is None:
            return Refusal(
                555,
                "5.5.4",
                f"Unsupported parameter {name}",
                f"{verb} refused: {name} is not a parameter this server knows for {verb}",
            )
        if not server.offers(param.keyword):
            why = "a HELO session has no extensions" if not server.esmtp else f"{param.keyword} is not advertised"
            return Refusal(555, "5.5.4", f"Unsupported parameter {name}", f"{verb} refused: {name}: {why}")
        problem = _value_problem(server, param, value)
        if problem:
            return Refusal(501, "5.5.4", f"Bad value for {name}", f"{verb} refused: {name}: {problem}")
        accepted[name] = value.upper() if value and param.choices else value
    return accepted


_NOTIFY = {"SUCCESS", "FAILURE", "DELAY"}


def _value_problem(server: ServerConnection, param: Param, value: str | None) -> str | None:
    if param.value is None:
        return "it takes no value" if value is not None else None
    if value is None:
        return f"it needs a value: {param.name}={param.value}"
    upper = value.upper()
    if param.name == "SIZE":
        return None if value.isdigit() and len(value) <= 20 else "the size must be a number of octets"
    if param.name == "BODY":
        if upper not in param.choices:
            return f"must be one of {', '.join(param.choices)}"
        if upper == "BINARYMIME" and not (server.offers("BINARYMIME") and server.offers("CHUNKING")):
            return "BINARYMIME needs the BINARYMIME and CHUNKING extensions"
        return None
    if param.name == "RET":
        return None if upper in param.choices else "must be FULL or HDRS"
    if param.name == "NOTIFY":
        words = set(upper.split(","))
        if words == {"NEVER"} or (words and words <= _NOTIFY):
            return None
        return "NEVER alone, or a comma-separated list of SUCCESS, FAILURE, DELAY"
    if param.name == "ORCPT":
        kind, sep, rest = value.partition(";")
        if not sep or not kind or not rest or not is_xtext(rest):
            return "write it as addr-type;xtext, e.g. ORCPT=rfc822;bob@example.org"
        return None
    if param.name in ("ENVID", "AUTH"):
        if param.name == "ENVID" and len(value) > 100:
            return "at most 100 characters (RFC 3461 §4.4)"
        return None if is_xtext(value) else "it must be xtext (printable ASCII, '+XX' for others)"
    return None


def judge_recipient(server: ServerConnection, address: str, *, utf8: bool) -> Verdict:
    policy = server.policy
    if address.lower() == "postmaster":  # RFC 5321 §4.1.1.3: accepted without a domain
        return Verdict(250, "2.1.5", "Ok", "RCPT accepted: postmaster must always be reachable (RFC 5321 §4.5.1)")
    problem = check_mailbox(address, utf8=True) if address else "the null path <> is only for MAIL FROM"
    if problem:
        return Verdict(501, "5.1.3", f"Bad recipient address syntax: <{address[:100]}>", f"RCPT refused: {problem}")
    if not address.isascii() and not utf8:
        return Verdict(
            553,
            "5.6.7",
            "Non-ASCII recipient requires SMTPUTF8",
            "RCPT refused: a UTF-8 address needs MAIL FROM with the SMTPUTF8 parameter (RFC 6531)",
        )
    local, _, domain = address.rpartition("@")
    if not policy.is_local_domain(domain):
        if server.authenticated:
            return Verdict(
                250,
                "2.1.5",
                "Ok",
                f"RCPT accepted for relaying because you authenticated as {server.authenticated!r}; "
                "the sandbox only captures it, nothing is sent out",
            )
        return Verdict(
            554,
            "5.7.1",
            f"<{address}>: Relay access denied",
            f"RCPT refused: {domain} is not a domain of this server and the client has not "
            "authenticated, so accepting would make it an open relay",
        )
    key = local.lower()
    if key in policy.mailboxes:
        return Verdict(250, "2.1.5", "Ok", f"RCPT accepted: {key}@{domain} is a mailbox here")
    if key in policy.lists:
        return Verdict(250, "2.1.5", "Ok", f"RCPT accepted: {key}@{domain} is a mailing list here")
    return Verdict(
        550,
        "5.1.1",
        f"<{address}>: Recipient address rejected: User unknown",
        f"RCPT refused: there is no mailbox {local!r} on {domain} (VRFY or EXPN can tell)",
    )


def judge_content(server: ServerConnection, reader: DataReader) -> Refusal | None:
    policy = server.policy
    if policy.reject_bare_newlines and (reader.bare_lf or reader.bare_cr):
        kind = "LF" if reader.bare_lf else "CR"
        return Refusal(
            554,
            "5.6.0",
            f"Message refused: bare {kind} in message data",
            f"the message holds a bare {kind}; only <CR><LF> ends a line (RFC 5321 §2.3.8), and "
            "servers that guess otherwise can be fooled into reading a second, smuggled message "
            "(SMTP smuggling); the whole message was refused",
        )
    if reader.long_line:
        return Refusal(
            500,
            "5.5.2",
            "Line too long",
            f"a line of the message is over {reader.text_line_limit} octets with CRLF "
            "(RFC 5321 §4.5.3.1.6); the whole message was refused",
        )
    if reader.too_big:
        return Refusal(
            552,
            "5.3.4",
            "Message size exceeds fixed limit",
            f"the message is {reader.size} octets; this server's limit is {reader.size_limit}",
        )
    return None


def with_protocol(server: ServerConnection, *, utf8: bool) -> str:
    """The "with" keyword of the Received header (RFC 3848, RFC 6531 §3.7.3)."""
    if not server.esmtp:
        return "SMTP"
    base = "UTF8SMTP" if utf8 else "ESMTP"
    return base + ("S" if server.tls else "") + ("A" if server.authenticated else "")


def trace_headers(server: ServerConnection, envelope: Envelope, queue_id: str, protocol: str, date: str) -> bytes:
    """Return-Path and Received, as a final-delivery server adds them (RFC 5321 §4.4)."""
    policy = server.policy
    target = f"\r\n\tfor <{envelope.recipients[0]}>" if len(envelope.recipients) == 1 else ""
    received = (
        f"Received: from {server.helo} ([{server.peer}])\r\n\tby {policy.hostname} (smtpshell sandbox) "
        f"with {protocol} id {queue_id}{target};\r\n\t{date}\r\n"
    )
    return f"Return-Path: <{envelope.sender}>\r\n{received}".encode("utf-8", "surrogateescape")


def _directory_key(server: ServerConnection, argument: str) -> tuple[str, str] | None:
    """(local part, domain) for a VRFY/EXPN argument: ``alice``, ``alice@sandbox.test``, ``<…>``, a name."""
    text = argument.strip().strip("<>").strip()
    if "@" in text:
        local, _, domain = text.rpartition("@")
        return local.lower(), domain.lower()
    policy = server.policy
    for key, name in policy.mailboxes.items():
        if text.lower() in (key, name.lower()):
            return key, policy.domains[0]
    return text.lower(), policy.domains[0]


def verify(server: ServerConnection, argument: str) -> ReplyParts:
    policy = server.policy
    if not argument:
        return 501, "5.5.4", "Syntax: VRFY address", "VRFY needs a user name or an address"
    if not policy.vrfy:
        return (
            252,
            "2.5.0",
            "Cannot VRFY user, but will accept message and attempt delivery",
            "VRFY is switched off, as on most servers: it would let anyone harvest valid addresses; "
            "252 neither confirms nor denies (RFC 5321 §3.5.3)",
        )
    key = _directory_key(server, argument)
    assert key is not None
    local, domain = key
    if not policy.is_local_domain(domain):
        return (
            252,
            "2.5.0",
            f"Cannot VRFY <{local}@{domain}>: not a local domain",
            "VRFY only knows local mailboxes",
        )
    if local in policy.mailboxes:
        return (
            250,
            "2.1.5",
            f"{policy.mailboxes[local]} <{local}@{domain}>",
            f"VRFY: {local} is a mailbox on {domain}",
        )
    if local in policy.lists:
        return (
            250,
            "2.1.5",
            f"{local}@{domain} is a mailing list; EXPN shows its members",
            f"VRFY: {local} is a mailing list",
        )
    return 550, "5.1.1", f"<{local}@{domain}>: User unknown", f"VRFY: no mailbox {local!r} on {domain}"


def expand(server: ServerConnection, argument: str) -> ReplyParts:
    policy = server.policy
    if not policy.expn:
        return (
            502,
            "5.5.1",
            "EXPN is disabled",
            "EXPN is switched off, as on most servers: it would reveal who is on every mailing list",
        )
    if not argument:
        return 501, "5.5.4", "Syntax: EXPN list", "EXPN needs the name of a mailing list"
    key = _directory_key(server, argument)
    assert key is not None
    local, domain = key
    if policy.is_local_domain(domain) and local in policy.lists:
        members = [f"{policy.mailboxes.get(m, m)} <{m}@{domain}>" for m in policy.lists[local]]
        return 250, "2.1.5", members, f"EXPN: {local} is a list of {len(members)} members"
    if policy.is_local_domain(domain) and local in policy.mailboxes:
        return 550, "5.1.1", f"{local}@{domain} is a mailbox, not a mailing list", "EXPN expands lists only"
    return 550, "5.1.1", f"<{local}@{domain}>: no such mailing list", f"EXPN: no list {local!r} here"


def help_reply(server: ServerConnection, argument: str) -> ReplyParts:
    topic = argument.strip().upper()
    if not topic:
        verbs = [
            c.verb for c in COMMANDS.values() if not c.obsolete and (c.keyword is None or server.offers(c.keyword))
        ]
        lines = [
            "smtpshell sandbox: the commands it answers here:",
            " ".join(verbs),
            "HELP <command> shows one command's syntax; the shell's /explain goes further",
        ]
        return 214, "2.0.0", lines, "HELP: the list comes from the command table"
    command = COMMANDS.get(topic)
    if command is None:
        return 504, "5.5.1", f"HELP topic unknown: {topic[:40]}", "HELP knows the SMTP commands only"
    lines = [f"{command.syntax}", f"{command.summary} ({command.rfc})"]
    return 214, "2.0.0", lines, f"HELP {topic}: from the command table"


_ETRN_ARG = re.compile(r"^[@#]?(.+)$")


def etrn(server: ServerConnection, argument: str, *, in_transaction: bool) -> ReplyParts:
    if not server.offers("ETRN"):
        return 502, "5.5.1", "Error: command not implemented", "ETRN is not offered in this session"
    if in_transaction:
        return (
            503,
            "5.5.1",
            "Error: ETRN inside a transaction",
            "ETRN is not allowed during a mail transaction",
        )
    match = _ETRN_ARG.match(argument.strip())
    if not match or (not argument.startswith("#") and not is_domain(match[1])):
        return 501, "5.5.4", "Syntax: ETRN domain", "ETRN needs a domain (or @domain, or #queue)"
    return (
        250,
        "2.0.0",
        f"Queuing for node {match[1]} started",
        "ETRN accepted: a real server would now open a connection to that domain's server and send its queued "
        "mail there; the sandbox keeps no queue, so nothing will come",
    )
