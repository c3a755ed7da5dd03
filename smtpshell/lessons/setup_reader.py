"""A lesson's [setup] table read and checked against what the sandbox can do: its extensions, its fault presets.

Rule: faults are validated here with the same code that builds them (proto/faults.py), and kept as written, so
each session later gets fresh rules from them.
"""

from __future__ import annotations

import re

from smtpshell.lessons.model import FaultSetup, LessonSetup
from smtpshell.lessons.table_reader import TableReader
from smtpshell.proto.commands import SANDBOX_EXTENSIONS
from smtpshell.proto.faults import FaultError, rules_from_table

_NAME = re.compile(r"^[^\s@<>\"]+$")  # a local part as the directory keys it (UTF-8 allowed, for SMTPUTF8)
KNOWN = (
    "extensions, without, size_limit, max_recipients, auth_over_plaintext, vrfy, expn, reject_bare_newlines, "
    "max_errors, users, mailboxes, lists, faults"
)


def read_setup(r: TableReader) -> LessonSetup:
    extensions = r.texts("extensions", "the EHLO keywords the sandbox advertises")
    without = r.texts("without", "EHLO keywords to switch off") or []
    for key, names in (("extensions", extensions or []), ("without", without)):
        for name in names:
            if name.upper() not in SANDBOX_EXTENSIONS:
                known = ", ".join(SANDBOX_EXTENSIONS)
                r.error(key, f"{name!r} is not an extension the sandbox knows; known: {known}")
    setup = LessonSetup(
        extensions=tuple(e.upper() for e in extensions) if extensions is not None else None,
        without=tuple(w.upper() for w in without),
        size_limit=r.number("size_limit", "a size in octets, at least 1", 1),
        max_recipients=r.number("max_recipients", "a number of recipients, at least 1", 1),
        auth_over_plaintext=r.flag("auth_over_plaintext", "true or false"),
        vrfy=r.flag("vrfy", "true or false"),
        expn=r.flag("expn", "true or false"),
        reject_bare_newlines=r.flag("reject_bare_newlines", "true or false"),
        max_errors=r.number("max_errors", "a number of errors, at least 1", 1),
        users=_names(r, "users", 'a table of user = "password"'),
        mailboxes=_names(r, "mailboxes", 'a table of mailbox = "Full Name"'),
        lists=_lists(r),
        faults=_faults(r),
    )
    r.finish(KNOWN)
    return setup


def _faults(r: TableReader) -> tuple[FaultSetup, ...]:
    faults: list[FaultSetup] = []
    for fault in r.tables("faults", 'a fault: preset = "greylist", or command = ... reply = ...'):
        try:
            rules_from_table([fault.data], "setup")
        except FaultError as error:
            fault.error(None, f"fault: {str(error).removeprefix('setup: fault #1: ')}")
        faults.append(FaultSetup(fault.line(), dict(fault.data)))
    return tuple(faults)


def _names(r: TableReader, key: str, what: str) -> dict[str, str]:
    table = r.table(key, what)
    result: dict[str, str] = {}
    if table is None:
        return result
    for name, value in table.data.items():
        table.used.add(name)
        if not isinstance(value, str) or not _NAME.match(name):
            table.error(name, f"'{key}' entry {name!r}: write {what}")
            continue
        result[name] = value
    return result


def _lists(r: TableReader) -> dict[str, tuple[str, ...]]:
    lists: dict[str, tuple[str, ...]] = {}
    table = r.table("lists", 'a table of list = ["member", ...]')
    if table is None:
        return lists
    for name, members in table.data.items():
        table.used.add(name)
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            table.error(name, f"list {name!r} must be an array of mailbox names")
            continue
        lists[name] = tuple(members)
    return lists
