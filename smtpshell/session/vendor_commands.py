"""Commands a server offers beyond the standard ones, known by the EHLO keyword that announces them: Postfix's
XCLIENT and XFORWARD. Completion offers them only when the server listed them, with the attribute names it listed.

Rule: the EHLO line is the truth (``250-XCLIENT NAME ADDR PROTO HELO``): only the attributes listed there are
offered, each once per line, as NAME=; their meanings come from Postfix's XCLIENT_README and XFORWARD_README.
"""

from __future__ import annotations

from dataclasses import dataclass

from smtpshell.proto.client_state import ClientState

VERBS: dict[str, str] = {
    "XCLIENT": "Postfix: a trusted proxy gives the real client's details; the session starts over (220)",
    "XFORWARD": "Postfix: a content filter passes on the original client's details for this message",
}

ATTRIBUTES: dict[str, str] = {
    "NAME": "the client's host name as found by reverse DNS, or [UNAVAILABLE] / [TEMPUNAVAIL]",
    "REVERSE_NAME": "the host name the client's address maps to, before the forward check",
    "ADDR": "the client's IP address (IPV6: in front of an IPv6 address)",
    "PORT": "the client's TCP port",
    "PROTO": "the greeting the client used: SMTP (HELO) or ESMTP (EHLO)",
    "HELO": "the name the client gave in HELO or EHLO",
    "LOGIN": "the SASL login name the client used",
    "DESTADDR": "the server address the client connected to",
    "DESTPORT": "the server port the client connected to",
    "SOURCE": "XFORWARD: LOCAL or REMOTE, where the message came from",
    "IDENT": "XFORWARD: the original message's queue id",
}


@dataclass(frozen=True)
class VendorAttribute:
    """An ATTRIBUTE=value word after XCLIENT or XFORWARD, not typed in full yet."""

    verb: str
    word: str
    used: frozenset[str]


def advertised_verbs(state: ClientState) -> list[tuple[str, str, str]]:
    """(text, display, meaning) for each vendor command the server listed in its EHLO reply."""
    return [(f"{verb} ", verb, meaning) for verb, meaning in VERBS.items() if state.advertised(verb)]


def suggest_attribute(verb: str, rest: str, state: ClientState) -> list[VendorAttribute]:
    """What fits after ``XCLIENT `` or ``XFORWARD ``: an attribute name, when the server advertised the verb."""
    verb = verb.upper()
    if verb not in VERBS or not state.advertised(verb):
        return []
    *before, word = rest.lstrip(" ").split(" ")
    if "=" in word:
        return []  # a value: the client's details are the user's to type
    return [VendorAttribute(verb, word, frozenset(w.partition("=")[0].upper() for w in before if w))]


def attribute_candidates(kind: VendorAttribute, state: ClientState) -> list[tuple[str, str, str]]:
    listed = [name.upper() for name in state.keyword_params(kind.verb)]
    return [
        (f"{name}=", f"{name}=", ATTRIBUTES.get(name, "an attribute this server accepts"))
        for name in listed
        if name not in kind.used
    ]


# What a reply to XCLIENT or XFORWARD means (Postfix XCLIENT_README, XFORWARD_README): (headline, meaning, next).
_REPLIES: dict[tuple[str, int], tuple[str, str, str]] = {
    ("XCLIENT", 2): (
        "The server took the new client details and started the session over",
        "XCLIENT succeeded: from now on Postfix treats the connection as coming from the client you described, "
        "and its 220 is a new greeting. Everything said before (EHLO, TLS state aside) is forgotten, as after "
        "STARTTLS; access rules, logs and Received: headers use the new details.",
        "Greet again with EHLO (or LHLO), as the client you described would.",
    ),
    ("XFORWARD", 2): (
        "The server recorded the original client's details for this message",
        "XFORWARD succeeded: the details go into Postfix's log and the Received: header of the next message, "
        "instead of the content filter's own. They last until the end of that mail transaction.",
        "Carry on with MAIL FROM; send XFORWARD again before each message.",
    ),
    ("XCLIENT", 5): (
        "XCLIENT refused: only hosts the administrator trusts may use it",
        "Postfix accepts XCLIENT only from hosts in smtpd_authorized_xclient_hosts (501 for a malformed "
        "attribute, 550 5.7.0 for a host not allowed). Anyone else could pose as any client.",
        "Check the attribute names against the EHLO line; on your own server, list the proxy's address in "
        "smtpd_authorized_xclient_hosts.",
    ),
    ("XFORWARD", 5): (
        "XFORWARD refused: only hosts the administrator trusts may use it",
        "Postfix accepts XFORWARD only from hosts in smtpd_authorized_xforward_hosts (usually the content "
        "filter's address), and only the attributes listed on the EHLO line.",
        "On your own server, list the filter's address in smtpd_authorized_xforward_hosts.",
    ),
}


def explain_reply_to(command: str, code: int, state: ClientState) -> tuple[str, str, str] | None:
    """(headline, meaning, next step) for a reply to XCLIENT or XFORWARD; None for any other command.

    A refusal is read as "not trusted" only from a server that advertised the command; from any other it is the
    usual unknown command, which the general explanation covers.
    """
    verb = command.split(" ", 1)[0].upper()
    if code // 100 == 5 and (not state.advertised(verb) or code in (500, 502)):
        return None
    return _REPLIES.get((verb, code // 100))
