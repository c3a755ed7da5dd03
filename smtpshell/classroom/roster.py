"""A class's roster: who the students are and their passwords, from ``--class N`` or ``--class FILE``.

Rule: a roster line is ``name`` or ``name:password``; a bad line or a second student of the same name is refused
as ``file:line: what is wrong``, never guessed at. A password not given is generated, and the list of generated
passwords is written to a file only its owner can read (mode 0600) so the teacher can hand them out.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from smtpshell.proto.grammar import is_ascii_digits

# A student's name becomes a mailbox's local part, an AUTH user and a Maildir folder: keep it to what is safe in all.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
MAX_CLASS = 999
PASSWORD_WORDS = 3  # three words of four letters read aloud and typed easily enough in class
_LETTERS = "abcdefghjkmnpqrstuvwxyz"  # no i, l or o: they are misread on a projector


class RosterError(ValueError):
    """A roster that cannot be used; the message is ``file:line: what is wrong`` or says why."""


@dataclass(frozen=True)
class Student:
    name: str
    password: str
    generated: bool  # the password was made here, not given in the roster

    def address(self, domain: str) -> str:
        return f"{self.name}@{domain}"


@dataclass(frozen=True)
class Roster:
    students: tuple[Student, ...]

    def __post_init__(self) -> None:
        # Looked up on every command of every session (whose is it?): a dict, not a scan of the class.
        object.__setattr__(self, "_by_name", {student.name: student for student in self.students})

    def names(self) -> list[str]:
        return [student.name for student in self.students]

    def find(self, name: str) -> Student | None:
        found: Student | None = self._by_name.get(name.lower())  # type: ignore[attr-defined]
        return found

    def __len__(self) -> int:
        return len(self.students)


def new_password() -> str:
    return "-".join("".join(secrets.choice(_LETTERS) for _ in range(4)) for _ in range(PASSWORD_WORDS))


def numbered_roster(count: int) -> Roster:
    """student01 … studentNN, each with a generated password (three digits from a hundred students on)."""
    if not 1 <= count <= MAX_CLASS:
        raise RosterError(f"a class has from 1 to {MAX_CLASS} students, not {count}")
    width = max(2, len(str(count)))
    return Roster(tuple(Student(f"student{n:0{width}d}", new_password(), True) for n in range(1, count + 1)))


def parse_roster(text: str, origin: str = "roster", reserved: frozenset[str] = frozenset()) -> Roster:
    """Students from a roster file's text; blank lines and ``#`` comments are skipped.

    ``reserved`` names (the sandbox's own mailboxes and lists) cannot be students: their mail would mix.
    """
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{origin}:{number}"
        name, colon, password = line.partition(":")
        name = name.strip()
        if not name:
            raise RosterError(f"{where}: no name before the ':'; write NAME or NAME:PASSWORD")
        if not NAME_PATTERN.fullmatch(name):
            shown = name.encode("ascii", "backslashreplace").decode()[:40]
            raise RosterError(
                f"{where}: {shown!r} is not a usable name; use lower-case letters, digits, '.', '_' or '-' "
                "(at most 32, starting with a letter or digit)"
            )
        if colon and not password:
            raise RosterError(f"{where}: empty password after '{name}:'; leave out the ':' to have one generated")
        if any(c.isspace() or not c.isprintable() for c in password):
            raise RosterError(f"{where}: the password of {name!r} contains a space or a control character")
        if name in seen:
            raise RosterError(f"{where}: {name!r} is already on line {seen[name]}; two students cannot share a name")
        if name in reserved:
            raise RosterError(f"{where}: {name!r} is one of the sandbox's own mailboxes; choose another name")
        seen[name] = number
        students.append(Student(name, password, False) if password else Student(name, new_password(), True))
    if not students:
        raise RosterError(f"{origin}: no students in it; write one name a line")
    if len(students) > MAX_CLASS:
        raise RosterError(f"{origin}: {len(students)} students; a class has at most {MAX_CLASS}")
    return Roster(tuple(students))


def load_roster(spec: str, reserved: frozenset[str] = frozenset()) -> Roster:
    """``--class N`` or ``--class FILE``."""
    if is_ascii_digits(spec):
        return numbered_roster(int(spec))
    path = Path(spec).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RosterError(f"{spec}: not UTF-8 text; save the roster as UTF-8") from None
    except OSError as error:
        raise RosterError(f"{spec}: cannot read: {error.strerror or error}") from None
    return parse_roster(text, spec, reserved)


def write_passwords(roster: Roster, path: Path, domain: str) -> None:
    """The generated passwords, one ``name:password`` (and address) a line, in a file only its owner can read."""
    lines = [f"{s.name}:{s.password}    # {s.address(domain)}" for s in roster.students if s.generated]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # a file that existed keeps its old mode otherwise
        os.write(fd, ("\n".join(lines) + "\n").encode())
    finally:
        os.close(fd)
