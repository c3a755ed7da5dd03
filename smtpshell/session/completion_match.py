"""The candidates for each kind of suggestion, drawn from the shared tables and the session state.

Rule: every verb, parameter, value, code and meta command offered here, and its meaning, comes from the command
table, the reply registry, the fault presets, the meta-command table or the explain/ knowledge base; this module
only chooses and orders.
Matching is a case-insensitive prefix match; what the server advertised, or what the state expects, comes first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from smtpshell.explain import knowledge
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import AUTH_MECHANISMS, COMMANDS, SANDBOX_EXTENSIONS, Command, Param, lookup
from smtpshell.proto.faults import PRESETS
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES
from smtpshell.session import vendor_commands
from smtpshell.session.completion_suggest import (
    Address,
    ArgumentExample,
    BdatLast,
    EsmtpParameter,
    EsmtpValue,
    HelpTopic,
    Mechanism,
    MetaArgument,
    MetaFlag,
    MetaName,
    PathKeyword,
    Verb,
)
from smtpshell.session.meta_table import META_COMMANDS, META_PREFIX, ArgKind


@dataclass(frozen=True)
class Completion:
    """One candidate: ``text`` replaces the ``-start_position`` characters before the cursor."""

    text: str
    start_position: int
    display: str
    meaning: str


@dataclass(frozen=True)
class Sources:
    """What the completer may offer besides the tables: known mailboxes, typed history, lessons."""

    state: ClientState
    addresses: Sequence[str | tuple[str, str]] = ()  # the sandbox's mailboxes, or (address, what it is) pairs
    history: Sequence[str] = ()  # lines typed before, oldest first (as prompt_toolkit's History keeps them)
    lessons: Sequence[tuple[str, str]] = ()  # (id, title)


# Facts about the shell's own completion, not about SMTP: said once, here. (What a SASL mechanism or an EHLO
# keyword is comes from the explain/ knowledge base.)
_NULL_SENDER_MEANING = "the null sender <>: used by bounces, so that no bounce comes back"
MAILBOX_MEANING = "a mailbox the sandbox knows"
LIST_MEANING = "a mailing list the sandbox knows"
_BDAT_LAST_MEANING = "this chunk ends the message; the server answers for the whole message"
_LESSON_STOP = ("stop", "stop", "leave the current lesson")
_FAULTS_CLEAR = ("clear", "clear", "remove every fault from the sandbox")
_ON_OFF = (("on", "turn it on"), ("off", "turn it off"))
_HISTORY_PATH_RE = re.compile(r"^\s*(MAIL\s+FROM|RCPT\s+TO)\s*:\s*<([^<>\s]+@[^<>\s]+)>", re.IGNORECASE)
_FLAG_RE = re.compile(r"--[a-z][a-z-]*")
_ALTERNATIVES_RE = re.compile(r"\[([^\]]*\|[^\]]*)\]")


def _offer(word: str, items: Iterable[tuple[str, str, str]]) -> list[Completion]:
    """(text, display, meaning) triples whose text starts with ``word``, each once, in the order given."""
    typed = word.upper()
    seen: set[str] = set()
    found: list[Completion] = []
    for text, display, meaning in items:
        if text in seen or not text.upper().startswith(typed):
            continue
        seen.add(text)
        found.append(Completion(text, -len(word), display, meaning))
    return found


# --- SMTP lines --------------------------------------------------------------------------------------------


def _verb_text(command: Command) -> str:
    """What typing the verb completes to: ``MAIL FROM:<``, ``EHLO ``, ``DATA``."""
    if command.prefix:
        return f"{command.verb} {command.prefix}<"
    return f"{command.verb} " if command.needs_argument else command.verb


def _verb_meaning(command: Command, state: ClientState) -> str:
    if command.keyword and state.esmtp and not state.advertised(command.keyword):
        return f"{command.summary} (this server did not advertise {command.keyword})"
    return command.summary


def match_verb(kind: Verb, sources: Sources) -> list[Completion]:
    """The verbs the state expects first, then the others; obsolete ones only once something is typed."""
    state = sources.state
    expected = state.next_verbs()
    current = [v for v, c in COMMANDS.items() if not c.obsolete and v not in expected]
    obsolete = [v for v, c in COMMANDS.items() if c.obsolete] if kind.word else []
    typed = kind.word.upper()
    texts = [(COMMANDS[v], _verb_text(COMMANDS[v])) for v in [*expected, *current, *obsolete]]
    standard = ((text, text.rstrip(), _verb_meaning(c, state)) for c, text in texts if text.startswith(typed))
    return _offer(kind.word, [*standard, *vendor_commands.advertised_verbs(state)])


def match_vendor_attribute(kind: vendor_commands.VendorAttribute, sources: Sources) -> list[Completion]:
    """XCLIENT/XFORWARD: the attribute names the server listed with the keyword, each once per line."""
    return _offer(kind.word, vendor_commands.attribute_candidates(kind, sources.state))


def match_path_keyword(kind: PathKeyword, sources: Sources) -> list[Completion]:
    command = COMMANDS[kind.verb]
    prefix = f"{command.prefix}<"
    return _offer(kind.word, [(prefix, prefix, command.summary)])


_USED_AS = {"MAIL": "used before as a sender", "RCPT": "used before as a recipient"}


def directory_addresses(policy: SandboxPolicy) -> list[tuple[str, str]]:
    """Every mailbox and mailing list of the sandbox's directory, at each of its domains, with what it is."""
    names = [(name, MAILBOX_MEANING) for name in policy.mailboxes]
    names += [(name, f"{LIST_MEANING} ({', '.join(members)})") for name, members in policy.lists.items()]
    return [(f"{name}@{domain}", meaning) for domain in policy.domains for name, meaning in names]


