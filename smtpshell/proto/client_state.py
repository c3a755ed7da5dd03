"""The session as the client sees it, advanced by (command sent, reply received) pairs.

Rule: the client never guesses; state changes only on the server's reply (a MAIL refused opens no transaction).
Completion, explanations, the engine's warnings and the lesson checks all read this one model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from smtpshell.proto.grammar import GrammarError, is_ascii_digits, parse_path_argument, split_command
from smtpshell.proto.replies import Reply

# Pseudo-commands the engine passes for what is not a command line of its own.
GREETING = "<greeting>"  # the reply is the server's banner
DATA_END = "<CRLF>.<CRLF>"  # the reply ends a DATA message
AUTH_RESPONSE = "<auth response>"  # the line answered a 334 challenge


@dataclass
class ClientState:
    connected: bool = False
    greeted: bool = False  # the 220 banner arrived
    helo: str | None = None  # the name given in the accepted HELO/EHLO
    esmtp: bool = False  # EHLO (not HELO) was accepted
    extensions: dict[str, str] = field(default_factory=dict)  # EHLO keyword -> its parameters as sent
    tls: bool = False
    authenticated: str | None = None  # the mechanism that succeeded
    sender: str | None = None  # MAIL FROM accepted ("" for <>)
    recipients: list[str] = field(default_factory=list)  # RCPT TO accepted
    in_data: bool = False  # 354 received: the next lines are the message
    bdat_open: bool = False  # a BDAT without LAST was accepted
    auth_mechanism: str | None = None  # 334 received: an AUTH exchange is under way
    closed: bool = False
    lmtp: bool = False  # RFC 2033: the server is greeted with LHLO and answers once per recipient after the data

    def copy(self) -> ClientState:
        return copy.deepcopy(self)

    @property
    def in_transaction(self) -> bool:
        return self.sender is not None

    def advertised(self, keyword: str) -> bool:
        return keyword.upper() in self.extensions

    def keyword_params(self, keyword: str) -> list[str]:
        return self.extensions.get(keyword.upper(), "").split()

    def auth_mechanisms(self) -> list[str]:
        return [m.upper() for m in self.keyword_params("AUTH")]

    def size_limit(self) -> int | None:
        params = self.keyword_params("SIZE")
        return int(params[0]) if params and is_ascii_digits(params[0]) and int(params[0]) > 0 else None

    def reset_transaction(self) -> None:
        self.sender = None
        self.recipients = []
        self.in_data = False
        self.bdat_open = False

    def _reset_greeting(self) -> None:
        self.helo = None
        self.esmtp = False
        self.extensions = {}
        self.reset_transaction()

    def apply(self, command: str, reply: Reply) -> None:
        """Advance on the reply to ``command`` (a typed line or one of the pseudo-commands above)."""
        if reply.code == 421 or (command == GREETING and reply.code == 554):
            self.closed = True
            self.connected = False
            return
        if command == GREETING:
            self.connected = True
            self.greeted = reply.code == 220
            return
        if command == DATA_END:
            self.reset_transaction()
            return
        if command == AUTH_RESPONSE:
            self._auth_reply(self.auth_mechanism or "", reply)
            return
        line = split_command(command)
        handler = _HANDLERS.get(line.verb)
        if handler is not None:
            handler(self, line.argument, reply)

    def _helo(self, argument: str, reply: Reply, esmtp: bool) -> None:
        if reply.code != 250:
            return
        self._reset_greeting()
        self.helo = argument or "?"
        self.esmtp = esmtp
        if esmtp:
            self.extensions = parse_ehlo_keywords(reply)

    def _lhlo(self, argument: str, reply: Reply) -> None:
        # RFC 2033 §4.1: LMTP's EHLO. A server that accepts it speaks LMTP, whether or not --lmtp was given.
        self._helo(argument, reply, esmtp=True)
        if reply.code == 250:
            self.lmtp = True

    def _mail(self, argument: str, reply: Reply) -> None:
        if reply.code == 250:
            self.reset_transaction()
            self.sender = _address(argument, "FROM:")

    def _rcpt(self, argument: str, reply: Reply) -> None:
        if reply.code in (250, 251) and self.sender is not None:
            self.recipients.append(_address(argument, "TO:"))

    def _data(self, argument: str, reply: Reply) -> None:
        self.in_data = reply.code == 354

    def _bdat(self, argument: str, reply: Reply) -> None:
        last = argument.upper().split()[-1:] == ["LAST"]
        if reply.code == 250 and not last:
            self.bdat_open = True
        else:
            self.reset_transaction()

    def _rset(self, argument: str, reply: Reply) -> None:
        if reply.code == 250:
            self.reset_transaction()

    def _starttls(self, argument: str, reply: Reply) -> None:
        if reply.code == 220:
            # RFC 3207 §4.2: the client must forget everything it learnt before TLS and greet again.
            self.tls = True
            self._reset_greeting()

    def _auth(self, argument: str, reply: Reply) -> None:
        mechanism = argument.split()[0].upper() if argument.split() else ""
        self._auth_reply(mechanism, reply)

    def _auth_reply(self, mechanism: str, reply: Reply) -> None:
        if reply.code == 334:
            self.auth_mechanism = mechanism
            return
        self.auth_mechanism = None
        if reply.code == 235:
            self.authenticated = mechanism or "?"

    def _quit(self, argument: str, reply: Reply) -> None:
        if reply.code == 221:
            self.closed = True
            self.connected = False

    def next_verbs(self) -> list[str]:
        """The SMTP verbs that make sense now, most useful first."""
        if not self.connected or self.closed or self.in_data or self.auth_mechanism:
            return []
        if self.helo is None:
            return ["LHLO", "QUIT"] if self.lmtp else ["EHLO", "HELO", "QUIT"]
        if self.sender is None:
            verbs = ["MAIL"]
            if self.advertised("STARTTLS") and not self.tls:
                verbs.append("STARTTLS")
            if self.advertised("AUTH") and not self.authenticated:
                verbs.append("AUTH")
            return [*verbs, "NOOP", "RSET", "VRFY", "HELP", "QUIT"]
        if not self.recipients:
            return ["RCPT", "RSET", "NOOP", "QUIT"]
        if self.bdat_open:
            return ["BDAT", "RSET", "QUIT"]
        data = ["DATA", "BDAT"] if self.advertised("CHUNKING") else ["DATA"]
        return ["RCPT", *data, "RSET", "NOOP", "QUIT"]


_HANDLERS = {
    "HELO": lambda s, a, r: s._helo(a, r, esmtp=False),
    "EHLO": lambda s, a, r: s._helo(a, r, esmtp=True),
    "LHLO": ClientState._lhlo,
    "XCLIENT": lambda s, a, r: s._reset_greeting() if r.code == 220 else None,  # Postfix: a new session, greet again
    "MAIL": ClientState._mail,
    "RCPT": ClientState._rcpt,
    "DATA": ClientState._data,
    "BDAT": ClientState._bdat,
    "RSET": ClientState._rset,
    "STARTTLS": ClientState._starttls,
    "AUTH": ClientState._auth,
    "QUIT": ClientState._quit,
}


def parse_ehlo_keywords(reply: Reply) -> dict[str, str]:
    """RFC 5321 §4.1.1.1: every line after the first is ``KEYWORD [params]``."""
    keywords: dict[str, str] = {}
    for line in reply.lines[1:]:
        keyword, _, params = line.strip().partition(" ")
        if keyword:
            keywords[keyword.upper()] = params.strip()
    return keywords


def _address(argument: str, prefix: str) -> str:
    try:
        return parse_path_argument(argument, prefix).address
    except GrammarError:
        return argument.partition(":")[2].strip().strip("<>")
