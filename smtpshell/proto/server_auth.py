"""AUTH on the server side (RFC 4954): when it is allowed, the 334 exchange, and the outcome.

Rule: passwords are checked only over TLS unless the policy allows plaintext for a lesson; nothing a client sends
during AUTH is ever put in an output except as "****".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpshell.proto import server_replies as R
from smtpshell.proto.auth import AuthDecodeError, AuthExchange, AuthOutcome
from smtpshell.proto.commands import AUTH_MECHANISMS
from smtpshell.proto.events import Authenticated, Output
from smtpshell.proto.server_replies import ServerReply, echoed

if TYPE_CHECKING:
    from smtpshell.proto.policy import SandboxPolicy


class AuthHandling:
    """Mixed into ServerConnection; it relies on the connection's send/emit/offers/policy."""

    policy: SandboxPolicy
    esmtp: bool
    clock: Callable[[], float]
    send: Callable[..., None]
    emit: Callable[[Output], None]
    offers: Callable[[str], bool]

    def _in_transaction(self) -> bool:
        raise NotImplementedError

    def __init__(self) -> None:
        self._exchange: AuthExchange | None = None
        self.authenticated: str | None = None

    @property
    def auth_pending(self) -> bool:
        """A 334 was sent: the next line is an AUTH response, not a command."""
        return self._exchange is not None

    def auth_command(self, argument: str) -> None:
        refusal = self._auth_refusal(argument)
        if refusal is not None:
            self.send(*refusal)
            return
        words = argument.split()
        mechanism = words[0].upper()
        challenge = f"<{secrets.randbelow(10**9)}.{int(self.clock())}@{self.policy.hostname}>"
        self._exchange = AuthExchange(mechanism, self._check_password, self.policy.users.get, challenge)
        try:
            outcome = self._exchange.begin(words[1] if len(words) == 2 else None)
        except AuthDecodeError:
            self._undecodable()
            return
        self._outcome(outcome)

    def _auth_refusal(self, argument: str) -> tuple[ServerReply, str] | None:
        words = argument.split()
        if not self.policy.offers("AUTH") or not self.esmtp:
            return R.AUTH_NOT_ENABLED, "AUTH is not offered in this session (it needs EHLO and the AUTH extension)"
        if not self.offers("AUTH"):
            return R.ENCRYPTION_REQUIRED, (
                "AUTH refused: passwords are accepted only after STARTTLS, so they never cross the network in the clear"
            )
        if self.authenticated:
            return R.OUT_OF_SEQUENCE.format(what="already authenticated"), "AUTH refused: one AUTH per session"
        if self._in_transaction():
            return (
                R.OUT_OF_SEQUENCE.format(what="MAIL transaction in progress"),
                "AUTH refused: authenticate before MAIL (RFC 4954 §4)",
            )
        if not words or len(words) > 2:
            return R.SYNTAX.format(usage="AUTH mechanism [initial-response]"), "AUTH needs a mechanism"
        if words[0].upper() not in AUTH_MECHANISMS:
            return (
                R.AUTH_UNKNOWN_MECHANISM,
                f"{echoed(words[0].upper(), 40)} is not one of: {' '.join(AUTH_MECHANISMS)}",
            )
        if words[0].upper() == "CRAM-MD5" and len(words) == 2:
            return (
                R.SYNTAX.format(usage="AUTH CRAM-MD5 (no initial response)"),
                "the server speaks first in CRAM-MD5 (RFC 2195)",
            )
        return None

    def auth_response(self, text: str) -> None:
        exchange = self._exchange
        assert exchange is not None
        if text.strip() == "*":
            self._exchange = None
            self.send(R.AUTH_ABORTED, "the client cancelled AUTH with '*' (RFC 4954 §4)", verb="AUTH")
            return
        try:
            outcome = exchange.respond(text.strip())
        except AuthDecodeError:
            self._undecodable()
            return
        self._outcome(outcome)

    def _undecodable(self) -> None:
        self._exchange = None
        self.send(R.AUTH_UNDECODABLE, "an AUTH line must be base64 (RFC 4954 §4)", verb="AUTH")

    def _outcome(self, outcome: AuthOutcome) -> None:
        exchange = self._exchange
        assert exchange is not None
        if outcome.challenge is not None:
            self.send(
                R.AUTH_CHALLENGE.format(challenge=outcome.challenge),
                f"{exchange.mechanism}: the server waits for the next base64 line (decode the challenge to read it)",
                verb="AUTH",
            )
            return
        self._exchange = None
        if outcome.success and outcome.username:
            self.authenticated = outcome.username
            self.emit(Authenticated(outcome.username, exchange.mechanism))
            self.send(R.AUTH_OK, f"{exchange.mechanism}: the credentials match user {outcome.username!r}", verb="AUTH")
            return
        self.send(R.AUTH_FAILED, f"{exchange.mechanism}: no such user, or the password is wrong", verb="AUTH")

    def _check_password(self, user: str, password: str) -> bool:
        expected = self.policy.users.get(user)
        return expected is not None and secrets.compare_digest(expected.encode(), password.encode())
