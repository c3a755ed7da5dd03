"""The /auth helper: the client's side of AUTH PLAIN, LOGIN and CRAM-MD5, without I/O.

Rule: the password is used to build the lines and then forgotten; what a learner sees of each line is its
decoded form with the password masked, and what records keep is redacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from smtpshell.proto.auth import AuthDecodeError, b64decode, b64encode, cram_md5_response, plain_response
from smtpshell.proto.commands import AUTH_MECHANISMS
from smtpshell.proto.redaction import HIDDEN

MASK = "********"


@dataclass(frozen=True)
class AuthStep:
    line: str  # what goes on the wire
    shown: str  # the line as records keep it
    explained: str  # what the line carries, decoded, with the password masked


class AuthHelperError(ValueError):
    """The server's challenge cannot be answered (not base64, or one step too many); the engine then cancels
    the exchange with "*", as RFC 4954 §4 allows."""


class ClientAuth:
    def __init__(self, mechanism: str, username: str, password: str) -> None:
        mechanism = mechanism.upper()
        if mechanism not in AUTH_MECHANISMS:
            raise ValueError(f"unknown mechanism {mechanism}; the shell can do {', '.join(AUTH_MECHANISMS)}")
        self.mechanism = mechanism
        self.username = username
        self._password = password
        self._answers = 0

    def first(self) -> AuthStep:
        if self.mechanism == "PLAIN":
            # RFC 4616: authzid NUL authcid NUL passwd; the initial response saves one round trip (RFC 4954 §4).
            return AuthStep(
                f"AUTH PLAIN {plain_response(self.username, self._password)}",
                f"AUTH PLAIN {HIDDEN}",
                f'AUTH PLAIN + base64 of "\\0{self.username}\\0{MASK}" '
                "(empty authorization id, NUL, user name, NUL, password)",
            )
        return AuthStep(
            f"AUTH {self.mechanism}",
            f"AUTH {self.mechanism}",
            f"AUTH {self.mechanism} with no initial response: the server sends a 334 challenge first",
        )

    def answer(self, challenge: str) -> AuthStep:
        """The reply line to a 334 whose text is ``challenge`` (base64)."""
        try:
            decoded = b64decode(challenge.strip()).decode("utf-8", "replace")
        except AuthDecodeError:
            raise AuthHelperError(f"the server's challenge {challenge!r} is not base64") from None
        self._answers += 1
        if self.mechanism == "LOGIN" and self._answers == 1:
            encoded = b64encode(self.username)
            return AuthStep(encoded, HIDDEN, f'{encoded} = base64 of "{self.username}" (asked: {decoded!r})')
        if self.mechanism == "LOGIN" and self._answers == 2:
            return AuthStep(b64encode(self._password), HIDDEN, f"base64 of the password {MASK} (asked: {decoded!r})")
        if self.mechanism == "CRAM-MD5" and self._answers == 1:
            line = cram_md5_response(self.username, self._password, decoded)
            digest = b64decode(line).decode("ascii").rpartition(" ")[2]
            return AuthStep(
                line,
                HIDDEN,
                f'base64 of "{self.username} {digest}": the user name and the '
                f"HMAC-MD5 of the challenge {decoded!r} keyed with the password, which itself "
                "never crosses the wire",
            )
        raise AuthHelperError(f"the server sent one more 334 than {self.mechanism} uses")
