"""The end-of-lesson summary: the commands the learner used against the reference solution, the replies met,
and the codes learnt, each with its meaning from the reply registry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from smtpshell.lessons.model import Lesson
from smtpshell.proto.commands import lookup
from smtpshell.proto.grammar import split_command
from smtpshell.proto.replies import BASIC_CODES, ENHANCED_CODES
from smtpshell.session.records import Exchange


@dataclass(frozen=True)
class CodeNote:
    code: str  # "250" or "5.1.1"
    meaning: str
    times: int


@dataclass(frozen=True)
class LessonSummary:
    lesson_id: str
    title: str
    steps: int
    commands_used: tuple[tuple[str, int], ...]  # verb and how often, in the order first used
    reference: tuple[tuple[str, int], ...]  # the same for the reference solutions
    replies: tuple[CodeNote, ...]  # basic reply codes met, in the order first met
    enhanced: tuple[CodeNote, ...]  # enhanced status codes met
    hints_used: int
    solutions_shown: int

    @property
    def commands_total(self) -> int:
        return sum(n for _, n in self.commands_used)

    @property
    def reference_total(self) -> int:
        return sum(n for _, n in self.reference)

    @property
    def extra(self) -> tuple[str, ...]:
        """Verbs the learner used that the reference solution does without."""
        wanted = {verb for verb, _ in self.reference}
        return tuple(verb for verb, _ in self.commands_used if verb not in wanted)

    @property
    def unused(self) -> tuple[str, ...]:
        """Verbs of the reference solution the learner never sent."""
        used = {verb for verb, _ in self.commands_used}
        return tuple(verb for verb, _ in self.reference if verb not in used)


def _counted(items: Sequence[str]) -> tuple[tuple[str, int], ...]:
    counts = Counter(items)
    return tuple((item, counts[item]) for item in dict.fromkeys(items))


def build_summary(
    lesson: Lesson, exchanges: Sequence[Exchange], hints_used: int, solutions_shown: int
) -> LessonSummary:
    # A BDAT exchange carries its chunk, so it is of kind "data"; the end of a DATA message is no command.
    verbs = [
        verb
        for e in exchanges
        if e.kind in ("command", "auth", "data") and lookup(verb := split_command(e.command).verb) is not None
    ]
    codes = [str(e.reply.code) for e in exchanges if e.reply is not None]
    enhanced = [str(e.reply.enhanced) for e in exchanges if e.reply is not None and e.reply.enhanced]
    replies = tuple(
        CodeNote(code, BASIC_CODES.get(int(code), ("(not in the registry)", ""))[0], n) for code, n in _counted(codes)
    )
    enhanced_notes = tuple(
        CodeNote(code, ENHANCED_CODES.get("X." + code.split(".", 1)[1], "(not in the registry)"), n)
        for code, n in _counted(enhanced)
    )
    return LessonSummary(
        lesson.id,
        lesson.title,
        len(lesson.steps),
        _counted(verbs),
        _counted(lesson.reference_verbs()),
        replies,
        enhanced_notes,
        hints_used,
        solutions_shown,
    )


def render_summary(summary: LessonSummary) -> str:
    """The summary as plain text, for the plain shell (the caller gives the heading, with the lesson's title)."""

    def verbs(items: tuple[tuple[str, int], ...]) -> str:
        return ", ".join(f"{verb}×{n}" if n > 1 else verb for verb, n in items) or "none"

    lines = [
        f"Commands you used ({summary.commands_total}): {verbs(summary.commands_used)}",
        f"The reference solution ({summary.reference_total}): {verbs(summary.reference)}",
    ]
    if summary.extra:
        lines.append(f"  you also tried: {', '.join(summary.extra)}")
    if summary.unused:
        lines.append(f"  you did without: {', '.join(summary.unused)}")
    lines += ["", "Replies you met:"]
    lines += [
        f"  {note.code}  {note.meaning}" + (f" (×{note.times})" if note.times > 1 else "") for note in summary.replies
    ] or ["  none"]
    if summary.enhanced:
        lines += ["", "Enhanced status codes you learnt:"]
        lines += [f"  {note.code}  {note.meaning}" for note in summary.enhanced]
    help_used = []
    if summary.hints_used:
        help_used.append(f"{summary.hints_used} hint{'s' if summary.hints_used > 1 else ''}")
    if summary.solutions_shown:
        help_used.append(f"{summary.solutions_shown} shown solution{'s' if summary.solutions_shown > 1 else ''}")
    lines += ["", f"Help used: {', '.join(help_used) or 'none — well done'}"]
    return "\n".join(lines)
