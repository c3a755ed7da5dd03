"""The structured explanation every front end renders; nothing here knows how it will be shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class KeywordNote:
    """One EHLO keyword as advertised, read for a learner (``SIZE 35882577`` -> "limit 34.2 MiB")."""

    keyword: str
    params: str
    meaning: str
    reading: str | None  # the parameters read, when there is something to read
    rfc: str | None
    known: bool  # found in the knowledge base


@dataclass(frozen=True)
class Explanation:
    headline: str  # one line a beginner understands
    code: int | None = None
    enhanced: str | None = None
    anatomy: list[tuple[str, str]] = field(default_factory=list)  # ("5xx", "permanent negative ..."), ...
    meaning: str = ""  # what it means for this command in this state
    server_reason: str | None = None  # the sandbox's own reason for the reply
    retry: str | None = None  # whether and how a client retries
    next_steps: list[str] = field(default_factory=list)  # commands or actions that make sense now
    keywords: list[KeywordNote] = field(default_factory=list)  # for an EHLO reply
    decoded: str | None = None  # a 334 challenge decoded from base64
    pattern: str | None = None  # the well-known real-world text it matched, with its advice
    known: bool = True  # the code (and enhanced code) were found in the knowledge base
    references: list[str] = field(default_factory=list)  # "RFC 5321 §4.2.3", ...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
