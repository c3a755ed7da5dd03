"""Faults on demand: rules that override the sandbox's reply to a command, delay it, or hang up after it.

A rule matches a verb and, for MAIL and RCPT, a glob on the address. Greylisting remembers the (client, sender,
recipient) triplets it has refused once, across connections, so the retry is accepted as a real greylister would.
Rules come from a TOML file, from ``--fault`` flags (``greylist``, ``mailbox-full:bob@*``), or from a lesson.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from smtpshell.proto.commands import COMMANDS


class FaultError(ValueError):
    """A fault rule or fault file that cannot be used; the message names what is wrong."""


# ASCII digits only: str.isdigit() and \d also take "²" or "٣", which int() refuses or reads as another number.
_CODE = re.compile(r"[0-9]{3}")
_ENHANCED = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")
_SECONDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")


@dataclass(frozen=True)
class ReplySpec:
    code: int
    enhanced: str | None
    text: str

    @classmethod
    def parse(cls, text: str) -> ReplySpec:
        """``"451 4.7.1 Try later"`` -> ReplySpec(451, "4.7.1", "Try later")."""
        parts = text.strip().split(" ", 2)
        if not _CODE.fullmatch(parts[0]) or not 200 <= int(parts[0]) <= 599:
            raise FaultError(f"reply {text!r} must start with a three-digit code from 200 to 599")
        code = int(parts[0])
        enhanced = None
        rest = parts[1:]
        if rest and rest[0][:1] in "245" and rest[0].count(".") == 2:
            enhanced = rest.pop(0)
            if not _ENHANCED.fullmatch(enhanced):
                raise FaultError(f"reply {text!r}: {enhanced!r} is not an enhanced code such as 4.7.1")
            if enhanced[0] != str(code)[0]:
                raise FaultError(f"reply {text!r}: enhanced code {enhanced} has a different class than {code}")
        reason = " ".join(rest) or "fault injected"
        # A line break would forge a second reply; a control character would reach a telnet user's terminal.
        if not all(char == "\t" or char.isprintable() for char in reason):
            raise FaultError(f"reply {text!r}: its text must be one line of printable text")
        return cls(code, enhanced, reason)


@dataclass
class FaultRule:
    command: str  # verb, upper case
    address: str = "*"  # glob on the MAIL/RCPT address (case-insensitive); ignored for other verbs
    reply: ReplySpec | None = None
    delay: float = 0.0
    disconnect: bool = False
    greylist: bool = False
    times: int | None = None  # apply this many times, then stop; None for always
    name: str = "custom"
    used: int = 0

    def matches(self, verb: str, address: str | None) -> bool:
        if verb != self.command:
            return False
        if self.times is not None and self.used >= self.times:
            return False
        return address is None or fnmatch.fnmatchcase(address.lower(), self.address.lower())


PRESETS: dict[str, tuple[str, str, str]] = {
    # name: (verb, reply, what it shows)
    "greylist": (
        "RCPT",
        "451 4.7.1 Greylisted: this is a first attempt, please try again later",
        "the first attempt of each client/sender/recipient is refused for now, the retry accepted",
    ),
    "mailbox-full": ("RCPT", "452 4.2.2 Mailbox full", "the recipient's mailbox is over its quota"),
    "unknown-user": ("RCPT", "550 5.1.1 User unknown", "the recipient does not exist"),
    "relay-denied": ("RCPT", "554 5.7.1 Relay access denied", "the server will not relay to that address"),
    "rate-limit": (
        "MAIL",
        "421 4.7.0 Too many messages from you, slow down; closing connection",
        "the server limits how fast a client may send and hangs up",
    ),
}


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    greylisted: set[tuple[str, str, str]] = field(default_factory=set)

    def find(self, verb: str, address: str | None) -> FaultRule | None:
        for rule in self.rules:
            if rule.matches(verb, address):
                return rule
        return None

    def greylist_passes(self, peer: str, sender: str, recipient: str) -> bool:
        """True when this triplet was refused before (the retry passes); remembers it otherwise."""
        key = (peer, sender.lower(), recipient.lower())
        if key in self.greylisted:
            return True
        self.greylisted.add(key)
        return False

    def describe(self) -> list[str]:
        return [f"{r.name}: {r.command} {r.address}" for r in self.rules]


def preset_rule(spec: str) -> FaultRule:
    """A rule from a flag: ``NAME[:ADDRESS-GLOB]``, ``delay:VERB:SECONDS`` or ``disconnect:VERB``."""
    name, _, arg = spec.partition(":")
    name = name.strip().lower()
    if name == "delay":
        verb, _, seconds = arg.partition(":")
        if not _SECONDS.fullmatch(seconds.strip()):
            raise FaultError(f"delay fault {spec!r}: write delay:VERB:SECONDS, e.g. delay:DATA:2")
        return FaultRule(_verb(verb), delay=float(seconds), name="delay")
    if name == "disconnect":
        return FaultRule(_verb(arg), disconnect=True, name="disconnect")
    if name not in PRESETS:
        known = ", ".join([*PRESETS, "delay:VERB:SECONDS", "disconnect:VERB"])
        raise FaultError(f"unknown fault {name!r}; known faults: {known}")
    verb, reply, _ = PRESETS[name]
    spec_reply = ReplySpec.parse(reply)
    return FaultRule(
        verb,
        arg or "*",
        spec_reply,
        greylist=name == "greylist",
        disconnect=spec_reply.code == 421,
        name=name,
    )


def _verb(text: str) -> str:
    verb = text.strip().upper()
    if verb not in COMMANDS:
        raise FaultError(f"{text!r} is not an SMTP command")
    return verb


_RULE_KEYS = {"preset", "command", "address", "reply", "delay", "disconnect", "times"}


def rules_from_table(entries: list[dict[str, object]], origin: str = "faults") -> list[FaultRule]:
    rules: list[FaultRule] = []
    for index, entry in enumerate(entries, 1):
        where = f"{origin}: fault #{index}"
        unknown = set(entry) - _RULE_KEYS
        if unknown:
            raise FaultError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_RULE_KEYS))}"
            )
        try:
            if "preset" in entry:
                rule = preset_rule(str(entry["preset"]))
                if "address" in entry:
                    rule.address = str(entry["address"])
            elif "command" in entry:
                rule = FaultRule(_verb(str(entry["command"])), str(entry.get("address", "*")))
            else:
                raise FaultError("needs 'preset' or 'command'")
            if "reply" in entry:
                rule.reply = ReplySpec.parse(str(entry["reply"]))
            if "delay" in entry:
                delay = entry["delay"]
                if not isinstance(delay, int | float) or not 0 <= delay <= 1e6:  # not NaN or inf either
                    raise FaultError("'delay' must be a number of seconds")
                rule.delay = float(delay)
            if "disconnect" in entry:
                rule.disconnect = bool(entry["disconnect"])
            if "times" in entry:
                times = entry["times"]
                if not isinstance(times, int) or times < 1:
                    raise FaultError("'times' must be a whole number from 1")
                rule.times = times
        except FaultError as error:
            if str(error).startswith(where):
                raise
            raise FaultError(f"{where}: {error}") from None
        rules.append(rule)
    return rules


def load_fault_file(path: Path) -> list[FaultRule]:
    """Rules from a TOML file of ``[[fault]]`` tables."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FaultError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise FaultError(f"{path}: {error}") from None
    entries = data.get("fault", [])
    if not isinstance(entries, list):
        raise FaultError(f"{path}: write each fault as a [[fault]] table")
    return rules_from_table(entries, str(path))
