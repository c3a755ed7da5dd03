"""A lesson file cut into its parts: TOML front matter between "+++" lines, intro prose, and "## " steps.

Rule: only a fenced block whose info string is exactly ``check`` is read as a step's check; every other fenced
block is prose shown to the learner, and headings inside fences are not steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FRONT_MATTER_FENCE = "+++"
CHECK_INFO = "check"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`]*?)\s*$")
_STEP_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")


@dataclass
class Block:
    text: str
    first_line: int  # file line of the first line inside the block
    fence_line: int  # file line of the opening fence (or "+++")


@dataclass
class Section:
    title: str
    line: int
    prose: list[str] = field(default_factory=list)
    checks: list[Block] = field(default_factory=list)

    @property
    def instruction(self) -> str:
        return "\n".join(self.prose).strip("\n")


@dataclass
class LessonDocument:
    front: Block | None
    intro: str
    sections: list[Section]
    problems: list[tuple[int, str]]  # (file line, what is wrong)


def split_document(text: str) -> LessonDocument:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    problems: list[tuple[int, str]] = []
    front, body_start = _front_matter(lines, problems)
    intro: list[str] = []
    sections: list[Section] = []
    fence: tuple[str, int, str, list[str]] | None = None  # (marker, line, info, collected)
    for number in range(body_start, len(lines) + 1):
        line = lines[number - 1]
        target = sections[-1].prose if sections else intro
        if fence is not None:
            marker, opened, info, collected = fence
            match = _FENCE.match(line)
            if match and match[1][0] == marker[0] and len(match[1]) >= len(marker) and not match[2]:
                fence = None
                if info == CHECK_INFO:
                    block = Block("\n".join(collected), opened + 1, opened)
                    if sections:
                        sections[-1].checks.append(block)
                    else:
                        problems.append((opened, "a ```check block must be inside a step (a '## ' section)"))
                else:
                    target.append(line)
                continue
            collected.append(line)
            if info != CHECK_INFO:
                target.append(line)
            continue
        match = _FENCE.match(line)
        if match:
            fence = (match[1], number, match[2], [])
            if match[2] != CHECK_INFO:
                target.append(line)
            continue
        heading = _STEP_HEADING.match(line)
        if heading:
            sections.append(Section(heading[1], number))
            continue
        target.append(line)
    if fence is not None:
        problems.append((fence[1], f"the fenced block opened here with {fence[0]} is never closed"))
    return LessonDocument(front, "\n".join(intro).strip("\n"), sections, problems)


def _front_matter(lines: list[str], problems: list[tuple[int, str]]) -> tuple[Block | None, int]:
    """The front matter block and the file line where the body starts."""
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        problems.append((1, "a lesson file starts with a line '+++', then its TOML front matter, then '+++'"))
        return None, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            return Block("\n".join(lines[1:index]), 2, 1), index + 2
    problems.append((1, "the front matter opened here with '+++' is never closed by a second '+++' line"))
    return None, len(lines) + 1
