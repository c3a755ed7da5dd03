"""The sandbox's judgements that are not about sequencing: parameters, recipients, content, the directory,
HELP, and the trace headers it adds. Each returns the reply and the reason, so the reason is never lost.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smtpshell.proto import server_replies as R
from smtpshell.proto.commands import COMMANDS, Param
from smtpshell.proto.events import Envelope
from smtpshell.proto.framing import DataReader
from smtpshell.proto.grammar import CommandLine, check_mailbox, is_ascii_digits, is_domain, is_xtext
from smtpshell.proto.server_replies import ServerReply, echoed

if TYPE_CHECKING:
    from smtpshell.proto.server import ServerConnection

Judgement = tuple[ServerReply, str, list[str] | None]  # reply, reason, the lines of a multi-line reply


@dataclass
class Refusal:
    reply: ServerReply
    reason: str


OBSOLETE_TEXT: dict[str, tuple[str, str]] = {
    "TURN": (
        "TURN is obsolete and disabled; use ETRN",
        "TURN let the client and server swap roles, so anyone claiming a domain could collect its mail without "
        "proof; RFC 2821 deprecated it (Appendix F.1) and ETRN (RFC 1985) replaced it",
    ),
    **{
        verb: (
            "Command removed from SMTP",
            f"{verb} (deliver to a user's terminal) was dropped by RFC 5321 "
            "because it was rarely implemented and easily abused",
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
            return Refusal(R.DUPLICATE_PARAMETER.format(name=name), f"{verb} refused: {name} given twice")
        param = known.get(name)
        if param is None:
            return Refusal(
                R.UNKNOWN_PARAMETER.format(name=name),
                f"{verb} refused: {name} is not a parameter this server knows for {verb}",
            )
        if not server.offers(param.keyword):
            why = "a HELO session has no extensions" if not server.esmtp else f"{param.keyword} is not advertised"
            return Refusal(R.UNKNOWN_PARAMETER.format(name=name), f"{verb} refused: {name}: {why}")
        problem = _value_problem(server, param, value)
        if problem:
            return Refusal(R.BAD_PARAMETER_VALUE.format(name=name), f"{verb} refused: {name}: {problem}")
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
        # RFC 1870: size-value ::= 1*20DIGIT, and DIGIT is 0-9 only
        return None if is_ascii_digits(value) and len(value) <= 20 else "the size must be a number of octets (0-9)"
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


def judge_recipient(server: ServerConnection, address: str, *, utf8: bool) -> tuple[ServerReply, str]:
    policy = server.policy
    if address.lower() == "postmaster":  # RFC 5321 §4.1.1.3: accepted without a domain
        return R.RECIPIENT_OK, "RCPT accepted: postmaster must always be reachable (RFC 5321 §4.5.1)"
    problem = check_mailbox(address, utf8=True) if address else "the null path <> is only for MAIL FROM"
    if problem:
        return R.BAD_RECIPIENT.format(address=echoed(address)), f"RCPT refused: {problem}"
    if not address.isascii() and not utf8:
        return R.UTF8_RECIPIENT, "RCPT refused: a UTF-8 address needs MAIL FROM with SMTPUTF8 (RFC 6531)"
    local, _, domain = address.rpartition("@")
    if not policy.is_local_domain(domain):
        if server.authenticated:
            return R.RECIPIENT_OK, (
                "RCPT accepted for relaying because you authenticated as "
                f"{server.authenticated!r}; the sandbox only captures it, nothing is sent out"
            )
        return R.RELAY_DENIED.format(address=echoed(address)), (
            f"RCPT refused: {echoed(domain)} is not a domain of this server and the client has not authenticated, so "
            "accepting would make it an open relay"
        )
    key = local.lower()
    if key in policy.mailboxes:
        return R.RECIPIENT_OK, f"RCPT accepted: {key}@{domain} is a mailbox here"
    if key in policy.lists:
        return R.RECIPIENT_OK, f"RCPT accepted: {key}@{domain} is a mailing list here"
    return R.USER_UNKNOWN.format(address=echoed(address)), (
        f"RCPT refused: there is no mailbox {local!r} on {domain} (VRFY or EXPN can tell)"
    )


def judge_content(server: ServerConnection, reader: DataReader) -> Refusal | None:
    if server.policy.reject_bare_newlines and (reader.bare_lf or reader.bare_cr):
        kind = "LF" if reader.bare_lf else "CR"
        return Refusal(
            R.BARE_NEWLINE.format(kind=kind),
            (
                f"the message holds a bare {kind}; only <CR><LF> ends a line (RFC 5321 §2.3.8), and servers that "
                "guess otherwise can be fooled into reading a second, smuggled message (SMTP smuggling); the whole "
                "message was refused"
            ),
        )
    if reader.long_line:
        return Refusal(
            R.LINE_TOO_LONG,
            f"a line of the message is over {reader.text_line_limit} octets with CRLF "
            "(RFC 5321 §4.5.3.1.6); the whole message was refused",
        )
    if reader.too_big:
        return Refusal(R.SIZE_EXCEEDED, f"the message is {reader.size} octets; the limit here is {reader.size_limit}")
    return None


def with_protocol(server: ServerConnection, *, utf8: bool) -> str:
    """The "with" keyword of the Received header (RFC 3848, RFC 6531 §3.7.3)."""
    if not server.esmtp:
        return "SMTP"
    base = "UTF8SMTP" if utf8 else "ESMTP"
    return base + ("S" if server.tls else "") + ("A" if server.authenticated else "")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc5322_date(seconds: float) -> str:
    """An RFC 5322 date in UTC; written here because email.utils would pull the socket module into proto/."""
    t = time.gmtime(seconds)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} {clock} +0000"


def trace_headers(server: ServerConnection, envelope: Envelope, queue_id: str, protocol: str, date: str) -> bytes:
    """Return-Path and Received, as a final-delivery server adds them (RFC 5321 §4.4)."""
    policy = server.policy
    target = f"\r\n\tfor <{envelope.recipients[0]}>" if len(envelope.recipients) == 1 else ""
    received = (
        f"Received: from {server.helo} ([{server.peer}])\r\n\tby {policy.hostname} (smtpshell sandbox) "
        f"with {protocol} id {queue_id}{target};\r\n\t{date}\r\n"
    )
    return f"Return-Path: <{envelope.sender}>\r\n{received}".encode("utf-8", "surrogateescape")


def _directory_key(server: ServerConnection, argument: str) -> tuple[str, str]:
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


def verify(server: ServerConnection, argument: str) -> Judgement:
    policy = server.policy
    if not argument:
        return R.SYNTAX.format(usage="VRFY address"), "VRFY needs a user name or an address", None
    if not policy.vrfy:
        return (
            R.VRFY_CANNOT,
            (
                "VRFY is switched off, as on most servers: it would let anyone harvest valid "
                "addresses; 252 neither confirms nor denies (RFC 5321 §3.5.3)"
            ),
            None,
        )
    local, domain = _directory_key(server, argument)
    if not policy.is_local_domain(domain):
        return R.VRFY_NOT_LOCAL.format(address=echoed(f"{local}@{domain}")), "VRFY only knows local mailboxes", None
    if local in policy.mailboxes:
        text = f"{policy.mailboxes[local]} <{local}@{domain}>"
        return R.VRFY_OK.format(text=text), f"VRFY: {local} is a mailbox on {domain}", None
    if local in policy.lists:
        text = f"{local}@{domain} is a mailing list; EXPN shows its members"
        return R.VRFY_OK.format(text=text), f"VRFY: {local} is a mailing list", None
    shown = echoed(f"{local}@{domain}")
    return R.NO_SUCH_USER.format(address=shown), f"VRFY: no mailbox {local!r} on {echoed(domain)}", None


def expand(server: ServerConnection, argument: str) -> Judgement:
    policy = server.policy
    if not policy.expn:
        return (
            R.EXPN_DISABLED,
            ("EXPN is switched off, as on most servers: it would reveal who is on every mailing list"),
            None,
        )
    if not argument:
        return R.SYNTAX.format(usage="EXPN list"), "EXPN needs the name of a mailing list", None
    local, domain = _directory_key(server, argument)
    local_domain = policy.is_local_domain(domain)
    if local_domain and local in policy.lists:
        members = [f"{policy.mailboxes.get(m, m)} <{m}@{domain}>" for m in policy.lists[local]]
        return R.VRFY_OK, f"EXPN: {local} is a list of {len(members)} members", members
    if local_domain and local in policy.mailboxes:
        return R.NOT_A_LIST.format(address=f"{local}@{domain}"), "EXPN expands mailing lists only", None
    return R.NO_SUCH_LIST.format(address=echoed(f"{local}@{domain}")), f"EXPN: no list {local!r} here", None


def help_reply(server: ServerConnection, argument: str) -> Judgement:
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
        return R.HELP, "HELP: the list comes from the command table", lines
    command = COMMANDS.get(topic)
    if command is None:
        return R.HELP_UNKNOWN.format(topic=echoed(topic, 40)), "HELP knows the SMTP commands only", None
    lines = [command.syntax, f"{command.summary} ({command.rfc})"]
    return R.HELP, f"HELP {topic}: from the command table", lines


_ETRN_ARG = re.compile(r"^[@#]?(.+)$")


def etrn(server: ServerConnection, argument: str) -> tuple[ServerReply, str]:
    if not server.offers("ETRN"):
        return R.NOT_IMPLEMENTED, "ETRN is not offered in this session"
    if server.in_transaction:
        return R.OUT_OF_SEQUENCE.format(what="ETRN inside a transaction"), "ETRN is not allowed during a transaction"
    match = _ETRN_ARG.match(argument.strip())
    if not match or (not argument.startswith("#") and not is_domain(match[1])):
        return R.SYNTAX.format(usage="ETRN domain"), "ETRN needs a domain (or @domain, or #queue)"
    return R.ETRN_STARTED.format(node=echoed(match[1])), (
        "ETRN accepted: a real server would now connect to that domain's server and send the mail it queued for "
        "it; the sandbox keeps no queue, so nothing will come"
    )