@functools.lru_cache(maxsize=8)
def _address_candidates(
    verb: str, history: tuple[str, ...], addresses: tuple[str | tuple[str, str], ...]
) -> list[tuple[str, str, str]]:
    """(lower-cased, address, meaning), each address once: the ones used with ``verb`` before (most recent
    first), the sandbox's mailboxes, then the ones used with the other verb.

    Cached: the prompt asks on every keystroke with the same history, which only grows between lines.
    """
    used: list[tuple[str, str]] = []
    for line in reversed(history):
        match = _HISTORY_PATH_RE.match(line)
        if match:
            used.append((match[1].split()[0].upper(), match[2]))
    ordered = [(a, _USED_AS[v]) for v, a in used if v == verb]
    ordered += [(a, MAILBOX_MEANING) if isinstance(a, str) else a for a in addresses]
    ordered += [(a, _USED_AS[v]) for v, a in used if v != verb]
    found: dict[str, tuple[str, str, str]] = {}
    for address, meaning in ordered:
        found.setdefault(address.lower(), (address.lower(), address, meaning))
    return list(found.values())


def match_address(kind: Address, sources: Sources) -> list[Completion]:
    """Addresses used with this verb before, then the sandbox's mailboxes, then the others used before."""
    candidates = _address_candidates(kind.verb, tuple(sources.history), tuple(sources.addresses))
    accepted = {r.lower() for r in sources.state.recipients} if kind.verb == "RCPT" else set()
    word = kind.word.lower()
    # the word may also start a part of the address: its domain, a dotted label
    parts = [separator + word for separator in "@._+-"]
    by_prefix: list[tuple[str, str]] = []
    by_part: list[tuple[str, str]] = []
    for key, address, meaning in candidates:
        if key in accepted:
            continue
        if key.startswith(word):
            by_prefix.append((address, meaning))
        elif word in key and any(part in key for part in parts):
            by_part.append((address, meaning))
    opening = "" if kind.bracket else "<"
    found = [Completion(f"{opening}{a}>", -len(kind.word), a, m) for a, m in [*by_prefix, *by_part]]
    if kind.verb == "MAIL" and not kind.word:
        found.insert(len(by_prefix), Completion(f"{opening}>", 0, "<>", _NULL_SENDER_MEANING))
    return found


def _advertised_params(verb: str, state: ClientState) -> list[Param]:
    command = lookup(verb)
    return [p for p in command.params if state.advertised(p.keyword)] if command else []


