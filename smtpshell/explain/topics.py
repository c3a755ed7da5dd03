"""`explain_topic(text)`: explain whatever a learner types: 550, 550 5.7.1, 5.7.1, a whole reply, SIZE, RCPT.

Rule: the topic is read in a fixed order: a reply (starts with three digits), an enhanced code, a command, an EHLO
keyword, a well-known reply text; the first reading that fits is explained. Nothing fits: an honest "not known".
"""

from __future__ import annotations

import re
from dataclasses import replace

from smtpshell.explain import knowledge
from smtpshell.explain.anatomy import enhanced_anatomy, is_reply_code
from smtpshell.explain.ehlo_reading import format_size, read_keyword, unknown_keyword_meaning
from smtpshell.explain.engine import CLASS_RETRY, describe_command, explain_reply, pattern_text, permanent_only_retry
from smtpshell.explain.model import Explanation
from smtpshell.proto.commands import COMMANDS
from smtpshell.proto.grammar import GrammarError, is_ascii_digits, parse_path_argument, split_command
from smtpshell.proto.replies import BASIC_CODES, EnhancedStatus, Reply

_REPLY_LINE = re.compile(r"^([0-9]{3})([ -]?)(.*)$")
_ENHANCED = re.compile(r"^([245Xx])\.([0-9]{1,3})\.([0-9]{1,3})(?:\s+(.*))?$", re.DOTALL)
_SUBJECT = re.compile(r"^([245Xx])\.([0-9]{1,3})(?:\.[xX])?$")
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_=-]*$")

HOW_TO = (
    'Give a reply code (550), an enhanced code (5.7.1), a whole reply ("550 5.7.1 Relay access denied"), '
    "an EHLO keyword (SIZE) or a command (RCPT)."
)


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, unless the first word is an acronym (UTF-8, TLS, SMTP)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first[1].isupper() or first[1] in "0123456789" or first[1] == "-"):
        return text
    return text[:1].lower() + text[1:]


def reply_from_text(text: str) -> Reply | None:
    """Parse pasted reply lines ("550-5.7.1 ..." / "550 5.7.1 ..."); the lines of the first code only."""
    code: int | None = None
    lines: list[str] = []
    for raw in text.strip().splitlines():
        match = _REPLY_LINE.match(raw.strip())
        if not match or (code is not None and int(match[1]) != code):
            break
        code = int(match[1])
        lines.append(match[3])
    if code is None:
        return None
    status = EnhancedStatus.parse(lines[0]) if code // 100 != 3 else None
    return Reply(code, tuple(lines), status)


def explain_topic(text: str) -> Explanation:
    """Explain a code, an enhanced code, a reply, a keyword, a command or a known reply text."""
    topic = " ".join(text.split()) if "\n" not in text.strip() else text.strip()
    topic = re.sub(r"^(smtp|x-postfix|x-unix);\s*", "", topic, flags=re.IGNORECASE)
    if not topic:
        return Explanation(headline="Nothing to explain. " + HOW_TO, known=False)
    from smtpshell.explain.auth_headers import explain_auth_header, is_auth_header

    if is_auth_header(text):
        return explain_auth_header(text)
    if _REPLY_LINE.match(topic.splitlines()[0]):
        return _explain_code_topic(topic)
    enhanced = _ENHANCED.match(topic)
    if enhanced:
        return explain_enhanced(f"{enhanced[1]}.{enhanced[2]}.{enhanced[3]}", enhanced[4] or "")
    subject = _SUBJECT.match(topic)
    if subject:
        return explain_subject(subject[1], int(subject[2]))
    word, _, rest = topic.partition(" ")
    if word.upper() in COMMANDS:
        return explain_command(word.upper(), rest)
    if knowledge.keyword(word) or (("=" in word) and knowledge.keyword(word.partition("=")[0] + "=")):
        return explain_keyword(word, rest)
    pattern = knowledge.match_pattern(topic)
    if pattern is not None:
        return Explanation(
            headline=pattern.name, pattern=pattern_text(pattern), next_steps=[pattern.advice], known=True
        )
    if _WORD.match(word) and not rest:
        note = read_keyword(word)
        return Explanation(
            headline=f"{word}: not a reply code, keyword or command this shell knows",
            meaning=(
                unknown_keyword_meaning(word) + " If you send it as a command, a server answers 500 "
                "(unknown command) or 502 (not implemented)."
            ),
            keywords=[note],
            known=False,
        )
    return Explanation(
        headline="Not something this shell knows",
        meaning=f"{topic!r} is not a reply code, an "
        "enhanced code, a command, an EHLO keyword or a well-known reply text. " + HOW_TO,
        known=False,
    )


