"""A 334 challenge decoded: what the server asks for during AUTH, and how to answer it.

Rule: the text of a 334 reply is base64 (RFC 4954 §4); what it says depends on the mechanism: LOGIN asks
"Username:" then "Password:", CRAM-MD5 sends a one-time string to be hashed, PLAIN sends nothing.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass


@dataclass(frozen=True)
class Challenge:
    decoded: str | None  # the challenge as text; None when it is empty or not base64
    meaning: str  # what the server asks for and how to answer


def _decode(text: str) -> bytes | None:
    try:
        return b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_challenge(text: str, mechanism: str | None) -> Challenge:
    """``text`` is the reply text after "334 "; ``mechanism`` the one AUTH named, when known."""
    mechanism = (mechanism or "").upper()
    stripped = text.strip()
    if not stripped:
        if mechanism == "PLAIN" or not mechanism:
            return Challenge(
                None,
                "An empty challenge: the server waits for your credentials. For PLAIN, send "
                "base64 of NUL, user name, NUL, password, all on one line.",
            )
        return Challenge(None, "An empty challenge: send your first response for the mechanism.")
    raw = _decode(stripped)
    if raw is None:
        return Challenge(
            None,
            f"The challenge {stripped!r} is not valid base64; the server is not following "
            "RFC 4954. Answer '*' to cancel.",
        )
    decoded = raw.decode("utf-8", "replace")
    printable = decoded.isprintable()
    shown = decoded if printable else repr(raw)
    lowered = decoded.strip().lower()
    if lowered in ("username:", "user name:", "user:") or lowered.startswith("username"):
        return Challenge(shown, "LOGIN asks for your user name: send it as one base64 line (often the full address).")
    if lowered.startswith("password"):
        return Challenge(
            shown,
            "LOGIN asks for your password: send it as one base64 line. Base64 hides "
            "nothing; send passwords only over TLS.",
        )
    if mechanism == "CRAM-MD5" or (decoded.startswith("<") and decoded.endswith(">") and "@" in decoded):
        return Challenge(
            shown,
            "A CRAM-MD5 challenge, used once. Answer with base64 of your user name, a "
            "space, and the hex HMAC-MD5 of this challenge keyed with your password "
            "(RFC 2195): the password itself never crosses the wire.",
        )
    if decoded.lstrip().startswith("{") and "status" in decoded:
        return Challenge(
            shown,
            "An error report in JSON (the XOAUTH2 style): the token was refused. Send an "
            "empty line to get the server's final error reply.",
        )
    if not printable:
        return Challenge(
            shown,
            "Binary challenge data for the mechanism (for example SCRAM or GSSAPI); a "
            "mail program computes the answer.",
        )
    return Challenge(shown, "The server's challenge for the mechanism: answer with one base64 line, or '*' to cancel.")
