"""The knowledge base: the TOML files in explain/data, loaded on first use, checked and typed.

Rule: the data files hold the facts and the teaching text; this module only reads them. Each file is parsed the
first time something asks for it, so `smtpshell explain 250` never pays for the pattern library.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from functools import cache
from typing import Any, NamedTuple

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")

# The pseudo-commands of the data files, and the names the client state uses for them.
PSEUDO_COMMANDS = {"GREETING": "<greeting>", "DATA_END": "<CRLF>.<CRLF>", "AUTH_RESPONSE": "<auth response>"}


class KnowledgeError(ValueError):
    """A data file that is missing a field or has one of the wrong type."""


class CodeInfo(NamedTuple):
    code: int
    headline: str
    answers: tuple[str, ...]
    meaning: str
    retry: str
    next: tuple[str, ...]
    rfc: str
    by_command: dict[str, str]
    # Commands that never get this code although it answers ANY command ("NOOP and RSET MUST get 250"), each with
    # the rule that says so.
    not_for: dict[str, str] = {}
    any_command: str = ""  # for a code that answers ANY command: the section that says so

    def may_answer(self, verb: str) -> bool:
        """Whether the RFCs list this code as an answer to ``verb``."""
        return verb in self.answers or ("ANY" in self.answers and verb not in self.not_for)


class PartInfo(NamedTuple):
    """A class (2, 4, 5) or a subject (0-7) of the enhanced status codes."""

    number: int
    name: str
    meaning: str
    rfc: str
    plain: str = ""  # plain words where the registry's name is hard to read ("Temporary failure")

    @property
    def title(self) -> str:
        """Plain words first, the registry's name second."""
        return self.plain if not self.plain or self.plain == self.name else f"{self.plain} ({self.name.lower()})"


class EnhancedInfo(NamedTuple):
    key: str  # "X.7.1"
    sample: str
    basic: tuple[int, ...]
    basic_note: str
    classes: tuple[int, ...]
    rfc: str
    meaning: str
    advice: str
    deprecated: bool
    plain: str = ""  # plain words for a headline, where the registry's title is hard for a beginner

    @property
    def title(self) -> str:
        """A headline: plain words first and the registry's title second, or the registry's title alone."""
        if self.plain:
            return f"{self.plain} (registry: {self.sample})" if self.sample else self.plain
        return self.sample

    @property
    def subject(self) -> int:
        return int(self.key.split(".")[1])

    @property
    def detail(self) -> int:
        return int(self.key.split(".")[2])


class KeywordInfo(NamedTuple):
    keyword: str
    registered: bool
    summary: str
    meaning: str
    syntax: str
    reader: str
    words_are: str
    enables: tuple[str, ...]
    rfc: str | None
    reference: str
    status: str


class MechanismInfo(NamedTuple):
    name: str
    meaning: str
    reference: str


class CommandNotes(NamedTuple):
    verb: str
    purpose: str
    notes: tuple[str, ...]
    rfc_more: tuple[str, ...]


class Situation(NamedTuple):
    command: str  # a verb, or one of client_state's pseudo-commands
    codes: tuple[str, ...]  # "503" or "5xx"
    when: tuple[str, ...]
    headline: str
    meaning: str
    next: tuple[str, ...]

    def covers(self, code: int) -> bool:
        return str(code) in self.codes or f"{code // 100}xx" in self.codes


class Pattern(NamedTuple):
    id: str
    name: str
    source: str
    regex: re.Pattern[str]
    meaning: str
    advice: str
    note: str
    example: str
    trust_text: bool = False  # the provider uses the enhanced code against the registry: the text leads


def cache_dir() -> str | None:
    """Where parsed knowledge files are kept: beside them in data/__pycache__, as Python keeps its .pyc files.

    SMTPSHELL_NO_CACHE=1 turns the cache off.
    """
    return None if os.environ.get("SMTPSHELL_NO_CACHE") else os.path.join(DATA_DIR, "__pycache__")


