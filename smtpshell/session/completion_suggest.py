"""What the text before the cursor asks for: a verb, an address, a parameter, a meta command's argument...

Rule: this step only reads the line (and whether the shell takes a command line at all); which candidates exist
and which the server allows is decided by the matchers in completion_match.py. As in pgcli, it is the part worth
testing hardest, so it returns plain values a table of tests can compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import Command, lookup
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.session.meta_table import META_PREFIX, ArgKind, lookup_meta
from smtpshell.session.vendor_commands import VERBS as VENDOR_VERBS
from smtpshell.session.vendor_commands import VendorAttribute, suggest_attribute


@dataclass(frozen=True)
class Verb:
    """The first word of an SMTP line."""

    word: str


@dataclass(frozen=True)
class PathKeyword:
    """The ``FROM:``/``TO:`` after MAIL or RCPT, not typed in full yet."""

    verb: str
    word: str


@dataclass(frozen=True)
class Address:
    """The mailbox of ``FROM:<...`` or ``TO:<...``; ``bracket`` says whether the ``<`` is already typed."""

    verb: str
    word: str
    bracket: bool


@dataclass(frozen=True)
class EsmtpParameter:
    """An ESMTP parameter name after the closing ``>``; ``used`` are the names already on the line."""

    verb: str
    word: str
    used: frozenset[str]


@dataclass(frozen=True)
class EsmtpValue:
    """The value after ``NAME=``; ``chosen`` are the values before the last comma (NOTIFY takes a list)."""

    verb: str
    param: str
    word: str
    chosen: tuple[str, ...]
    address: str  # the line's mailbox, for ORCPT=rfc822;<address>


@dataclass(frozen=True)
class Mechanism:
    """The SASL mechanism after ``AUTH``."""

    word: str


@dataclass(frozen=True)
class HelpTopic:
    """The command after ``HELP``."""

    word: str


@dataclass(frozen=True)
class ArgumentExample:
    """The single argument of EHLO, HELO, VRFY, EXPN, ETRN or BDAT, shown by the table's example."""

    verb: str
    word: str


@dataclass(frozen=True)
class BdatLast:
    """The optional ``LAST`` after ``BDAT <size>``."""

    word: str


@dataclass(frozen=True)
class MetaName:
    """A shell command being typed; ``word`` includes the leading ``/``."""

    word: str


@dataclass(frozen=True)
class MetaArgument:
    """The first argument of a shell command, by the kind its table entry declares."""

    meta: str
    kind: ArgKind
    word: str


@dataclass(frozen=True)
class MetaFlag:
    """A ``--flag`` of a shell command (the flags are read from its usage line)."""

    meta: str
    word: str
    used: frozenset[str]


Suggestion = (
    VendorAttribute
    | Verb
    | PathKeyword
    | Address
    | EsmtpParameter
    | EsmtpValue
    | Mechanism
    | HelpTopic
    | ArgumentExample
    | BdatLast
    | MetaName
    | MetaArgument
    | MetaFlag
)

# "FROM:<alice@example> SIZE=10" split as it is typed: each group may still be missing.
_PATH_RE = re.compile(
    r"(?P<kw>[A-Za-z]*)(?P<colon>:?)(?P<space> *)(?P<open><?)(?P<address>[^<> ]*)(?P<close>>?)(?P<tail>.*)",
    re.DOTALL,
)


def suggest(text: str, state: ClientState) -> list[Suggestion]:
    """The kinds of candidate that fit at the end of ``text`` (the text before the cursor)."""
    if state.in_data or state.auth_mechanism:
        return []  # the line is part of a message, or a secret answer to a 334 challenge
    line = re.split(r"[\r\n]", text)[-1].lstrip(" \t")
    if line.startswith(META_PREFIX):
        return _suggest_meta(line)
    verb, space, rest = line.partition(" ")
    if not space:
        return [Verb(verb)]
    command = lookup(verb)
    if command is None and verb.upper() in VENDOR_VERBS:
        return list(suggest_attribute(verb, rest, state))
    if command is None or not command.takes_argument:
        return []
    rest = rest.lstrip(" ")
    if command.prefix:
        return _suggest_path(command, command.prefix, rest)
    return _suggest_argument(command, rest)


def _suggest_path(command: Command, prefix: str, rest: str) -> list[Suggestion]:
    match = _PATH_RE.fullmatch(rest)
    if match is None:
        return []
    keyword = match["kw"].upper()
    if not match["colon"]:
        if match["space"] or match["open"] or match["address"] or match["tail"]:
            return []
        return [PathKeyword(command.verb, match["kw"])] if prefix.startswith(keyword) else []
    if keyword + ":" != prefix:
        return []
    if not match["close"]:
        if match["tail"]:
            return []  # an address without brackets followed by more words: nothing sensible to offer
        return [Address(command.verb, match["address"], bracket=bool(match["open"]))]
    tail = match["tail"]
    if not tail.startswith(" "):
        return []
    *before, word = tail.split(" ")
    used = frozenset(w.partition("=")[0].upper() for w in before if w)
    if "=" not in word:
        return [EsmtpParameter(command.verb, word, used)]
    name, _, value = word.partition("=")
    *chosen, last = value.split(",")
    return [EsmtpValue(command.verb, name.upper(), last, tuple(c.upper() for c in chosen), match["address"])]


def _suggest_argument(command: Command, rest: str) -> list[Suggestion]:
    words = rest.split(" ")
    if command.verb == "AUTH":
        return [Mechanism(words[0])] if len(words) == 1 else []
    if command.verb == "HELP":
        return [HelpTopic(words[0])] if len(words) == 1 else []
    if command.verb == "BDAT":
        return [BdatLast(words[1])] if len(words) == 2 and is_ascii_digits(words[0]) else []
    if command.needs_argument and len(words) == 1:
        return [ArgumentExample(command.verb, words[0])]
    return []


def _suggest_meta(line: str) -> list[Suggestion]:
    name, space, rest = line.partition(" ")
    if not space:
        return [MetaName(name)]
    meta = lookup_meta(name)
    if meta is None:
        return []
    *before, word = rest.lstrip(" ").split(" ")
    if word.startswith("-"):
        return [MetaFlag(meta.name, word, frozenset(w for w in before if w.startswith("-")))]
    if not [w for w in before if w]:
        return [MetaArgument(meta.name, meta.arg, word)]
    return []
