"""Which command is legal in which phase of an SMTP session, and what the server answers when it is not.

Rule: this table is the one place the order of SMTP is written. The sandbox answers out-of-sequence commands from
it, the client's view suggests the next verbs from it, and the shell's held-line warnings predict the server's
reply from it; a property test drives the server and the client's view together to keep them in step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from smtpshell.proto import server_replies as R
from smtpshell.proto.commands import COMMANDS
from smtpshell.proto.server_replies import ServerReply


class Phase(enum.Enum):
    """Where a session is, as both ends see it once each reply has been read."""

    NO_HELO = "no-helo"  # greeted by the server; the client has not introduced itself (again, after STARTTLS)
    READY = "ready"  # HELO or EHLO accepted, no transaction
    MAIL = "mail"  # MAIL accepted, no recipient yet
    RCPT = "rcpt"  # at least one recipient accepted
    BDAT = "bdat"  # a BDAT chunk without LAST accepted: the message goes on in chunks
    MESSAGE = "message"  # DATA's 354: the lines are the message, not commands
    AUTH = "auth"  # AUTH's 334: the next line answers the challenge
    CLOSED = "closed"


TRANSACTION = frozenset({Phase.MAIL, Phase.RCPT, Phase.BDAT})
COMMAND_PHASES = frozenset({Phase.NO_HELO, Phase.READY, *TRANSACTION})  # where a line is an SMTP command


@dataclass(frozen=True)
class Session:
    """What legality depends on: the phase, whether TLS and authentication are done, what EHLO advertised."""

    phase: Phase
    tls: bool = False
    authenticated: bool = False
    offered: frozenset[str] = frozenset()  # the EHLO keywords of this session (none before EHLO, none after HELO)


@dataclass(frozen=True)
class Refusal:
    """One row of the table: ``verbs`` in one of ``phases`` (and, when ``when`` names one, with that fact true)
    get ``reply``. ``warning`` is what the shell says before it sends such a line; None: it sends it silently."""

    verbs: frozenset[str]
    phases: frozenset[Phase]
    reply: ServerReply
    reason: str  # the server's reason; {verb} is the command's verb
    warning: str | None = None
    when: str | None = None  # "tls", "authenticated", or "unoffered": the verb's EHLO keyword was not advertised

    def applies(self, session: Session, verb: str) -> bool:
        if verb not in self.verbs or session.phase not in self.phases:
            return False
        if self.when == "unoffered":
            keyword = COMMANDS[verb].keyword
            return keyword is not None and keyword not in session.offered
        return self.when is None or bool(getattr(session, self.when))


def _row(
    verbs: str,
    phases: frozenset[Phase],
    reply: ServerReply,
    reason: str,
    warning: str | None = None,
    when: str | None = None,
) -> Refusal:
    return Refusal(frozenset(verbs.split()), phases, reply, reason, warning, when)


_ANYWHERE = COMMAND_PHASES
_NO_HELO = frozenset({Phase.NO_HELO})
_READY = frozenset({Phase.READY})

# First matching row wins. RFC 5321 §4.1.4 gives the order of a session; RFC 3207 §4 and RFC 4954 §4 add what
# STARTTLS and AUTH may not repeat or interrupt (both say 503).
LEGALITY: tuple[Refusal, ...] = (
    _row(
        "STARTTLS",
        _ANYWHERE,
        R.TLS_ACTIVE,
        "STARTTLS refused: the connection is already encrypted",
        "this connection already uses TLS.",
        when="tls",
    ),
    _row(
        "AUTH",
        _ANYWHERE,
        R.OUT_OF_SEQUENCE.format(what="already authenticated"),
        "AUTH refused: one AUTH per session (RFC 4954 §4)",
        "you are already authenticated on this connection.",
        when="authenticated",
    ),
    _row(
        "BDAT",
        _ANYWHERE,
        R.NOT_IMPLEMENTED,
        "BDAT refused: CHUNKING is not offered in this session",
        "the server has not offered CHUNKING (BDAT) in an EHLO reply on this connection.",
        when="unoffered",
    ),
    _row(
        "MAIL",
        _NO_HELO,
        R.NEED_HELO,
        "{verb} refused: {after_tls}the client has not introduced itself with EHLO or HELO",
        "MAIL before EHLO: the server expects a greeting first.",
    ),
    _row(
        "RCPT",
        _NO_HELO,
        R.NEED_HELO,
        "{verb} refused: {after_tls}the client has not introduced itself with EHLO or HELO",
        "RCPT before MAIL: there is no transaction to add a recipient to.",
    ),
    _row(
        "DATA",
        _NO_HELO,
        R.NEED_HELO,
        "{verb} refused: {after_tls}the client has not introduced itself with EHLO or HELO",
        "no transaction: send MAIL FROM and RCPT TO before the message.",
    ),
    _row(
        "AUTH",
        _NO_HELO,
        R.NEED_HELO,
        "{verb} refused: {after_tls}the client has not introduced itself with EHLO or HELO",
        "AUTH before EHLO: the server only offers AUTH in its EHLO reply.",
    ),
    _row(
        "STARTTLS",
        _NO_HELO,
        R.NEED_HELO,
        "{verb} refused: {after_tls}the client has not introduced itself with EHLO or HELO",
    ),
    _row(
        "MAIL",
        TRANSACTION,
        R.NESTED_MAIL,
        "MAIL refused: a transaction is already open (RSET to start over)",
        "a transaction is already open (MAIL was accepted); send RSET to start over.",
    ),
    _row(
        "RCPT",
        _READY,
        R.NEED_MAIL,
        "RCPT refused: no MAIL transaction is open",
        "RCPT before MAIL: there is no transaction to add a recipient to.",
    ),
    _row(
        "DATA BDAT",
        _READY,
        R.NEED_MAIL,
        "{verb} refused: no MAIL transaction is open",
        "no transaction: send MAIL FROM and RCPT TO before the message.",
    ),
    _row(
        "DATA BDAT",
        frozenset({Phase.MAIL}),
        R.NO_RECIPIENTS,
        "{verb} refused: no recipient was accepted (RFC 5321 §3.3)",
        "no recipient was accepted yet: the message would have nowhere to go.",
    ),
    _row(
        "DATA",
        frozenset({Phase.BDAT}),
        R.OUT_OF_SEQUENCE.format(what="BDAT already in progress"),
        "DATA refused: this message is being sent with BDAT; finish it with BDAT n LAST",
    ),
    _row(
        "STARTTLS",
        TRANSACTION,
        R.OUT_OF_SEQUENCE.format(what="STARTTLS inside a transaction"),
        "STARTTLS refused: finish or RSET the transaction first",
    ),
    _row(
        "AUTH",
        TRANSACTION,
        R.OUT_OF_SEQUENCE.format(what="MAIL transaction in progress"),
        "AUTH refused: authenticate before MAIL (RFC 4954 §4)",
    ),
)

# The verbs worth offering first in each phase, most useful first (completion lists them before the others).
SUGGESTED: dict[Phase, tuple[str, ...]] = {
    Phase.NO_HELO: ("EHLO", "HELO", "LHLO", "QUIT"),
    Phase.READY: ("MAIL", "STARTTLS", "AUTH", "NOOP", "RSET", "VRFY", "HELP", "QUIT"),
    Phase.MAIL: ("RCPT", "RSET", "NOOP", "QUIT"),
    Phase.RCPT: ("RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT"),
    Phase.BDAT: ("BDAT", "RSET", "QUIT"),
}


def refusal(session: Session, verb: str) -> Refusal | None:
    """The row that refuses ``verb`` now, or None when the order of the session allows it."""
    if session.phase not in COMMAND_PHASES:
        return None
    return next((row for row in LEGALITY if row.applies(session, verb)), None)