def load_table(path: str, cache: str | None) -> dict[str, Any]:
    """Parse one TOML knowledge file, through a marshal cache keyed by the file's name, size and mtime.

    tomllib is pure Python and takes tens of milliseconds on these files; the cache makes `smtpshell explain`
    start fast after its first run. Like .pyc files, the cache is read whenever it is fresh and written unless
    Python was told not to write bytecode (-B, PYTHONDONTWRITEBYTECODE). It is only an accelerator: any problem
    with it is ignored.
    """
    try:
        stat = os.stat(path)
    except OSError as error:
        raise KnowledgeError(f"cannot read the knowledge file {path}: {error.strerror or error}") from error
    stem = f"{os.path.basename(path)}."
    cached = None
    if cache is not None:
        cached = os.path.join(cache, f"{stem}{stat.st_mtime_ns}.{stat.st_size}.{marshal.version}.marshal")
        try:
            with open(cached, "rb") as handle:
                data = marshal.load(handle)
            if isinstance(data, dict):
                return data
        except (OSError, EOFError, ValueError, TypeError):
            pass
    import tomllib  # only on a cache miss: importing it costs milliseconds too

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"cannot read the knowledge file {path}: {error}") from error
    if cached is not None and not sys.dont_write_bytecode:
        _write_cache(cached, stem, data)
    return data


def _write_cache(cached: str, stem: str, data: dict[str, Any]) -> None:
    folder = os.path.dirname(cached)
    try:
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):  # earlier versions of the same file
            if old.startswith(stem) and old != os.path.basename(cached):
                os.unlink(os.path.join(folder, old))
        temporary = f"{cached}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            marshal.dump(data, handle)
        os.replace(temporary, cached)
    except (OSError, ValueError):
        pass


def _load(name: str) -> dict[str, Any]:
    return load_table(os.path.join(DATA_DIR, name), cache_dir())


