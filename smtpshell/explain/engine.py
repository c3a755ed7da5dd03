"""Turn a reply (with the command it answered and the session state) into an Explanation for a learner.

Rule: everything said comes from the knowledge base or from the reply itself; what the engine does not know it
reads from the code's digits and marks as not known, never guesses.
"""

from __future__ import annotations

from smtpshell.explain import knowledge
from smtpshell.explain.anatomy import (
    class_mismatch,
    code_anatomy,
    enhanced_anatomy,
    is_reply_code,
    unknown_code_headline,
    unknown_code_retry,
)
from smtpshell.explain.ehlo_reading import looks_like_ehlo, read_ehlo
from smtpshell.explain.model import Explanation
from smtpshell.explain.situations import find_situation
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.commands import COMMANDS
from smtpshell.proto.grammar import GrammarError, is_ascii_digits, parse_path_argument, split_command
from smtpshell.proto.replies import BASIC_CODES, FIRST_DIGIT, EnhancedStatus, Reply
from smtpshell.proto.verb_typos import did_you_mean

PSEUDO_NAMES = {
    GREETING: "the greeting",
    DATA_END: "the end of the message (the final '.')",
    AUTH_RESPONSE: "your answer to a 334 challenge",
}


CLASS_RETRY = {
    2: "Nothing to retry: class 2 reports success.",
    4: "Yes, later: class 4 is a temporary failure; sending again later may work.",
    5: "No: class 5 is a permanent failure; change something before sending again.",
}


def command_verb(command: str | None) -> str | None:
    """The verb of a command line (upper case), or the pseudo-command itself; None when there is none."""
    if not command:
        return None
    if command in PSEUDO_NAMES:
        return command
    verb = split_command(command).verb
    return verb or None


def describe_command(verb: str) -> str:
    return PSEUDO_NAMES.get(verb, verb)


def reply_status(reply: Reply) -> EnhancedStatus | None:
    """The enhanced code of a reply, parsed from its first line when the Reply was built without it."""
    if reply.enhanced is not None:
        return reply.enhanced
    if reply.first_digit == 3 or not reply.lines:
        return None
    return EnhancedStatus.parse(reply.lines[0])


def _unique(items: list[str]) -> list[str]:
    """The non-empty items, first occurrence kept; a bare "RFC n" goes when a section of it is cited too."""
    kept = list(dict.fromkeys(item for item in items if item))
    return [item for item in kept if not any(other != item and other.startswith(item + " §") for other in kept)]


def pattern_text(pattern: knowledge.Pattern) -> str:
    """A well-known text with its meaning and advice, as one paragraph."""
    text = f"{pattern.name} (typical of {pattern.source}). {pattern.meaning} What you can do: {pattern.advice}"
    return f"{text} Note: {pattern.note}" if pattern.note else text


def _parameter_notes(verb: str | None, command: str | None, reply: Reply, state: ClientState | None) -> list[str]:
    """For a refused MAIL or RCPT: parameters the server never offered, and a SIZE= over its limit."""
    if verb not in ("MAIL", "RCPT") or not command or reply.first_digit not in (4, 5):
        return []
    prefix = COMMANDS[verb].prefix or ""
    try:
        argument = parse_path_argument(split_command(command).argument, prefix)
    except GrammarError as error:
        return [f"Your argument does not follow the syntax ({error}): write it as {COMMANDS[verb].syntax}."]
    known = {param.name: param for param in COMMANDS[verb].params}
    notes = []
    for name, value in argument.params:
        param = known.get(name)
        if param is None:
            notes.append(f"{name} is not a {verb} parameter this shell knows; the server may not know it either.")
        elif state is not None and state.esmtp and not state.advertised(param.keyword):
            notes.append(
                f"You used {name}, but the server did not list {param.keyword} in its EHLO reply: use a "
                "parameter only when its keyword is advertised."
            )
        elif name == "SIZE" and value and is_ascii_digits(value) and state is not None:
            limit = state.size_limit()
            if limit is not None and int(value) > limit:
                notes.append(
                    f"You declared SIZE={value}, over the limit of {limit} octets the server announced in EHLO."
                )
    if state is not None and not state.esmtp and argument.params and state.helo is not None:
        notes.append("You greeted with HELO, so no extension is available: parameters need EHLO.")
    return notes


