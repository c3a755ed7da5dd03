"""A lesson as data: what it teaches, the sandbox it needs, and its steps with the checks that pass them.

Rule: a check looks only at what really happened — the exchanges of the transcript and what the sandbox
holds — never at what the learner typed but did not send.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING
from smtpshell.proto.events import Message
from smtpshell.proto.grammar import split_command
from smtpshell.proto.replies import Reply
from smtpshell.session.records import Exchange

# What a check's `sent` may name besides an SMTP verb.
END_OF_DATA = "."  # the line holding only "." that ends a message after DATA
AUTH_ANSWER = "AUTH-RESPONSE"  # a line answering a 334 challenge during AUTH
GREETING_NAME = "GREETING"  # the server's banner, before anything was sent
SPECIAL_SENT = {END_OF_DATA: DATA_END, AUTH_ANSWER: AUTH_RESPONSE, GREETING_NAME: GREETING}


def code_matches(pattern: str, code: int) -> bool:
    """``"250"`` matches 250 only; ``"4xx"`` any transient failure; ``"55x"`` 550 to 559."""
    text = str(code)
    return len(pattern) == 3 and all(p in ("x", t) for p, t in zip(pattern, text, strict=True))


@dataclass(frozen=True)
class ExchangeCheck:
    """One ``[[expect]]`` entry: an exchange of the session that must have happened during the step."""

    line: int  # where it is written, for messages about it
    sent: str | None = None  # an upper-case verb, or END_OF_DATA / AUTH_ANSWER / GREETING_NAME
    argument: re.Pattern[str] | None = None  # must match the whole argument, case-insensitively
    codes: tuple[str, ...] = ()  # reply code patterns ("250", "4xx"); any of them
    enhanced: str | None = None  # "5.1.1", or "X.1.1" for any class
    text: re.Pattern[str] | None = None  # searched in the reply's text
    tls: bool | None = None  # the exchange went over TLS (True) or in plaintext (False)
    count: int = 1  # how many such exchanges it takes
    pipelined: bool | None = None  # sent in one group with other commands (RFC 2920), or on its own

    def matches(self, exchange: Exchange, grouped: bool = False) -> bool:
        """``grouped``: the exchange went out in a pipelined group (see ``pipelined_indexes``)."""
        if self.sent is not None and not self._sent_matches(exchange):
            return False
        if self.tls is not None and exchange.tls != self.tls:
            return False
        if self.pipelined is not None and grouped != self.pipelined:
            return False
        if not (self.codes or self.enhanced or self.text):
            return True
        return exchange.reply is not None and self.reply_matches(exchange.reply)

    def _sent_matches(self, exchange: Exchange) -> bool:
        assert self.sent is not None
        line = split_command(exchange.command)
        if self.sent == AUTH_ANSWER:
            # The engine shows an answer to 334 hidden, so it is known by its kind, not its text.
            return exchange.command == AUTH_RESPONSE or (exchange.kind == "auth" and line.verb != "AUTH")
        if self.sent in SPECIAL_SENT:
            return exchange.command == SPECIAL_SENT[self.sent]
        if line.verb != self.sent:
            return False
        return self.argument is None or self.argument.fullmatch(line.argument) is not None

    def reply_matches(self, reply: Reply) -> bool:
        if self.codes and not any(code_matches(p, reply.code) for p in self.codes):
            return False
        if self.enhanced is not None:
            if reply.enhanced is None:
                return False
            wanted = self.enhanced
            got = reply.enhanced.generic if wanted.startswith("X.") else str(reply.enhanced)
            if got != wanted:
                return False
        return self.text is None or self.text.search(reply.text) is not None


@dataclass(frozen=True)
class DeliveryCheck:
    """The ``[delivered]`` table: messages the sandbox accepted since the step began."""

    line: int
    to: str | None = None  # a glob on one of the envelope recipients, case-insensitive
    sender: str | None = None  # a glob on the envelope sender ("" is the null sender <>)
    headers: tuple[tuple[str, re.Pattern[str]], ...] = ()  # header name -> pattern searched in its value
    body: re.Pattern[str] | None = None  # searched in the body (after the blank line)
    content: re.Pattern[str] | None = None  # searched in the whole message, trace headers included
    recipients: int | None = None  # exact number of envelope recipients
    mail_params: tuple[tuple[str, re.Pattern[str]], ...] = ()  # MAIL parameter -> pattern on its value
    rcpt_params: tuple[tuple[str, re.Pattern[str]], ...] = ()  # RCPT parameter on any recipient -> pattern
    count: int = 1  # how many such messages; 0 means none may arrive
    not_in_headers: re.Pattern[str] | None = None  # must match no header at all (Bcc: and the rest)

    def matches(self, message: Message) -> bool:
        return self.why_not(message) is None

    def why_not(self, message: Message) -> str | None:
        """None when ``message`` satisfies the check; else the first condition it misses, said in one line."""
        envelope = message.envelope
        recipients = envelope.recipients
        if self.to is not None and not any(_glob(self.to, r) for r in recipients):
            return f"it went to {_addresses(recipients)}; this step wants {self.to} among the recipients"
        if self.sender is not None and not _glob(self.sender, envelope.sender):
            return f"its envelope sender was <{envelope.sender}>; this step wants <{self.sender}>"
        if self.recipients is not None and len(recipients) != self.recipients:
            wanted = "only " + self.to if self.recipients == 1 and self.to else str(self.recipients)
            got = f"{_count(len(recipients), 'recipient')} ({_addresses(recipients)})"
            return f"delivered to {got}; this step wants {wanted}"
        for name, pattern in self.mail_params:
            value = _param(envelope.mail_params, name)
            if value is None:
                return f"MAIL FROM had no {name} parameter; this step wants one"
            if not pattern.search(value):
                return f"MAIL FROM had {name}={value}; this step wants a value matching {pattern.pattern!r}"
        for name, pattern in self.rcpt_params:
            values = [_param(p, name) for p in envelope.rcpt_params.values()]
            if not any(v is not None and pattern.search(v) for v in values):
                return f"no RCPT TO had a {name} parameter matching {pattern.pattern!r}"
        if self.content is not None and not self.content.search(_text(message.content)):
            return f"the message does not contain {self.content.pattern!r}"
        head, body = split_message(message.content)
        for name, pattern in self.headers:
            found = header_values(head, name)
            if not found:
                return f"the message has no {name}: header"
            if not any(pattern.search(value) for value in found):
                return f"its {name}: header ({found[0]}) is not what this step asks for"
        if self.not_in_headers is not None:
            for line in unfolded_headers(head):
                if self.not_in_headers.search(line):
                    return f"the header {line!r} shows what this step wants kept out of the headers"
        if self.body is not None and self.body.search(body) is None:
            return "its body is not what this step asks for" + ("" if body.strip() else " (it is empty)")
        return None


def _addresses(addresses: Sequence[str]) -> str:
    return ", ".join(addresses) or "nobody"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def unfolded_headers(head: str) -> list[str]:
    """Every header line of a header section, folded lines joined (RFC 5322 §2.2.3)."""
    lines: list[str] = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = f"{lines[-1]} {line.strip()}"
        elif line.strip():
            lines.append(line.strip())
    return lines


def pipelined_indexes(exchanges: list[Exchange]) -> set[int]:
    """The positions of ``exchanges`` that went out in a pipelined group.

    Pipelining means sending a command before the reply to the previous one came back (RFC 2920). The shell
    sends a group's commands at once and records each of their exchanges with the group's one send time, while a
    command typed on its own is sent after the reply before it, at a time of its own.
    """
    grouped: set[int] = set()
    for index in range(1, len(exchanges)):
        before, this = exchanges[index - 1], exchanges[index]
        early = before.replied_at is None or this.sent_at <= before.replied_at
        if this.kind == before.kind == "command" and this.sent_at == before.sent_at and early:
            grouped.update((index - 1, index))
    return grouped


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _param(params: dict[str, str | None], name: str) -> str | None:
    for key, value in params.items():
        if key.upper() == name:
            return "" if value is None else value
    return None


def _text(content: bytes) -> str:
    return content.decode("utf-8", "replace").replace("\r\n", "\n")


def split_message(content: bytes) -> tuple[str, str]:
    """The header section and the body of a message, as text."""
    head, _, body = _text(content).partition("\n\n")
    return head, body


def header_values(head: str, name: str) -> list[str]:
    """Every value of header ``name`` in a header section, folded lines joined (RFC 5322 §2.2.3)."""
    values: list[str] = []
    inside = False  # the previous line belonged to a wanted header, so a folded line continues it
    for line in head.split("\n"):
        if line[:1] in (" ", "\t"):
            if inside:
                values[-1] = f"{values[-1]} {line.strip()}".strip()
            continue
        key, sep, value = line.partition(":")
        inside = bool(sep) and key.strip().lower() == name.lower()
        if inside:
            values.append(value.strip())
    return values


SolutionKind = Literal["command", "message", "auth-response", "chunk", "meta", "pipeline"]


@dataclass(frozen=True)
class SolutionItem:
    """One input of a reference solution, as the learner types it.

    command: an SMTP command line; message: every line of a message after DATA, ending with the "." line;
    auth-response: a line answering a 334 challenge; chunk: the octets after BDAT (one line, no line end);
    meta: a shell command such as "/raw on"; pipeline: several command lines sent in one go (RFC 2920).
    """

    text: str
    kind: SolutionKind

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def verb(self) -> str | None:
        if self.kind == "pipeline":
            return split_command(self.lines[-1]).verb
        return split_command(self.text).verb if self.kind == "command" else None

    @property
    def verbs(self) -> list[str]:
        """Every SMTP verb this input sends (several for a pipelined group)."""
        if self.kind == "pipeline":
            return [split_command(line).verb for line in self.lines]
        return [self.verb] if self.verb else []

    def typed_lines(self) -> list[str]:
        """What to submit, one line at a time, to type this item (a message ends with its "." line)."""
        return self.lines if self.kind == "message" else [self.text]


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong attempt at a step: the lines sent, and what the learner should notice.

    The note is shown when the learner's last input is the mistake's last input (of any kind: a command, a
    message, a pipelined group, a BDAT chunk, an AUTH answer), or when what happened fits the context given:
    ``when`` (the exchange it ends with: verb, reply code, enhanced code, text, TLS, pipelined), ``delivered``
    (the message it delivered) or ``notice`` (the shell's own refusal, when nothing was sent).
    """

    line: int
    inputs: tuple[SolutionItem, ...]
    note: str = ""
    when: ExchangeCheck | None = None
    delivered: DeliveryCheck | None = None
    notice: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Step:
    title: str
    instruction: str  # Markdown prose
    line: int  # the line of its "## " heading
    expect: tuple[ExchangeCheck, ...] = ()
    delivered: DeliveryCheck | None = None
    tls: bool | None = None  # TLS must be active (or not) on the connection
    authenticated: bool | None = None
    hints: tuple[str, ...] = ()
    solution: tuple[SolutionItem, ...] = ()
    why: str = ""
    mistakes: tuple[Mistake, ...] = ()
    # The message of this step is typed line by line, with the final "." (a full-screen composer is not offered:
    # its Ctrl+S would send the end of data for the learner and skip what the step teaches).
    by_hand: bool = False


