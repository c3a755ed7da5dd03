"""The parts of a reply code and of an enhanced status code, each explained.

Rule: a basic code reads digit by digit (RFC 5321 §4.2.1): the first says how the command went, the second what the
reply is about, the third grades it finer. An enhanced code reads class.subject.detail (RFC 3463); it refines the
basic code (RFC 2034), so its class should agree with the basic code's first digit.
"""

from __future__ import annotations

from smtpshell.explain import knowledge
from smtpshell.proto.replies import BASIC_CODES, FIRST_DIGIT, SECOND_DIGIT, EnhancedStatus

# What each second digit is about, in more words than the registry's one-word name (RFC 5321 §4.2.1).
SECOND_DIGIT_MORE: dict[int, str] = {
    0: "typos, unknown or unimplemented commands",
    1: "answers to requests for status or help",
    2: "the transmission channel",
    3: "not assigned by RFC 5321 (used by AUTH's 334 challenge and DATA's 354)",
    4: "not assigned by RFC 5321",
    5: "the mailbox, the message, the server's own state",
}

FIRST_DIGIT_SHORT: dict[int, str] = {
    2: "success",
    3: "go on",
    4: "temporary failure",
    5: "permanent failure",
}


def is_reply_code(code: int) -> bool:
    """RFC 5321 §4.2: a reply code is three digits, the first 2 to 5, the second 0 to 5."""
    return 200 <= code <= 599 and (code // 10) % 10 <= 5


def code_anatomy(code: int) -> list[tuple[str, str]]:
    """The basic code digit by digit: ("5xx", "permanent negative ..."), ("x5x", ...), ("550", ...)."""
    first, second = code // 100, (code // 10) % 10
    parts: list[tuple[str, str]] = []
    if first in FIRST_DIGIT:
        parts.append((f"{first}xx", FIRST_DIGIT[first]))
    else:
        parts.append((f"{first}xx", "not an SMTP class: SMTP reply codes start with 2, 3, 4 or 5"))
    if second in SECOND_DIGIT:
        parts.append((f"x{second}x", f"{SECOND_DIGIT[second]}: {SECOND_DIGIT_MORE[second]}"))
    else:
        parts.append((f"x{second}x", "not defined: the second digit of an SMTP code runs from 0 to 5"))
    known = BASIC_CODES.get(code)
    if known:
        parts.append((str(code), f"{known[0]} ({known[1]})"))
    else:
        parts.append((str(code), "not a code defined by RFC 5321 or the extension RFCs this shell knows"))
    return parts


def enhanced_anatomy(status: EnhancedStatus) -> list[tuple[str, str]]:
    """The enhanced code part by part: ("5.x.x", class), ("x.7.x", subject), ("x.7.1", detail)."""
    parts: list[tuple[str, str]] = []
    klass = knowledge.enhanced_classes().get(status.klass)
    if klass:
        parts.append((f"{status.klass}.x.x", f"class {status.klass}, {klass.title.lower()}: {klass.meaning}"))
    subject = knowledge.enhanced_subjects().get(status.subject)
    if subject:
        parts.append((f"x.{status.subject}.x", f"subject {status.subject}, {subject.name.lower()}: {subject.meaning}"))
    else:
        parts.append((f"x.{status.subject}.x", f"subject {status.subject} is not defined: subjects run 0 to 7"))
    detail = knowledge.enhanced_code(status.generic)
    if detail and detail.deprecated:
        parts.append((status.generic.lower(), f"deprecated: {detail.basic_note} ({detail.rfc})"))
    elif detail:
        parts.append((status.generic.lower(), f"{detail.title} ({detail.rfc})"))
    else:
        parts.append(
            (
                status.generic.lower(),
                f"detail {status.detail} is not in the IANA registry: a vendor's own code; read the text",
            )
        )
    return parts


def class_mismatch(code: int, status: EnhancedStatus) -> str | None:
    """The enhanced code refines the basic one (RFC 2034), so their classes should agree; say so when they do not."""
    first = code // 100
    if first == 3 or status.klass == first:
        return None
    said = {2: "success", 4: "a temporary failure", 5: "a permanent failure"}
    return (
        f"Mismatch: the reply code {code} says {said.get(first, 'something else')}, but the enhanced code "
        f"{status} says {said.get(status.klass, 'something else')}. The enhanced code is meant to refine the basic "
        f"one (RFC 2034), not contradict it. Clients act on the basic code {code}; this server is inconsistent."
    )


def unknown_code_headline(code: int) -> str:
    """An honest headline for a code the knowledge base does not have, read from its digits."""
    if not is_reply_code(code):
        return "Not an SMTP reply code: they run from 200 to 599, with a second digit of 0 to 5"
    return {
        2: "A success reply this shell does not know (2xx: the command worked)",
        3: "An intermediate reply this shell does not know (3xx: the server waits for more)",
        4: "A temporary failure this shell does not know (4xx: try again later)",
        5: "A permanent failure this shell does not know (5xx: do not repeat it unchanged)",
    }[code // 100]


def unknown_code_retry(code: int) -> str | None:
    if not is_reply_code(code):
        return None
    return {
        2: "Nothing to retry: the first digit says it worked.",
        3: "Nothing to retry: the server waits for the next part of the command.",
        4: "Yes, later: a 4xx failure is temporary.",
        5: "No: a 5xx failure will fail again unless something changes.",
    }.get(code // 100)