def _str(entry: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise KnowledgeError(f"{where}: {key!r} must be a string")
    return value


def _strs(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise KnowledgeError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def _ints(entry: dict[str, Any], key: str, where: str) -> tuple[int, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise KnowledgeError(f"{where}: {key!r} must be a list of integers")
    return tuple(value)


def _command_name(name: str) -> str:
    return PSEUDO_COMMANDS.get(name, name)


@cache
def reply_codes() -> dict[int, CodeInfo]:
    codes: dict[int, CodeInfo] = {}
    for key, entry in _load("reply_codes.toml")["codes"].items():
        where = f"reply_codes.toml [codes.{key}]"
        by_command = entry.get("by_command", {})
        codes[int(key)] = CodeInfo(
            code=int(key),
            headline=_str(entry, "headline", where),
            answers=tuple(_command_name(name) for name in _strs(entry, "answers", where)),
            meaning=_str(entry, "meaning", where),
            retry=_str(entry, "retry", where),
            next=_strs(entry, "next", where),
            rfc=_str(entry, "rfc", where),
            by_command={_command_name(k): _str(by_command, k, where) for k in by_command},
            not_for={_command_name(k): _str(entry.get("not_for", {}), k, where) for k in entry.get("not_for", {})},
            any_command=_str(entry, "any_command", where, ""),
        )
    return codes


def reply_code(code: int) -> CodeInfo | None:
    return reply_codes().get(code)


@cache
def _enhanced_file() -> dict[str, Any]:
    return _load("enhanced_codes.toml")


def _parts(table: str) -> dict[int, PartInfo]:
    parts: dict[int, PartInfo] = {}
    for key, entry in _enhanced_file()[table].items():
        where = f"enhanced_codes.toml [{table}.{key}]"
        parts[int(key)] = PartInfo(
            int(key),
            _str(entry, "name", where),
            _str(entry, "meaning", where),
            _str(entry, "rfc", where),
            _str(entry, "plain", where, ""),
        )
    return parts


@cache
def enhanced_classes() -> dict[int, PartInfo]:
    return _parts("classes")


@cache
def enhanced_subjects() -> dict[int, PartInfo]:
    return _parts("subjects")


@cache
def enhanced_codes() -> dict[str, EnhancedInfo]:
    codes: dict[str, EnhancedInfo] = {}
    for key, entry in _enhanced_file()["codes"].items():
        where = f"enhanced_codes.toml [codes.{key!r}]"
        codes[key] = EnhancedInfo(
            key=key,
            sample=_str(entry, "sample", where),
            basic=_ints(entry, "basic", where),
            basic_note=_str(entry, "basic_note", where, ""),
            classes=_ints(entry, "classes", where),
            rfc=_str(entry, "rfc", where),
            meaning=_str(entry, "meaning", where),
            advice=_str(entry, "advice", where),
            deprecated=bool(entry.get("deprecated", False)),
            plain=_str(entry, "plain", where, ""),
        )
    return codes


def enhanced_code(key: str) -> EnhancedInfo | None:
    """The registry entry for ``X.s.d`` (the class written as X)."""
    return enhanced_codes().get(key)


@cache
def _keywords_file() -> dict[str, Any]:
    return _load("ehlo_keywords.toml")


@cache
def keywords() -> dict[str, KeywordInfo]:
    found: dict[str, KeywordInfo] = {}
    for name, entry in _keywords_file()["keywords"].items():
        where = f"ehlo_keywords.toml [keywords.{name}]"
        rfc = entry.get("rfc")
        found[name] = KeywordInfo(
            keyword=name,
            registered=bool(entry.get("registered", False)),
            summary=_str(entry, "summary", where),
            meaning=_str(entry, "meaning", where),
            syntax=_str(entry, "syntax", where),
            reader=_str(entry, "reader", where),
            words_are=_str(entry, "words_are", where, "parameters"),
            enables=_strs(entry, "enables", where),
            rfc=rfc if isinstance(rfc, str) else None,
            reference=_str(entry, "reference", where),
            status=_str(entry, "status", where, "current"),
        )
    return found


def keyword(name: str) -> KeywordInfo | None:
    return keywords().get(name.upper())


@cache
def mechanisms() -> dict[str, MechanismInfo]:
    found: dict[str, MechanismInfo] = {}
    for name, entry in _keywords_file()["mechanisms"].items():
        where = f"ehlo_keywords.toml [mechanisms.{name}]"
        reference = entry.get("rfc") or entry.get("reference")
        if not isinstance(reference, str):
            raise KnowledgeError(f"{where}: needs an 'rfc' or a 'reference'")
        found[name] = MechanismInfo(name, _str(entry, "meaning", where), reference)
    return found


@cache
def command_notes() -> dict[str, CommandNotes]:
    found: dict[str, CommandNotes] = {}
    for verb, entry in _load("commands.toml")["commands"].items():
        where = f"commands.toml [commands.{verb}]"
        found[verb] = CommandNotes(
            verb, _str(entry, "purpose", where), _strs(entry, "notes", where), _strs(entry, "rfc_more", where)
        )
    return found


@cache
def situations() -> tuple[Situation, ...]:
    found: list[Situation] = []
    for number, entry in enumerate(_load("situations.toml")["situation"], start=1):
        where = f"situations.toml situation #{number}"
        found.append(
            Situation(
                command=_command_name(_str(entry, "command", where)),
                codes=_strs(entry, "codes", where),
                when=_strs(entry, "when", where),
                headline=_str(entry, "headline", where),
                meaning=_str(entry, "meaning", where),
                next=_strs(entry, "next", where),
            )
        )
    return tuple(found)


@cache
def patterns() -> tuple[Pattern, ...]:
    found: list[Pattern] = []
    for entry in _load("patterns.toml")["pattern"]:
        where = f"patterns.toml pattern {entry.get('id', '?')!r}"
        try:
            regex = re.compile(_str(entry, "regex", where), re.IGNORECASE)
        except re.error as error:
            raise KnowledgeError(f"{where}: bad regex: {error}") from error
        found.append(
            Pattern(
                id=_str(entry, "id", where),
                name=_str(entry, "name", where),
                source=_str(entry, "source", where),
                regex=regex,
                meaning=_str(entry, "meaning", where),
                advice=_str(entry, "advice", where),
                note=_str(entry, "note", where, ""),
                example=_str(entry, "example", where),
                trust_text=bool(entry.get("trust_text", False)),
            )
        )
    return tuple(found)


def match_pattern(text: str) -> Pattern | None:
    """The first well-known real-world text that ``text`` matches, or None."""
    flat = " ".join(text.split())
    for pattern in patterns():
        if pattern.regex.search(flat):
            return pattern
    return None
