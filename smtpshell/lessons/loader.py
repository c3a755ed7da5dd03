"""Load lesson files and check every part of them, reporting each problem as ``file:line: what is wrong``.

Rule: a lesson is only used when it validates completely — verbs against the command table, reply codes
against the reply registry, faults against the fault presets — so a learner never meets a step that cannot pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smtpshell.lessons.check_reader import read_delivered, read_expect
from smtpshell.lessons.document import Block, Section, split_document
from smtpshell.lessons.model import END_OF_DATA, Lesson, LessonSetup, Mistake, Step
from smtpshell.lessons.setup_reader import read_setup
from smtpshell.lessons.solution_reader import read_inputs
from smtpshell.lessons.table_reader import ProblemLog, TableReader
from smtpshell.lessons.toml_lines import TomlLines, TomlSyntaxError, parse_toml

LESSON_SUFFIX = ".md"
NOT_LESSONS = {"readme.md"}  # documentation living beside the lessons

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, order=True)
class LessonError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LessonFileError(Exception):
    """A lesson file with problems; ``errors`` lists each one with its line."""

    def __init__(self, errors: list[LessonError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class _FileLoader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.log = ProblemLog()

    @property
    def errors(self) -> list[LessonError]:
        return [LessonError(str(self.path), line, message) for line, message in self.log.problems]

    def report(self, line: int, message: str) -> None:
        self.log.report(line, message)

    def load(self) -> Lesson | None:
        document = split_document(self.text)
        for line, message in document.problems:
            self.report(line, message)
        if document.front is None:
            return None
        front = self._toml(document.front)
        if front is None:
            return None
        reader = TableReader(front, (), TomlLines(document.front.text, document.front.first_line), self.log)
        lesson_id = reader.text("id", "the lesson's id: lower-case letters, digits and '-'", required=True)
        if lesson_id is not None and not _ID.match(lesson_id):
            reader.error("id", f"id {lesson_id!r} may only hold lower-case letters, digits and '-'")
        title = reader.text("title", "the lesson's title", required=True)
        goals = reader.texts("goals", "what the learner will be able to do, one line each", required=True)
        summary = reader.text("summary", "one line describing the lesson") or ""
        setup_reader = reader.table("setup", "a table of sandbox settings")
        setup = read_setup(setup_reader) if setup_reader else LessonSetup()
        reader.finish("id, title, summary, goals, setup")
        if not document.sections:
            self.report(
                document.front.fence_line,
                "the lesson has no steps: write each as a '## ' section with a ```check block",
            )
        steps: list[Step] = []
        context = "command"
        for section in document.sections:
            step, context = self._step(section, context)
            if step is not None:
                steps.append(step)
        if self.log.problems or lesson_id is None or title is None or goals is None:
            return None
        return Lesson(
            lesson_id, title, tuple(goals), document.intro, tuple(steps), setup, summary, self.path, reader.line("id")
        )

    def _toml(self, block: Block) -> dict[str, Any] | None:
        try:
            return parse_toml(block.text, block.first_line)
        except TomlSyntaxError as error:
            self.report(error.line, error.message)
            return None

    def _step(self, section: Section, context: str) -> tuple[Step | None, str]:
        if not section.title:
            self.report(section.line, "a step needs a title after '## '")
        if not section.instruction.strip():
            self.report(section.line, f"step {section.title!r} has no instruction text for the learner")
        if not section.checks:
            self.report(section.line, f"step {section.title!r} has no ```check block")
            return None, context
        for extra in section.checks[1:]:
            self.report(extra.fence_line, f"step {section.title!r} has a second ```check block; write one per step")
        block = section.checks[0]
        data = self._toml(block)
        if data is None:
            return None, context
        r = TableReader(data, (), TomlLines(block.text, block.first_line), self.log)
        count_before = r.problems
        expect = [read_expect(e) for e in r.tables("expect", "what the learner must send and receive")]
        delivered_table = r.table("delivered", "a table describing a delivered message")
        delivered = read_delivered(delivered_table) if delivered_table else None
        tls = r.flag("tls", "true or false: TLS must be active on the connection")
        authenticated = r.flag("authenticated", "true or false: the session must be authenticated")
        by_hand = r.flag("by_hand", "true: the message is typed line by line with the final '.', no composer")
        hints = r.texts("hints", "progressive hints, the gentlest first", required=True) or []
        raw_solution = r.texts("solution", "the reference solution: the lines to type, in order", required=True) or []
        why = r.text("why", "a short explanation shown after the step is passed", required=True) or ""
        solution, after = read_inputs(r, "solution", raw_solution, context)
        mistakes: list[Mistake] = []
        for m in r.tables("mistake", 'a plausible wrong attempt: lines = [...], note = "..."'):
            lines = m.texts("lines", "the lines of the wrong attempt", required=True) or []
            note = m.text("note", "what the learner should notice") or ""
            inputs, _ = read_inputs(m, "lines", lines, context, strict=False)
            when_table = m.table("when", "the exchange the mistake ends with, as in an [[expect]]")
            when = read_expect(when_table) if when_table else None
            mistake_delivered = m.table("delivered", "the message the mistake delivers, as in [delivered]")
            notice = m.pattern("notice", "a regular expression searched in the shell's notice (nothing was sent)")
            m.finish("lines, note, when, delivered, notice")
            mistakes.append(
                Mistake(
                    m.line(),
                    tuple(inputs),
                    note,
                    when,
                    read_delivered(mistake_delivered) if mistake_delivered else None,
                    notice,
                )
            )
        r.finish("expect, delivered, tls, authenticated, by_hand, hints, solution, why, mistake")
        if by_hand and not any(e is not None and e.sent == END_OF_DATA for e in expect):
            self.report(block.fence_line, 'by_hand = true needs an [[expect]] with sent = "." (its message)')
        positive = (
            bool(expect) or tls is True or authenticated is True or (delivered is not None and delivered.count > 0)
        )
        if not positive and r.problems == count_before:
            self.report(
                block.fence_line,
                "this check would pass at once: give an [[expect]], a [delivered] "
                "table, tls = true or authenticated = true",
            )
        if r.problems > count_before:
            return None, after
        checks = tuple(e for e in expect if e is not None)
        step = Step(
            section.title,
            section.instruction,
            section.line,
            checks,
            delivered,
            tls,
            authenticated,
            tuple(hints),
            tuple(solution),
            why.strip(),
            tuple(mistakes),
            by_hand=by_hand is True,
        )
        return step, after


def load_lesson_file(path: Path) -> Lesson:
    """One lesson; raises LessonFileError listing every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonFileError([LessonError(str(path), 1, f"cannot read the file: {error}")]) from None
    loader = _FileLoader(path, text)
    lesson = loader.load()
    if lesson is None:
        raise LessonFileError(sorted(loader.errors) or [LessonError(str(path), 1, "not a lesson")])
    return lesson


def lesson_files(folder: Path) -> list[Path]:
    """The lesson files of a folder, in the order of their names (so "01-...", "02-..." set the order)."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix == LESSON_SUFFIX and p.name.lower() not in NOT_LESSONS
    )


@dataclass
class LoadResult:
    lessons: list[Lesson]
    errors: list[LessonError]


def load_folder(folder: Path) -> LoadResult:
    """Every lesson of a folder, and every problem of the files that did not load."""
    if not folder.is_dir():
        return LoadResult([], [LessonError(str(folder), 0, "not a folder")])
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    seen: dict[str, Path] = {}
    for path in lesson_files(folder):
        try:
            lesson = load_lesson_file(path)
        except LessonFileError as error:
            errors.extend(error.errors)
            continue
        if lesson.id in seen:
            errors.append(
                LessonError(str(path), lesson.id_line, f"id {lesson.id!r} is already used by {seen[lesson.id]}")
            )
            continue
        seen[lesson.id] = path
        lessons.append(lesson)
    return LoadResult(lessons, errors)