# The command table's examples name the sandbox's own mailboxes; a real server knows none of them, so next
# steps for a real server use forms that fit any (VRFY postmaster: RFC 5321 §4.5.1 requires that mailbox).
REAL_SERVER_EXAMPLES = {
    "MAIL": "MAIL FROM:<you@your-domain.example>",
    "RCPT": "RCPT TO:<someone@a-domain-it-serves.example>",
    "VRFY": "VRFY postmaster",
    "EXPN": "EXPN postmaster",
    "SEND": "SEND FROM:<you@your-domain.example>",
    "SOML": "SOML FROM:<you@your-domain.example>",
    "SAML": "SAML FROM:<you@your-domain.example>",
}


def _verb_steps(state: ClientState, real_server: bool = False) -> list[str]:
    if state.closed:
        return ["The connection is closed: connect again to go on."]
    steps = []
    for verb in state.next_verbs():
        command = COMMANDS.get(verb)
        if command is not None:
            example = REAL_SERVER_EXAMPLES.get(verb, command.example) if real_server else command.example
            steps.append(f"{example} — {command.summary}")
    return steps


def _state_after(state: ClientState, command: str | None, reply: Reply) -> ClientState:
    """The state once the reply is applied; applying it twice is harmless, so either state may be passed."""
    after = state.copy()
    if command:
        after.apply(command, reply)
    return after