@dataclass(frozen=True)
class FaultSetup:
    """One fault table of a lesson's setup, kept as written so every session gets fresh rules."""

    line: int
    table: dict[str, object]


@dataclass(frozen=True)
class LessonSetup:
    """How the sandbox must be configured for the lesson; None means the sandbox's default."""

    extensions: tuple[str, ...] | None = None  # exactly these EHLO keywords
    without: tuple[str, ...] = ()  # the defaults minus these
    size_limit: int | None = None
    max_recipients: int | None = None
    auth_over_plaintext: bool | None = None
    vrfy: bool | None = None
    expn: bool | None = None
    reject_bare_newlines: bool | None = None
    max_errors: int | None = None
    users: dict[str, str] = field(default_factory=dict)  # added to the sandbox's users
    mailboxes: dict[str, str] = field(default_factory=dict)  # added to the directory
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    faults: tuple[FaultSetup, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    goals: tuple[str, ...]
    intro: str  # Markdown prose before the first step
    steps: tuple[Step, ...]
    setup: LessonSetup = field(default_factory=LessonSetup)
    summary: str = ""  # one line for lists
    path: Path | None = None
    id_line: int = 1  # where the id is written, for an error about it

    def solution_until(self, step_index: int) -> list[SolutionItem]:
        """The reference inputs of the steps before ``step_index``: what brings a fresh session there."""
        return [item for step in self.steps[:step_index] for item in step.solution]

    def reference_verbs(self) -> list[str]:
        return [verb for step in self.steps for item in step.solution for verb in item.verbs]
