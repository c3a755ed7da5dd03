"""A lesson's sandbox: its setup turned into a fresh `SandboxPolicy` (with its own fault rules) per session.

Rule: every call builds new fault rules, so greylisting memory and "times" counters never leak from one
session (or one walkthrough) into the next.
"""

from __future__ import annotations

from smtpshell.lessons.model import Lesson, LessonSetup
from smtpshell.proto.faults import FaultPlan, FaultRule, rules_from_table
from smtpshell.proto.policy import SandboxPolicy


def fault_rules(setup: LessonSetup) -> list[FaultRule]:
    """The lesson's faults as rules; the loader already validated them, so this does not fail."""
    return rules_from_table([dict(fault.table) for fault in setup.faults], "lesson setup")


def sandbox_policy(setup: LessonSetup, base: SandboxPolicy | None = None) -> SandboxPolicy:
    """The sandbox policy a lesson needs, starting from ``base`` (the sandbox's defaults when None)."""
    policy = base if base is not None else SandboxPolicy()
    if setup.extensions is not None:
        policy.extensions = setup.extensions
    if setup.without:
        policy.extensions = tuple(e for e in policy.extensions if e not in setup.without)
    for name in (
        "size_limit",
        "max_recipients",
        "auth_over_plaintext",
        "vrfy",
        "expn",
        "reject_bare_newlines",
        "max_errors",
    ):
        value = getattr(setup, name)
        if value is not None:
            setattr(policy, name, value)
    policy.users = {**policy.users, **setup.users}
    # The server looks mailboxes and lists up by their lower-cased local part.
    policy.mailboxes = {**policy.mailboxes, **{name.lower(): full for name, full in setup.mailboxes.items()}}
    policy.lists = {
        **policy.lists,
        **{name.lower(): tuple(m.lower() for m in members) for name, members in setup.lists.items()},
    }
    policy.faults = FaultPlan(rules=fault_rules(setup))
    return policy


def lesson_policy(lesson: Lesson) -> SandboxPolicy:
    """A fresh sandbox policy for ``lesson``: start the lesson's sandbox with it."""
    return sandbox_policy(lesson.setup)


def describe_setup(setup: LessonSetup) -> list[str]:
    """What the lesson changed in the sandbox, in plain words, for the lesson pane."""
    lines: list[str] = []
    if setup.extensions is not None:
        lines.append(f"extensions advertised: {', '.join(setup.extensions) or 'none'}")
    if setup.without:
        lines.append(f"extensions switched off: {', '.join(setup.without)}")
    if setup.size_limit is not None:
        lines.append(f"message size limit: {setup.size_limit} octets")
    if setup.max_recipients is not None:
        lines.append(f"at most {setup.max_recipients} recipients per message")
    if setup.auth_over_plaintext:
        lines.append("AUTH is offered over plaintext (unsafe, for the lesson)")
    if setup.vrfy is not None:
        lines.append(f"VRFY {'on' if setup.vrfy else 'off'}")
    if setup.expn is not None:
        lines.append(f"EXPN {'on' if setup.expn else 'off'}")
    if setup.reject_bare_newlines is False:
        lines.append("bare CR/LF in messages accepted (unsafe, for the lesson)")
    for user in setup.users:
        lines.append(f"user {user} can log in")
    for mailbox in setup.mailboxes:
        lines.append(f"mailbox {mailbox} exists")
    for fault in fault_rules(setup):
        lines.append(f"fault: {fault.name} on {fault.command} {fault.address}")
    return lines