def explain_reply(
    reply: Reply,
    command: str | None = None,
    state: ClientState | None = None,
    server_reason: str | None = None,
    *,
    real_server: bool = False,
) -> Explanation:
    """Explain ``reply``, the answer to ``command`` (a line, or GREETING / DATA_END / AUTH_RESPONSE).

    ``state`` is the client's view of the session when the command was sent (the state after the reply works as
    well). Without a command or state the explanation is about the code and text alone. ``real_server``: the
    reply came from a server other than the sandbox, so next steps name no sandbox mailbox.
    """
    code = reply.code
    verb = command_verb(command)
    info = knowledge.reply_code(code)
    status = reply_status(reply)
    detail = knowledge.enhanced_code(status.generic) if status else None
    text = reply.text if reply.enhanced is not None or status is None else _strip_status(reply, status)
    ehlo = code == 250 and (verb == "EHLO" or (verb is None and looks_like_ehlo(reply)))
    situation = find_situation(verb, code, state) if verb else None
    pattern = knowledge.match_pattern(text) if reply.first_digit in (4, 5) and text.strip() else None

    leads = _enhanced_leads(code, status, detail) and not (pattern is not None and pattern.trust_text)
    if situation is not None:
        headline = situation.headline
    elif pattern is not None and pattern.trust_text:
        headline = pattern.name  # the provider's code means something else in the registry; its text is right
    elif leads and detail is not None:
        # The enhanced code is the more precise of the two: "452 4.2.2" is a full mailbox, not too many recipients.
        headline = detail.title
    elif info is not None and verb in info.by_command:
        headline = info.by_command[verb]
    elif info is not None:
        headline = info.headline
    else:
        headline = unknown_code_headline(code)
    keywords = read_ehlo(reply, tls=state.tls if state else None) if ehlo else []
    if ehlo and situation is None:
        count = len(keywords)
        headline = (
            f"Hello accepted: the server lists {count} extension{'s' if count != 1 else ''}"
            if count
            else "Hello accepted, but the server lists no extensions"
        )
    if pattern is not None and situation is None and pattern.name not in headline:
        headline = f"{headline} ({pattern.name})"

    meaning: list[str] = []
    if situation is not None:
        meaning.append(situation.meaning)
    elif ehlo:
        meaning.append(
            "EHLO worked: you and the server have greeted each other, and it has listed what it can do. "
            "Use only the extensions it listed; each one is read below."
        )
    elif info is not None:
        meaning.append(info.meaning)
    else:
        meaning.append(_unknown_code_meaning(code))
    if verb and info is not None and verb in info.not_for:
        meaning.append(f"Unusual: {describe_command(verb)} should not get {code} ({info.not_for[verb]}).")
    elif verb and info is not None and not info.may_answer(verb):
        meaning.append(f"Unusual: {code} is not among the replies the RFCs list for {describe_command(verb)}.")
    meaning += _parameter_notes(verb, command, reply, state)
    if ehlo and reply.lines[0].strip():
        meaning.append(
            f"The first line is the server's own name and greeting: {reply.lines[0].strip()!r}. Each "
            "line after it names one extension the server supports, with its parameters."
        )
    decoded = None
    unasked_334 = code == 334 and verb not in (None, "AUTH", AUTH_RESPONSE)
    if unasked_334:  # a "login prompt" after MAIL or the like: decoding it would invite a password
        headline = "A login prompt nobody asked for"
        meaning = [
            f"334 asks for the next step of a login, but no AUTH exchange is under way: you sent "
            f"{describe_command(verb or '')}, which never gets 334 (RFC 4954 §4). The server is broken or "
            "hostile: do not send credentials in answer to it. The shell takes your next line as a command."
        ]
    elif code == 334:
        decoded, challenge_meaning = _challenge(reply, verb, command, state)
        meaning.append(challenge_meaning)
    retry = base_retry = info.retry if info else unknown_code_retry(code)
    if leads and status is not None and not situation:
        retry = base_retry = CLASS_RETRY[status.klass]
    if status is not None:
        meaning += _enhanced_meaning(status, detail)
        mismatch = class_mismatch(code, status)
        if mismatch:
            meaning.append(mismatch)
            retry = f"{base_retry} (going by the basic code {code})" if base_retry else None
        if detail is not None and status.klass == 4 and detail.classes == (5,):
            retry = permanent_only_retry(detail)

    verb_steps = _verb_steps(_state_after(state, command, reply), real_server) if state is not None and command else []
    steps: list[str] = list(situation.next if situation and situation.next else info.next if info else ())
    if leads and not (situation and situation.next):
        steps = []  # the basic code's generic steps ("too many recipients?") would mislead; the detail's advice leads
    if unasked_334:
        steps = ["Send RSET or QUIT; if the server keeps doing this, use another one."]
    if verb_steps and reply.first_digit == 2 and not (situation and situation.next):
        steps = []  # a success's generic "carry on" is said better by the commands that make sense now
    if pattern is not None and pattern.trust_text and not (situation and situation.next):
        steps.insert(0, pattern.advice)
    elif detail is not None and status is not None and status.klass != 2:
        if leads and not (situation and situation.next):
            steps.insert(0, detail.advice)
        else:
            steps.append(detail.advice)
    steps += verb_steps
    guess = did_you_mean(verb) if code == 500 and verb and verb not in PSEUDO_NAMES else None
    if guess is not None:  # a typo is the likeliest reason a server does not know the verb: said first
        meaning.insert(0, f"Did you mean {guess}? {verb} is not an SMTP command; {guess} is: {COMMANDS[guess].syntax}.")

    references = [info.rfc if info else BASIC_CODES.get(code, ("", ""))[1]]
    if status is not None:
        references += [detail.rfc if detail else "RFC 3463", "RFC 3463"]
    if verb in COMMANDS:
        references.append(COMMANDS[verb].rfc)
    if ehlo:
        references.append("RFC 5321 §4.1.1.1")
    if code == 334:
        references.append("RFC 4954 §4")

    return Explanation(
        headline=headline,
        code=code,
        enhanced=str(status) if status else None,
        anatomy=code_anatomy(code) + (enhanced_anatomy(status) if status else []),
        meaning="\n\n".join(_unique(meaning)),
        server_reason=server_reason,
        retry=retry,
        next_steps=_unique(steps),
        keywords=keywords,
        decoded=decoded,
        pattern=pattern_text(pattern) if pattern else None,
        known=info is not None and (status is None or detail is not None),
        references=_unique(references),
    )


