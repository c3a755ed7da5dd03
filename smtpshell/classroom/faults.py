"""Faults on a class server: for the whole class or one student, changed while the class runs, combined in order.

Rule: every rule that matches a command takes part, in the order a real server checks (``COMBINE_ORDER``): all
matching delays add up first; then the first refusal in this order answers — rate-limit, relay-denied,
unknown-user, greylist, mailbox-full, then rules from a file in their file order; a disconnect rule hangs up after
whatever was answered. So ``greylist`` + ``mailbox-full:carol@*`` gives carol 451 (greylisted) first and 452 on the
retry, whichever order they were given in. ``times = N`` counts per student (per session for a client that has
not said who it is). Greylisting remembers (key, sender, recipient), the key being the client's address, its
HELO name or the student (``--greylist-key``): a class behind one address needs HELO or student to meet it each.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Literal

from smtpshell.proto.faults import FaultError, FaultPlan, FaultRule, preset_rule
from smtpshell.proto.grammar import is_ascii_digits

GreylistKey = Literal["address", "helo", "student"]
GREYLIST_KEYS: tuple[GreylistKey, ...] = ("address", "helo", "student")

COMBINE_ORDER = ("rate-limit", "relay-denied", "unknown-user", "greylist", "mailbox-full")


def _rank(rule: FaultRule) -> int:
    return COMBINE_ORDER.index(rule.name) if rule.name in COMBINE_ORDER else len(COMBINE_ORDER)


def describe_rule(rule: FaultRule) -> str:
    """A rule written as a ``--fault`` spec where it is a preset; otherwise its name, verb and address."""
    if rule.name == "delay":
        return f"delay:{rule.command}:{rule.delay:g}"
    if rule.name == "disconnect":
        return f"disconnect:{rule.command}"
    address = "" if rule.address == "*" else f":{rule.address}"
    times = "" if rule.times is None else f" (times = {rule.times})"
    if rule.name != "custom":
        return f"{rule.name}{address}{times}"
    reply = f" {rule.reply.code}" if rule.reply is not None else ""
    return f"custom {rule.command}{reply}{address}{times}"


def parse_specs(specs: list[str]) -> list[FaultRule]:
    """``--fault`` specs (``greylist``, ``mailbox-full:bob@*``, ``delay:DATA:2``), each optionally followed by
    `` times=N`` (at most N times per student), to rules; FaultError when one is wrong."""
    rules: list[FaultRule] = []
    for spec in specs:
        text, _, times = spec.partition(" times=")
        rule = preset_rule(text.strip())
        if times:
            if not is_ascii_digits(times.strip()) or int(times) < 1:
                raise FaultError(f"{spec!r}: write SPEC times=N with N a whole number from 1 (greylist times=2)")
            rule.times = int(times)
        rules.append(rule)
    return rules


class ClassFaults:
    """The class's rules and each student's own, the greylisting memory and the per-student counts."""

    def __init__(self, rules: list[FaultRule] | None = None, greylist_key: GreylistKey = "helo") -> None:
        self.class_rules: list[FaultRule] = list(rules or [])
        self.student_rules: dict[str, list[FaultRule]] = {}
        self.lesson_rules: dict[str, list[FaultRule]] = {}  # a student's lesson's own faults, for them only
        self.greylist_key: GreylistKey = greylist_key
        self.greylisted: set[tuple[str, str, str]] = set()
        self._used: dict[tuple[int, str], int] = {}
        self.listeners: list[Callable[[str | None], None]] = []  # told the student (None: the class) whose changed

    def rules_for(self, student: str | None) -> list[FaultRule]:
        if student is None:
            return list(self.class_rules)
        return [*self.class_rules, *self.student_rules.get(student, []), *self.lesson_rules.get(student, [])]

    def set_lesson_rules(self, student: str, rules: list[FaultRule]) -> None:
        """The faults of the lesson ``student`` runs (none: the lesson ended); theirs alone."""
        if rules:
            self.lesson_rules[student] = list(rules)
        else:
            self.lesson_rules.pop(student, None)
        for listener in list(self.listeners):
            listener(student)

    def set_rules(self, student: str | None, rules: list[FaultRule]) -> None:
        """Replace the class's rules (``student`` None) or one student's; the next command meets them."""
        if student is None:
            self.class_rules = list(rules)
        elif rules:
            self.student_rules[student] = list(rules)
        else:
            self.student_rules.pop(student, None)
        for listener in list(self.listeners):
            listener(student)

    def describe(self) -> dict[str, object]:
        return {
            "class": [describe_rule(rule) for rule in self.class_rules],
            "students": {name: [describe_rule(r) for r in rules] for name, rules in self.student_rules.items()},
            "greylist_key": self.greylist_key,
            "order": ["delay", *COMBINE_ORDER, "custom", "disconnect"],
        }

    def describe_student(self, student: str) -> list[str]:
        own = [describe_rule(rule) for rule in self.student_rules.get(student, [])]
        return own + [f"{describe_rule(rule)} (lesson)" for rule in self.lesson_rules.get(student, [])]

    def combined(
        self, verb: str, address: str | None, *, counter: str, student: str | None, greylist_key: str, sender: str
    ) -> FaultRule | None:
        """One rule standing for all that match now (see the module's rule); None when none does."""
        matching = [rule for rule in self.rules_for(student) if self._matches(rule, verb, address, counter)]
        if not matching:
            return None
        delays = [rule for rule in matching if rule.delay]
        refusals = sorted((rule for rule in matching if rule.reply is not None), key=_rank)
        chosen: FaultRule | None = None
        for rule in refusals:
            if rule.greylist:
                triplet = (greylist_key.lower(), sender.lower(), (address or "").lower())
                if triplet in self.greylisted:
                    continue  # the retry of a greylisted triplet passes and meets the next fault, if any
                self.greylisted.add(triplet)
            chosen = rule
            break
        hang_up = [rule for rule in matching if rule.disconnect and rule.reply is None]
        applied = [*delays, *([chosen] if chosen is not None else []), *hang_up]
        if not applied:
            return None
        for key in {(id(rule), counter) for rule in applied}:
            self._used[key] = self._used.get(key, 0) + 1
        name = chosen.name if chosen is not None else ("disconnect" if hang_up else "delay")
        return FaultRule(
            verb,
            chosen.address if chosen is not None else "*",
            chosen.reply if chosen is not None else None,
            delay=sum(rule.delay for rule in delays),
            disconnect=bool(hang_up) or (chosen is not None and chosen.disconnect),
            name=name,
        )

    def _matches(self, rule: FaultRule, verb: str, address: str | None, counter: str) -> bool:
        if rule.command != verb:
            return False
        if rule.times is not None and self._used.get((id(rule), counter), 0) >= rule.times:
            return False
        return address is None or fnmatch.fnmatchcase(address.lower(), rule.address.lower())


class SessionFaults(FaultPlan):
    """One connection's view of the class's faults: the machine asks it as it would ask a sandbox's own plan."""

    def __init__(
        self,
        faults: ClassFaults,
        student: Callable[[], str | None],
        key: Callable[[GreylistKey], str],
        sender: Callable[[], str | None],
        session_id: int,
    ) -> None:
        super().__init__()
        self._faults = faults
        self._student = student
        self._key = key
        self._sender = sender
        self._session_id = session_id

    def find(self, verb: str, address: str | None) -> FaultRule | None:
        student = self._student()
        sender = self._sender()
        if sender is None and verb == "MAIL":
            sender = address
        return self._faults.combined(
            verb,
            address,
            counter=student if student is not None else f"#{self._session_id}",
            student=student,
            greylist_key=self._key(self._faults.greylist_key),
            sender=sender or "",
        )

    def greylist_passes(self, peer: str, sender: str, recipient: str) -> bool:
        return False  # never asked: find() decided greylisting already and hands back plain refusals

    def describe(self) -> list[str]:
        return [describe_rule(rule) for rule in self._faults.rules_for(self._student())]


MAX_LESSON_RULES = 50
MAX_LESSON_DELAY = 60.0


def rule_to_json(rule: FaultRule) -> dict[str, object]:
    """A rule as the channel carries it (a lesson's faults, sent by the student's shell)."""
    reply = rule.reply
    text = None if reply is None else " ".join(str(p) for p in (reply.code, reply.enhanced, reply.text) if p)
    return {
        "command": rule.command,
        "address": rule.address,
        "reply": text,
        "delay": rule.delay,
        "disconnect": rule.disconnect,
        "greylist": rule.greylist,
        "times": rule.times,
        "name": rule.name,
    }


def rule_from_json(data: object) -> FaultRule:
    """The rule ``rule_to_json`` wrote; FaultError when anything in it is wrong (it came from the network)."""
    from smtpshell.proto.commands import COMMANDS
    from smtpshell.proto.faults import ReplySpec

    if not isinstance(data, dict):
        raise FaultError("each fault is a JSON object")
    command = str(data.get("command", "")).upper()
    if command not in COMMANDS:
        raise FaultError(f"{command[:20]!r} is not an SMTP command")
    reply = data.get("reply")
    delay = data.get("delay", 0.0)
    times = data.get("times")
    if not isinstance(delay, int | float) or not 0 <= delay <= MAX_LESSON_DELAY:
        raise FaultError(f"'delay' must be from 0 to {MAX_LESSON_DELAY:g} seconds")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FaultError("'times' must be a whole number from 1")
    name = str(data.get("name", "custom"))[:40]
    return FaultRule(
        command,
        str(data.get("address", "*"))[:200],
        ReplySpec.parse(str(reply)) if reply is not None else None,
        delay=float(delay),
        disconnect=bool(data.get("disconnect", False)),
        greylist=bool(data.get("greylist", False)),
        times=times,
        name=name if name.isprintable() else "custom",
    )