def _explain_code_topic(topic: str) -> Explanation:
    reply = reply_from_text(topic)
    if reply is None:  # cannot happen after the match, but keep the type checker and the reader honest
        return Explanation(headline="Not a reply. " + HOW_TO, known=False)
    explanation = explain_reply(reply)
    info = knowledge.reply_code(reply.code)
    if info is None or not is_reply_code(reply.code) or reply.text.strip() or len(reply.lines) > 1:
        return explanation
    # A bare code: also say which commands it answers and what it means for each.
    excluded = f" except {', '.join(info.not_for)}" if info.not_for else ""
    answers = [describe_command(verb) if verb != "ANY" else f"any command{excluded}" for verb in info.answers]
    per_command = "; ".join(
        f"to {describe_command(verb)}: {lower_first(line)}" for verb, line in info.by_command.items()
    )
    paragraphs = [explanation.meaning, "It answers: " + ", ".join(answers) + "."]
    if per_command:
        paragraphs.append(f"As an answer {per_command}.")
    meaning = "\n\n".join(paragraphs)
    return replace(explanation, meaning=meaning)


def explain_enhanced(key: str, text: str = "") -> Explanation:
    """An enhanced status code such as 5.7.1 (or X.7.1), optionally followed by reply text."""
    klass_char, subject, detail_number = key.split(".")
    generic = f"X.{int(subject)}.{int(detail_number)}"
    detail = knowledge.enhanced_code(generic)
    klass = int(klass_char) if is_ascii_digits(klass_char) else None
    status = EnhancedStatus(klass or 5, int(subject), int(detail_number))
    anatomy = enhanced_anatomy(status)
    if klass is None:
        anatomy[0] = ("X.x.x", "the class is left open: 2 success, 4 temporary failure, 5 permanent failure")
    shown = key.upper() if klass is None else key
    pattern = knowledge.match_pattern(f"{key} {text}".strip()) if klass != 2 else None
    references = [detail.rfc, "RFC 3463"] if detail else ["RFC 3463"]
    if detail is None:
        subject_info = knowledge.enhanced_subjects().get(status.subject)
        about = subject_info.name.lower() if subject_info else "an undefined subject"
        headline = f"Not in the IANA registry: a vendor's own code about {about}"
        if pattern is not None:
            headline += f" — {pattern.name}"
        return Explanation(
            headline=headline,
            enhanced=shown,
            anatomy=anatomy,
            meaning=(
                f"The detail {status.detail} of subject {status.subject} is not registered with IANA: it is a "
                "vendor's own code (Microsoft and Gmail use many). The class and subject still say what kind "
                "of problem it is; the text says the rest."
            ),
            retry=CLASS_RETRY.get(klass) if klass else None,
            pattern=pattern_text(pattern) if pattern else None,
            next_steps=[pattern.advice] if pattern else [],
            known=False,
            references=references,
        )
    basic = ", ".join(str(code) for code in detail.basic)
    registry = (
        f"The registry pairs it with the basic code{'s' if len(detail.basic) != 1 else ''} {basic}"
        if basic
        else "The registry names no basic code for it"
    )
    registry += (
        f" ({detail.basic_note})."
        if detail.basic_note and basic
        else (f": {detail.basic_note}." if detail.basic_note else ".")
    )
    meaning = [detail.meaning, registry]
    if klass is not None and klass not in detail.classes:
        meaning.append(f"Unusual: {generic} is normally sent with class {' or '.join(str(c) for c in detail.classes)}.")
    headline = detail.title or "deprecated (a duplicate of X.6.8)"
    retry = CLASS_RETRY.get(klass) if klass else None
    if klass is not None:
        class_info = knowledge.enhanced_classes().get(klass)
        class_name = class_info.plain or class_info.name if class_info else f"Class {klass}"
        headline = f"{class_name}: {lower_first(headline)}"
        if klass == 4 and detail.classes == (5,):
            headline += f" — unusual: {generic} is permanent only"
            retry = permanent_only_retry(detail)
    if pattern is not None:
        headline += f" — {pattern.name}"
    return Explanation(
        headline=headline,
        enhanced=shown,
        anatomy=anatomy,
        meaning="\n\n".join(meaning),
        retry=retry,
        next_steps=[detail.advice] + ([pattern.advice] if pattern else []),
        pattern=pattern_text(pattern) if pattern else None,
        known=True,
        references=references,
    )


def explain_subject(klass_char: str, subject: int) -> Explanation:
    """A class and subject alone, such as 5.7 or X.1."""
    info = knowledge.enhanced_subjects().get(subject)
    if info is None:
        return Explanation(
            headline=f"{klass_char}.{subject}: no such subject (subjects run 0 to 7)",
            known=False,
            references=["RFC 3463"],
        )
    details = [entry for entry in knowledge.enhanced_codes().values() if entry.subject == subject]
    shown = klass_char.upper() if klass_char in "xX" else klass_char
    listing = [(f"{shown}.{subject}.{entry.detail}", entry.title or "deprecated") for entry in details]
    return Explanation(
        headline=f"Subject {subject}: {info.name}",
        enhanced=f"{shown}.{subject}",
        anatomy=listing,
        meaning=f"Codes {shown}.{subject}.x are {info.meaning}.",
        known=True,
        references=[info.rfc],
    )


