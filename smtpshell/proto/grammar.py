"""The command-line grammar of RFC 5321 §4.1: verbs, paths, mailboxes and ESMTP parameters.

Shared by the server (to answer), the client engine (to warn before sending), the lexer and the lesson checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class GrammarError(ValueError):
    """A command argument that does not parse; ``enhanced`` is the RFC 3463 detail the server should use."""

    def __init__(self, message: str, enhanced: str = "5.5.4", code: int = 501) -> None:
        super().__init__(message)
        self.enhanced = enhanced
        self.code = code


@dataclass(frozen=True)
class CommandLine:
    verb: str  # upper-cased
    argument: str  # everything after the verb and one space, unchanged


@dataclass(frozen=True)
class PathArgument:
    """``FROM:<alice@example> SIZE=10`` parsed: the address inside the brackets and the parameters after it."""

    address: str  # without angle brackets; "" for the null path <>
    params: list[tuple[str, str | None]] = field(default_factory=list)
    space_after_colon: bool = False
    missing_brackets: bool = False

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower() if "@" in self.address else ""

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0] if "@" in self.address else self.address


def split_command(line: str) -> CommandLine:
    verb, _, argument = line.strip(" ").partition(" ")
    return CommandLine(verb.upper(), argument.strip(" "))


# RFC 5321 §4.1.2: atext for dot-strings, plus a relaxed domain check (labels of letters, digits and hyphens).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_STRING = re.compile(rf"^{_ATEXT}+(\.{_ATEXT}+)*$")
_QUOTED = re.compile(r'^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$')
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# [0-9], never \d: on str patterns \d also matches other scripts' digits, which int() and IP parsers refuse.
_ADDRESS_LITERAL = re.compile(r"^\[(IPv6:[0-9A-Fa-f:.]+|[0-9]{1,3}(\.[0-9]{1,3}){3})\]$")


def is_ascii_digits(text: str) -> bool:
    """Only 0-9, at least one: ``str.isdigit`` also says yes to "²" and "٣", which ``int`` then refuses or reads."""
    return text.isascii() and text.isdigit()


def is_valid_utf8(text: str) -> bool:
    """False when ``text`` came from octets that are not UTF-8 (decoded with surrogateescape, RFC 3629)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_domain(text: str, utf8: bool = False) -> bool:
    if _ADDRESS_LITERAL.match(text):
        return True
    if not text or len(text) > 255 or not is_valid_utf8(text):
        return False
    labels = text.rstrip(".").split(".")
    for label in labels:
        if utf8 and not label.isascii():
            # A U-label: printable characters only (no C1 controls, no bidi overrides sneaking into replies).
            if not label.isprintable() or label.startswith("-") or label.endswith("-") or len(label.encode()) > 63:
                return False
            continue
        if not _LABEL.match(label):
            return False
    return True


def check_mailbox(address: str, utf8: bool = False) -> str | None:
    """None when ``address`` is a valid RFC 5321 mailbox (RFC 6531 when utf8); otherwise what is wrong."""
    if not is_valid_utf8(address):
        return "the address holds octets that are not UTF-8 (RFC 6531 §3.3 allows UTF-8 only)"
    if "@" not in address:
        return "an address needs a local part, an @ and a domain"
    local, _, domain = address.rpartition("@")
    if not local:
        return "the part before the @ is empty"
    if len(local.encode()) > 64:
        return "the part before the @ is longer than 64 octets (RFC 5321 §4.5.3.1.1)"
    if not utf8 and not address.isascii():
        return "non-ASCII address"
    if not local.isascii() and not local.isprintable():
        return "the part before the @ holds a control character"
    local_ascii = local if local.isascii() else re.sub(r"[^\x00-\x7f]", "a", local)
    if not (_DOT_STRING.match(local_ascii) or _QUOTED.match(local_ascii)):
        return f"{local!r} is not a valid local part"
    if not is_domain(domain, utf8):
        return f"{domain!r} is not a valid domain"
    return None


_PATH_RE = re.compile(r"^(?P<kw>[A-Za-z]+:)(?P<sp> *)(?P<rest>.*)$", re.DOTALL)


def parse_path_argument(argument: str, prefix: str) -> PathArgument:
    """Parse ``FROM:<path> params`` (prefix ``FROM:``) or ``TO:<path> params``.

    Accepts a space after the colon, as most servers do, and records it so the server can mention RFC 5321's
    rule. A missing pair of angle brackets is a syntax error (RFC 5321 §4.1.2 requires them).
    """
    match = _PATH_RE.match(argument)
    if not match or match["kw"].upper() != prefix:
        raise GrammarError(f"expected {prefix}<address>", "5.5.4")
    rest = match["rest"]
    if not rest.startswith("<"):
        raise GrammarError(f"the address after {prefix} must be in angle brackets: {prefix}<user@domain>", "5.5.4")
    close = rest.find(">")
    if close < 0:
        raise GrammarError("the address has a '<' but no closing '>'", "5.5.4")
    address = rest[1:close]
    # A source route (<@a,@b:user@c>) is obsolete; RFC 5321 §4.1.2 says to accept and ignore it.
    if address.startswith("@") and ":" in address:
        address = address.split(":", 1)[1]
    tail = rest[close + 1 :]
    if tail and not tail.startswith(" "):
        raise GrammarError("parameters must be separated from the address by a space", "5.5.4")
    return PathArgument(address, parse_params(tail.strip(" ")), bool(match["sp"]))


_PARAM_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([^= \x00-\x1f]+))?$")


def parse_params(text: str) -> list[tuple[str, str | None]]:
    params: list[tuple[str, str | None]] = []
    for word in text.split():
        match = _PARAM_RE.match(word)
        if not match:
            raise GrammarError(f"{word!r} is not a parameter (KEYWORD or KEYWORD=value)", "5.5.4")
        params.append((match[1].upper(), match[2]))
    return params


_XTEXT_RE = re.compile(r"\+([0-9A-F]{2})")


def xtext_decode(text: str) -> str:
    """RFC 3461 §4: "+XX" stands for the octet XX; used by ENVID and ORCPT."""
    return _XTEXT_RE.sub(lambda m: chr(int(m[1], 16)), text)


def is_xtext(text: str) -> bool:
    stripped = _XTEXT_RE.sub("", text)
    return all(0x21 <= ord(c) <= 0x7E and c not in "+=" for c in stripped)