def match_parameter(kind: EsmtpParameter, sources: Sources) -> list[Completion]:
    """Only the parameters whose EHLO keyword the server advertised, each once per line."""
    state = sources.state
    items = []
    for param in _advertised_params(kind.verb, state):
        if param.name in kind.used:
            continue
        text = f"{param.name}=" if param.value else param.name
        display = f"{param.name}={param.value}" if param.value else param.name
        meaning = param.summary
        if param.name == "SIZE" and state.size_limit():
            meaning += f" (this server accepts up to {state.size_limit()} octets)"
        items.append((text, display, meaning))
    return _offer(kind.word, items)


def _value_groups(param: Param) -> list[set[str]]:
    """Which values may be combined in one comma list, read from the syntax: ``<NEVER|SUCCESS,FAILURE,DELAY>``."""
    syntax = (param.value or "").strip("<>")
    return [set(alternative.split(",")) for alternative in syntax.split("|")]


def _xtext(text: str) -> str:
    """RFC 3461 §4: characters outside printable ASCII, and "+" and "=", are written +XX."""
    return "".join(c if 0x21 <= ord(c) <= 0x7E and c not in "+=" else f"+{ord(c):02X}" for c in text)


def match_value(kind: EsmtpValue, sources: Sources) -> list[Completion]:
    params = {p.name: p for p in _advertised_params(kind.verb, sources.state)}
    param = params.get(kind.param)
    if param is None:
        return []
    if param.name == "ORCPT":  # RFC 3461 §4.2: addr-type;xtext, offered for the address on this very line
        value = f"rfc822;{_xtext(kind.address)}" if kind.address else "rfc822;"
        return _offer(kind.word, [(value, value, param.summary)])
    choices: Iterable[str] = param.choices
    if kind.chosen:
        groups = [g for g in _value_groups(param) if set(kind.chosen) <= g]
        choices = [c for c in param.choices if any(c in g for g in groups) and c not in kind.chosen]
    return _offer(kind.word, [(c, c, f"{param.name}={c}: {param.summary}") for c in choices])


def _mechanism_meaning(name: str, offered: bool = True) -> str:
    info = knowledge.mechanisms().get(name.upper())
    meaning = info.meaning if info else "a mechanism this server offers"
    return meaning if offered else f"{meaning} (this server did not offer it)"


def match_mechanism(kind: Mechanism, sources: Sources) -> list[Completion]:
    """The mechanisms the server listed in its AUTH keyword, in its order."""
    return _offer(kind.word, [(m, m, _mechanism_meaning(m)) for m in sources.state.auth_mechanisms()])


@functools.cache
def _verb_topics() -> list[tuple[str, str, str]]:
    return [(c.verb, c.verb, c.summary) for c in COMMANDS.values()]


def match_help_topic(kind: HelpTopic, sources: Sources) -> list[Completion]:
    return _offer(kind.word, _verb_topics())


def match_example(kind: ArgumentExample, sources: Sources) -> list[Completion]:
    command = COMMANDS[kind.verb]
    example = command.example.partition(" ")[2]
    return _offer(kind.word, [(example, example, f"an example; the syntax is {command.syntax}")])


def match_bdat_last(kind: BdatLast, sources: Sources) -> list[Completion]:
    return _offer(kind.word, [("LAST", "LAST", _BDAT_LAST_MEANING)])


# --- the shell's own commands -------------------------------------------------------------------------------


def match_meta_name(kind: MetaName, sources: Sources) -> list[Completion]:
    items = [(f"{META_PREFIX}{m.name}", f"{META_PREFIX}{m.name}", m.summary) for m in META_COMMANDS.values()]
    return _offer(kind.word, items)


def match_meta_flag(kind: MetaFlag, sources: Sources) -> list[Completion]:
    """The usage line's flags not given yet; ``[--a|--b]`` alternatives exclude each other."""
    meta = META_COMMANDS[kind.meta]
    excluded = set(kind.used)
    for alternatives in _ALTERNATIVES_RE.findall(meta.usage):
        group = set(_FLAG_RE.findall(alternatives))
        if group & kind.used:
            excluded |= group
    offered = [f for f in _FLAG_RE.findall(meta.usage) if f not in excluded]
    return _offer(kind.word, [(f, f, meta.usage) for f in offered])