def explain_command(verb: str, argument: str = "") -> Explanation:
    """An SMTP command: purpose, syntax, example, teaching notes, the replies it may get."""
    command = COMMANDS[verb]
    notes = knowledge.command_notes().get(verb)
    anatomy = [("syntax", command.syntax), ("example", command.example)]
    if command.keyword:
        anatomy.append(("needs", f"the EHLO keyword {command.keyword} in the server's list"))
    if command.obsolete:
        anatomy.append(("status", "obsolete: servers answer 502"))
    for param in command.params:
        value = f"; value {param.value}" if param.value else ""
        anatomy.append(
            (
                f"{param.name}=" if param.value else param.name,
                f"{param.summary}{value} (needs {param.keyword}; {param.rfc})",
            )
        )
    anatomy += _argument_rows(verb, argument)
    replies = []
    for code, info in sorted(knowledge.reply_codes().items()):
        if verb in info.answers:
            replies.append(f"Expect {code}: {info.by_command.get(verb, info.headline)}")
    replies += command_footer(verb)
    keyword_name = command.keyword or (verb if knowledge.keyword(verb) else None)
    # The keyword as a topic: what it enables, not how a bare advertisement of it would read.
    keywords = (
        [replace(read_keyword(keyword_name), reading=None)] if keyword_name and knowledge.keyword(keyword_name) else []
    )
    meaning = [notes.purpose, *notes.notes] if notes else [command.summary]
    return Explanation(
        headline=f"{verb}: {command.summary}",
        anatomy=anatomy,
        meaning="\n\n".join(meaning),
        next_steps=replies,
        keywords=keywords,
        known=notes is not None,
        references=list(dict.fromkeys([command.rfc, *(notes.rfc_more if notes else ())])),
    )


def command_footer(verb: str) -> list[str]:
    """The replies ``verb`` may get besides its own, and those it never gets, each with the section that says so.

    Built from the "answers", "any_command" and "not_for" fields of the reply codes, so it says no more than they
    do: RFC 5321 §4.3.2 names 421, 500 and 501 for any command, while NOOP and RSET MUST get 250 (§4.1.1.9,
    §4.1.1.5) and 503 should not answer them (§4.1.4).
    """
    by_section: dict[str, list[str]] = {}
    never: list[str] = []
    for code, info in sorted(knowledge.reply_codes().items()):
        if "ANY" not in info.answers or verb in info.answers:
            continue
        if verb in info.not_for:
            never.append(f"Never {code} ({info.headline.lower()}): {info.not_for[verb]}.")
        else:
            short = BASIC_CODES[code][0].lower() if code in BASIC_CODES else info.headline.lower()
            by_section.setdefault(info.any_command or info.rfc, []).append(f"{code} ({short})")
    lines = []
    for section, codes in by_section.items():
        listed = ", ".join(codes[:-1]) + f" or {codes[-1]}" if len(codes) > 1 else codes[0]
        lines.append(f"Like other commands, {verb} may also get {listed}: {section}.")
    return lines + never


def _argument_rows(verb: str, argument: str) -> list[tuple[str, str]]:
    """The parameters of a typed MAIL or RCPT line, read one by one."""
    if not argument or verb not in ("MAIL", "RCPT"):
        return []
    command = COMMANDS[verb]
    try:
        parsed = parse_path_argument(split_command(f"{verb} {argument}").argument, command.prefix or "")
    except GrammarError as error:
        return [("your argument", f"does not parse: {error}")]
    rows = [("address", f"<{parsed.address}>" + (" (the null path: no bounces)" if not parsed.address else ""))]
    known = {param.name: param for param in command.params}
    for name, value in parsed.params:
        param = known.get(name)
        if param is None:
            rows.append((name, f"not a {verb} parameter this shell knows"))
        elif name == "SIZE" and value and is_ascii_digits(value):
            rows.append((f"SIZE={value}", f"the message will be {int(value):,} octets ({format_size(int(value))})"))
        else:
            rows.append((f"{name}={value}" if value else name, param.summary))
    return rows


def explain_keyword(word: str, params: str = "") -> Explanation:
    """An EHLO keyword, optionally with its parameters read: SIZE 35882577 -> a 34.2 MiB limit."""
    note = read_keyword(word, params)
    info = knowledge.keyword(word) or knowledge.keyword(word.partition("=")[0] + "=")
    if info is None:  # explain_topic only calls this for known keywords
        return Explanation(headline=f"{word}: unknown EHLO keyword", keywords=[note], known=False)
    anatomy = [("syntax", info.syntax)]
    if info.enables:
        anatomy.append(("enables", ", ".join(info.enables)))
    anatomy.append(
        (
            "registered",
            "yes, in the IANA SMTP Service Extensions registry"
            if info.registered
            else "no: a private extension, not in the IANA registry",
        )
    )
    if info.status != "current":
        anatomy.append(("status", info.status))
    headline = f"{word} {params}".strip() + (f": {note.reading}" if note.reading and params else f": {info.summary}")
    # With parameters, the note shows how they read; a bare keyword is explained by the meaning alone.
    return Explanation(
        headline=f"EHLO keyword {headline}",
        anatomy=anatomy,
        meaning=info.meaning,
        keywords=[note] if params else [],
        known=True,
        references=[info.rfc or info.reference],
    )
