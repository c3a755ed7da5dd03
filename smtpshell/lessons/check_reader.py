"""The checks of a step, read from its ```check block: [[expect]] entries and the [delivered] table.

Rule: a check is validated against the shared tables — verbs against the command table, codes against the
reply registry, enhanced codes against those the sandbox sends — so a check that can never pass is an error.
"""

from __future__ import annotations

import re

from smtpshell.lessons.model import SPECIAL_SENT, DeliveryCheck, ExchangeCheck
from smtpshell.lessons.table_reader import TableReader
from smtpshell.proto.commands import COMMANDS, lookup
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES

_CODE_PATTERN = re.compile(r"^[2-5][0-9x][0-9x]$")
_ENHANCED = re.compile(r"^([245X])\.([0-9]{1,3})\.([0-9]{1,3})$")


def read_expect(r: TableReader) -> ExchangeCheck | None:
    """One [[expect]] entry; None when it has a problem (already reported)."""
    problems = r.problems
    sent = r.text("sent", "an SMTP verb, '.' (the end of a message), 'AUTH-RESPONSE' or 'GREETING'")
    verb = None
    if sent is not None:
        verb = sent.strip().upper()
        if verb not in SPECIAL_SENT and lookup(verb) is None:
            r.error("sent", f"unknown command {sent!r}; known: {', '.join(COMMANDS)}, '.', AUTH-RESPONSE, GREETING")
    argument = r.pattern("argument", "a regular expression the whole argument must match")
    if argument is not None:
        command = lookup(verb or "")
        if command is None:
            r.error("argument", "'argument' needs 'sent' naming a command that takes an argument")
        elif not command.takes_argument:
            r.error("argument", f"{command.verb} takes no argument, so 'argument' can never match")
    codes = _codes(r)
    enhanced = r.text("enhanced", 'an enhanced status code such as "5.1.1" or "X.1.1"')
    if enhanced is not None:
        match = _ENHANCED.match(enhanced)
        if not match:
            r.error(
                "enhanced",
                f"{enhanced!r} is not an enhanced status code (class.subject.detail, "
                "such as 5.1.1, or X.1.1 for any class)",
            )
        elif f"X.{match[2]}.{match[3]}" not in ENHANCED_CODES:
            r.error("enhanced", f"the sandbox never sends {enhanced}; it sends: {', '.join(ENHANCED_CODES)}")
        elif match[1] != "X" and codes and not any(c[0] == match[1] for c in codes):
            r.error("enhanced", f"{enhanced} has class {match[1]} but 'code' is {', '.join(codes)}")
    text = r.pattern("text", "a regular expression searched in the reply's text")
    tls = r.flag("tls", "true (the exchange went over TLS) or false (in plaintext)")
    count = r.number("count", "how many such exchanges, at least 1", 1)
    pipelined = r.flag("pipelined", "true (sent in a pipelined group with other commands) or false (on its own)")
    r.finish("sent, argument, code, enhanced, text, tls, count, pipelined")
    if sent is None and not codes and enhanced is None and text is None:
        r.error(None, "an [[expect]] needs at least one of 'sent', 'code', 'enhanced' or 'text'")
    if r.problems > problems:
        return None
    return ExchangeCheck(
        r.line(), verb, argument, tuple(codes), enhanced.upper() if enhanced else None, text, tls, count or 1, pipelined
    )


def _codes(r: TableReader) -> list[str]:
    raw = r.get("code", (int, str, list), 'a reply code (250), a pattern ("4xx") or a list of them')
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    codes: list[str] = []
    for item in items:
        text = str(item).strip().lower() if isinstance(item, int | str) and not isinstance(item, bool) else ""
        if is_ascii_digits(text):
            if int(text) not in BASIC_CODES:
                r.error(
                    "code",
                    f"{text} is not a reply code the sandbox uses; see BASIC_CODES: "
                    f"{', '.join(str(c) for c in BASIC_CODES)}",
                )
                continue
        elif not _CODE_PATTERN.match(text):
            r.error("code", f'{item!r} is not a reply code: write 250, or a pattern such as "4xx" or "55x"')
            continue
        codes.append(text)
    return codes


def read_delivered(r: TableReader) -> DeliveryCheck:
    to = r.text("to", 'a recipient address (a glob such as "*@sandbox.test" is fine)')
    sender = r.get("from", str, 'the envelope sender ("" for the null sender <>)')
    headers = _patterns(r, "headers", 'a table of Header-Name = "pattern"')
    body = r.pattern("body", "a regular expression searched in the message body")
    content = r.pattern("content", "a regular expression searched in the whole message")
    recipients = r.number("recipients", "the exact number of envelope recipients, at least 1", 1)
    mail_params = _patterns(r, "mail_params", 'a table of MAIL parameter = "pattern"', upper=True)
    rcpt_params = _patterns(r, "rcpt_params", 'a table of RCPT parameter = "pattern"', upper=True)
    count = r.number("count", "how many messages, 0 or more (0: none may arrive)", 0)
    not_in_headers = r.pattern("not_in_headers", "a regular expression no header line may match")
    r.finish("to, from, headers, body, content, recipients, mail_params, rcpt_params, count, not_in_headers")
    return DeliveryCheck(
        r.line(),
        to,
        sender,
        headers,
        body,
        content,
        recipients,
        mail_params,
        rcpt_params,
        1 if count is None else count,
        not_in_headers,
    )


def _patterns(r: TableReader, key: str, what: str, upper: bool = False) -> tuple[tuple[str, re.Pattern[str]], ...]:
    table = r.table(key, what)
    if table is None:
        return ()
    result: list[tuple[str, re.Pattern[str]]] = []
    for name, value in table.data.items():
        table.used.add(name)
        if not isinstance(value, str):
            table.error(name, f"{key}.{name} must be a regular expression in a string")
            continue
        pattern = table.compile(name, value)
        if pattern is not None:
            result.append((name.upper() if upper else name, pattern))
    return tuple(result)