@functools.cache
def _keyword_meaning(keyword: str) -> str:
    """What an EHLO keyword is (from the knowledge base) and enables (from the command table)."""
    info = knowledge.keyword(keyword)
    enabled = [c.verb for c in COMMANDS.values() if c.keyword == keyword]
    enabled += [f"{p.name}= on {c.verb}" for c in COMMANDS.values() for p in c.params if p.keyword == keyword]
    summary = f"EHLO keyword: {info.summary}" if info else "EHLO keyword: a service extension"
    return f"{summary}; enables {', '.join(enabled)}" if enabled else summary


@functools.cache
def _code_topics() -> list[tuple[str, str, str]]:
    return [(str(code), str(code), meaning) for code, (meaning, _) in BASIC_CODES.items()]


@functools.lru_cache(maxsize=4)
def _keyword_topics(advertised: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The server's own keywords first, then the sandbox's, then every other the knowledge base knows."""
    keywords = dict.fromkeys([*advertised, *SANDBOX_EXTENSIONS, *knowledge.keywords()])
    return [(k, k, _keyword_meaning(k)) for k in keywords]


def _topics(word: str, state: ClientState) -> list[tuple[str, str, str]]:
    """/explain's topics: reply codes (or enhanced codes once "N." is typed), verbs and EHLO keywords."""
    if re.match(r"[245]\.", word):
        klass = word[0]
        return [(f"{klass}{g[1:]}", f"{klass}{g[1:]}", meaning) for g, meaning in ENHANCED_CODES.items()]
    codes = _code_topics() if not word or is_ascii_digits(word[0]) else []
    words = _verb_topics() + _keyword_topics(tuple(state.extensions)) if not is_ascii_digits(word[:1]) else []
    return codes + words  # _offer keeps the first of each: a verb that is also a keyword (AUTH) stays a verb


def _meta_topics() -> list[tuple[str, str, str]]:
    return [(m.name, f"{META_PREFIX}{m.name}", m.summary) for m in META_COMMANDS.values()]


def _hosts(history: Sequence[str]) -> list[tuple[str, str, str]]:
    connect = f"{META_PREFIX}connect "
    hosts = [
        line.strip()[len(connect) :].split(" ")[0]
        for line in reversed(history)
        if line.strip().lower().startswith(connect)
    ]
    return [(h, h, "connected to before") for h in hosts if h]


def _lesson_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    return [*((ident, ident, title) for ident, title in sources.lessons), _LESSON_STOP]


def _on_off_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    return [(value, value, meaning) for value, meaning in _ON_OFF]


def _mechanism_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    """Every mechanism /auth can drive, those this server offers first."""
    state = sources.state
    advertised = state.auth_mechanisms()
    ordered = sorted(AUTH_MECHANISMS, key=lambda m: m not in advertised)
    return [(m, m, _mechanism_meaning(m, offered=not state.esmtp or m in advertised)) for m in ordered]


def _fault_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    presets = [(name, name, f"{verb} -> {reply}: {shows}") for name, (verb, reply, shows) in PRESETS.items()]
    return [*presets, _FAULTS_CLEAR]


def _meta_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    return [*_meta_topics(), *_verb_topics()]


def _topic_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    return _topics(word, sources.state)


def _host_arguments(sources: Sources, word: str) -> list[tuple[str, str, str]]:
    return _hosts(sources.history)


# What each kind of meta-command argument offers; the kinds not here (paths, numbers) offer nothing.
_META_ARGUMENTS: dict[ArgKind, Callable[[Sources, str], list[tuple[str, str, str]]]] = {
    "lesson": _lesson_arguments,
    "on-off": _on_off_arguments,
    "mechanism": _mechanism_arguments,
    "fault": _fault_arguments,
    "meta": _meta_arguments,
    "topic": _topic_arguments,
    "host": _host_arguments,
}


def match_meta_argument(kind: MetaArgument, sources: Sources) -> list[Completion]:
    arguments = _META_ARGUMENTS.get(kind.kind)
    return _offer(kind.word, arguments(sources, kind.word)) if arguments else []
