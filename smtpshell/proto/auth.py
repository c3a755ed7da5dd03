"""SASL mechanisms for AUTH (RFC 4954): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), server side and pure.

Each mechanism is a small exchange: the server sends a challenge (334), the client answers one line, until the
server can check the credentials. Secrets never leave this module except as a yes/no.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field


class AuthDecodeError(ValueError):
    """A client line that is not valid base64."""


def b64decode(text: str) -> bytes:
    if text == "=":  # RFC 4954 §4: "=" is an empty initial response
        return b""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise AuthDecodeError(text) from None


def b64encode(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


@dataclass
class AuthOutcome:
    challenge: str | None = None  # base64 text for a 334 reply; None when the exchange is over
    username: str | None = None
    success: bool = False


@dataclass
class AuthExchange:
    """One AUTH exchange in progress."""

    mechanism: str
    check: Callable[[str, str], bool]  # (username, password) -> valid
    secret_of: Callable[[str], str | None]  # username -> password, for CRAM-MD5's keyed digest
    challenge_text: str = ""  # CRAM-MD5's challenge
    _step: int = 0
    _username: str = field(default="", repr=False)

    def begin(self, initial: str | None) -> AuthOutcome:
        if self.mechanism == "PLAIN":
            return self._plain(initial) if initial is not None else AuthOutcome(challenge="")
        if self.mechanism == "LOGIN":
            if initial is not None:
                self._username = b64decode(initial).decode("utf-8", "replace")
                self._step = 1
                return AuthOutcome(challenge=b64encode("Password:"))
            return AuthOutcome(challenge=b64encode("Username:"))
        # CRAM-MD5 takes no initial response (RFC 2195); the server speaks first.
        return AuthOutcome(challenge=b64encode(self.challenge_text))

    def respond(self, line: str) -> AuthOutcome:
        if self.mechanism == "PLAIN":
            return self._plain(line)
        if self.mechanism == "LOGIN":
            if self._step == 0:
                self._username = b64decode(line).decode("utf-8", "replace")
                self._step = 1
                return AuthOutcome(challenge=b64encode("Password:"))
            password = b64decode(line).decode("utf-8", "replace")
            return AuthOutcome(username=self._username, success=self.check(self._username, password))
        return self._cram(line)

    def _plain(self, text: str) -> AuthOutcome:
        parts = b64decode(text).split(b"\0")
        if len(parts) != 3:
            return AuthOutcome(username=None, success=False)
        _authzid, user, password = (p.decode("utf-8", "replace") for p in parts)
        return AuthOutcome(username=user, success=self.check(user, password))

    def _cram(self, text: str) -> AuthOutcome:
        user, _, digest = b64decode(text).decode("utf-8", "replace").rpartition(" ")
        secret = self.secret_of(user)
        if secret is None:
            return AuthOutcome(username=user, success=False)
        expected = hmac.new(secret.encode(), self.challenge_text.encode(), hashlib.md5).hexdigest()
        # Compared as octets: compare_digest refuses str with non-ASCII characters, and the client chose them.
        given = digest.lower().encode("utf-8", "replace")
        return AuthOutcome(username=user, success=hmac.compare_digest(expected.encode(), given))


def cram_md5_response(username: str, password: str, challenge: str) -> str:
    """The client's answer to a CRAM-MD5 challenge (given decoded), base64-encoded."""
    digest = hmac.new(password.encode(), challenge.encode(), hashlib.md5).hexdigest()
    return b64encode(f"{username} {digest}")


def plain_response(username: str, password: str, authzid: str = "") -> str:
    return b64encode(f"{authzid}\0{username}\0{password}")