def explain_topic(text: str) -> Explanation:
    """Explain what a learner typed: 550, 550 5.7.1, 5.7.1, a whole reply, SIZE, RCPT (see topics.py)."""
    from smtpshell.explain.topics import explain_topic as explain

    return explain(text)


def permanent_only_retry(detail: knowledge.EnhancedInfo) -> str:
    """The retry advice for a code the registry's RFC calls permanent only, sent with class 4."""
    return (
        f"Do not count on it: {detail.key} is a permanent condition ({detail.rfc}), so the same message will fail "
        "again however often it is retried; change it (or where it goes) first."
    )


def _enhanced_leads(code: int, status: EnhancedStatus | None, detail: knowledge.EnhancedInfo | None) -> bool:
    """Whether the enhanced code, rather than the basic one, should headline a failure.

    A registered detail that is not the catch-all X.n.0 says more than the three digits do (RFC 3463 §2: the
    enhanced code refines the basic one); success codes keep their per-command headline, and so do the protocol
    codes X.5.n, which only repeat what 500-504 already say precisely (503 "wrong order" beats 5.5.1 "invalid
    command").
    """
    return (
        status is not None
        and detail is not None
        and code // 100 in (4, 5)
        and status.klass in (4, 5)
        and status.detail != 0
        and status.subject != 5
        and not detail.deprecated
    )


def _strip_status(reply: Reply, status: EnhancedStatus) -> str:
    """The reply's text without the enhanced code in front of each line."""
    prefix = str(status)
    return "\n".join(line[len(prefix) :].lstrip() if line.startswith(prefix) else line for line in reply.lines)


def _unknown_code_meaning(code: int) -> str:
    first, second = code // 100, (code // 10) % 10
    if not is_reply_code(code):
        return (
            "SMTP reply codes start with 2 (success), 3 (go on), 4 (temporary failure) or 5 (permanent "
            "failure), and their second digit runs from 0 to 5; this one does not fit, so it is not a valid "
            "SMTP reply. A server sending it is broken, or this is not an SMTP conversation."
        )
    return (
        f"This shell's knowledge base has no entry for {code}; neither RFC 5321 nor the extension RFCs it knows "
        f"define it. Read from its digits: the first, {first}, means {FIRST_DIGIT[first]}; the second, "
        f"{second}, says what it is about (see the anatomy). Trust the first digit and the text."
    )


def _enhanced_meaning(status: EnhancedStatus, detail: knowledge.EnhancedInfo | None) -> list[str]:
    if detail is not None:
        paragraphs = [f"{status}: {detail.meaning}"]
        if status.klass not in detail.classes:
            used = ", ".join(f"{c}.{status.subject}.{status.detail}" for c in detail.classes)
            paragraphs.append(f"Unusual: {detail.key} is normally sent as {used}.")
        return paragraphs
    klass = knowledge.enhanced_classes().get(status.klass)
    subject = knowledge.enhanced_subjects().get(status.subject)
    about = f"subject {status.subject} ({subject.name.lower()})" if subject else f"subject {status.subject} (undefined)"
    class_name = klass.title.lower() if klass else "unknown class"
    return [
        f"{status}: the detail {status.detail} is not in the IANA registry, so it is this server's own code. "
        f"What is known: class {status.klass} ({class_name}), {about}. The text is the best guide."
    ]


def _challenge(
    reply: Reply, verb: str | None, command: str | None, state: ClientState | None
) -> tuple[str | None, str]:
    from smtpshell.explain.auth_challenge import decode_challenge  # base64 only when a 334 needs it

    mechanism = None
    if verb == "AUTH" and command:
        words = split_command(command).argument.split()
        mechanism = words[0] if words else None
    elif state is not None:
        mechanism = state.auth_mechanism
    challenge = decode_challenge(reply.text, mechanism)
    return challenge.decoded, challenge.meaning
