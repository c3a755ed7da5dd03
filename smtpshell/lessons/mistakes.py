"""Recognising a foreseen mistake in what just happened, and saying in one line why a transaction missed a step.

Rule: a mistake is recognised by the record its last input produces, whatever kind that input is — a command,
a message, a pipelined group, a BDAT chunk, an AUTH answer — or by the shell's own refusal when nothing was
sent; the context the lesson gives (``when``, ``delivered``, ``notice``) narrows it down, so a mistake may end
with a line of the solution and still be told apart from the right path by what the server said.
"""

from __future__ import annotations

from collections.abc import Sequence

from smtpshell.lessons.model import Mistake, SolutionItem, Step, pipelined_indexes
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END
from smtpshell.proto.events import Message
from smtpshell.proto.grammar import split_command
from smtpshell.session.records import Exchange, Notice, Record
from smtpshell.session.redact import redact_command


def recognises(mistake: Mistake, record: Record, exchanges: Sequence[Exchange], new: Sequence[Message]) -> bool:
    """Whether ``record`` (the newest of the step's ``exchanges``, or a notice) completes ``mistake``.

    ``new`` holds the messages the sandbox captured since the step began, oldest first.
    """
    if not mistake.note or not mistake.inputs:
        return False
    if mistake.notice is not None:
        return isinstance(record, Notice) and mistake.notice.search(f"{record.text}\n{record.detail}") is not None
    if not isinstance(record, Exchange) or not exchanges or exchanges[-1] is not record:
        return False
    last = mistake.inputs[-1]
    when = mistake.when
    grouped = (len(exchanges) - 1) in pipelined_indexes(list(exchanges))
    if when is not None and when.sent is not None:
        if not when.matches(record, grouped):
            return False
    elif last.kind == "message" and mistake.delivered is not None:
        if not _ends_message(record):  # what was delivered tells the mistake, not the exact wording
            return False
    else:
        if not _input_matches(last, record, exchanges):
            return False
        if when is not None and not when.matches(record, grouped):
            return False
    if mistake.delivered is not None:
        message = delivered_by(record, new) if _ends_message(record) else None
        return message is not None and mistake.delivered.matches(message)
    return True


def delivered_by(record: Exchange, new: Sequence[Message]) -> Message | None:
    """The message the transaction ending with ``record`` delivered: the one its reply names by queue id (the
    sandbox may have stored a report after it), else the newest."""
    text = record.reply.text if record.reply is not None else ""
    for message in reversed(new):
        if message.queue_id and message.queue_id in text:
            return message
    return new[-1] if new else None


def _input_matches(item: SolutionItem, record: Exchange, exchanges: Sequence[Exchange]) -> bool:
    verb = split_command(record.command).verb
    if item.kind == "command":
        # The transcript keeps AUTH lines with their secrets hidden: compare them hidden the same way.
        return record.kind in ("command", "auth") and normal(record.command) == normal(redact_command(item.text))
    if item.kind == "auth-response":
        return record.command == AUTH_RESPONSE or (record.kind == "auth" and verb != "AUTH")
    if item.kind == "message":
        if record.command != DATA_END:
            return False
        typed = [line for line in item.lines[:-1]] if item.lines[-1] == "." else item.lines
        return _same_lines(typed, unstuffed(record.payload_lines))
    if item.kind == "chunk":
        return verb == "BDAT" and record.payload_lines == (item.text,)
    if item.kind == "pipeline":
        group = _group_ending_with(exchanges)
        return [normal(e.command) for e in group] == [normal(line) for line in item.lines]
    return False


def _group_ending_with(exchanges: Sequence[Exchange]) -> list[Exchange]:
    """The pipelined group the last exchange closes (just that exchange when it went out alone)."""
    grouped = pipelined_indexes(list(exchanges))
    last = len(exchanges) - 1
    if last not in grouped:
        return [exchanges[last]]
    first = last
    while first - 1 in grouped and exchanges[first - 1].sent_at == exchanges[last].sent_at:
        first -= 1
    return list(exchanges[first:])


def _ends_message(record: Exchange) -> bool:
    return record.command == DATA_END or (record.kind == "data" and split_command(record.command).verb == "BDAT")


def unstuffed(lines: Sequence[str]) -> list[str]:
    """Message lines as the learner typed them: the shell's dot-stuffing undone (RFC 5321 §4.5.2)."""
    return [line[1:] if line.startswith("..") else line for line in lines]


def _same_lines(wanted: Sequence[str], got: Sequence[str]) -> bool:
    def tidy(lines: Sequence[str]) -> list[str]:
        kept = [normal(line) for line in lines]
        while kept and not kept[-1]:
            kept.pop()
        return kept

    return tidy(wanted) == tidy(got)


def normal(line: str) -> str:
    return " ".join(line.split()).upper()


def transaction_verdict(step: Step, record: Record, new: Sequence[Message]) -> str | None:
    """When ``record`` ended a transaction and the step still does not pass: why, in one line; else None."""
    if not isinstance(record, Exchange) or record.reply is None or not _ends_message(record):
        return None
    if record.kind == "data" and record.command != DATA_END and "LAST" not in record.command.upper():
        return None  # a BDAT chunk that is not the last one ends nothing yet
    code = record.reply.code
    delivered = step.delivered
    message = delivered_by(record, new)
    if code // 100 == 2 and message is not None and delivered is not None and delivered.count > 0:
        reason = delivered.why_not(message)
        if reason is not None:
            return f"The message was delivered, but this step is not done: {reason}."
    ending = [check for check in step.expect if check.sent == "." or check.sent == "BDAT"]
    if ending and not any(check.matches(record) for check in ending):
        codes = sorted({c for check in ending for c in check.codes})
        if codes:
            return f"The server answered {code} to the end of the message; this step wants {' or '.join(codes)}."
    if code // 100 == 2 and delivered is not None and delivered.count == 0:
        return "The message was delivered, but this step wants no message to arrive."
    return None
