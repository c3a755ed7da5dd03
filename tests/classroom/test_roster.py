"""The roster: `--class N` and `--class FILE`, clear `file:line:` errors, passwords only the teacher can read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from smtpshell.classroom.roster import RosterError, load_roster, numbered_roster, parse_roster, write_passwords


def test_a_numbered_class_is_student01_to_nn_with_generated_passwords() -> None:
    roster = numbered_roster(12)
    assert roster.names()[0] == "student01" and roster.names()[-1] == "student12"
    assert all(s.generated and len(s.password) >= 12 for s in roster.students)
    assert len({s.password for s in roster.students}) == 12
    assert numbered_roster(100).names()[0] == "student001"


def test_a_roster_file_keeps_given_passwords_and_makes_the_others() -> None:
    roster = parse_roster("# class 3B\nada:lovelace\n\ngrace\n", "3b.txt")
    assert roster.names() == ["ada", "grace"]
    assert roster.students[0].password == "lovelace" and not roster.students[0].generated
    assert roster.students[1].generated


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ada\nada:x\n", "3b.txt:2: 'ada' is already on line 1"),
        ("ada\nAda Lovelace\n", "3b.txt:2: 'Ada Lovelace' is not a usable name"),
        ("ada\n:secret\n", "3b.txt:2: no name before the ':'"),
        ("ada:\n", "3b.txt:1: empty password"),
        ("bob\n", "3b.txt:1: 'bob' is one of the sandbox's own mailboxes"),
        ("# nobody\n", "3b.txt: no students in it"),
        ("ada:pass word\n", "3b.txt:1: the password of 'ada' contains a space"),
        ("ev\x1bil\n", "3b.txt:1: 'ev\\x1bil' is not a usable name"),
    ],
)
def test_a_bad_roster_line_names_its_file_and_line(text: str, message: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(text, "3b.txt", frozenset({"bob"}))
    assert str(caught.value).startswith(message)
    assert "\x1b" not in str(caught.value)


def test_a_missing_roster_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="cannot read"):
        load_roster(str(tmp_path / "none.txt"))
    with pytest.raises(RosterError, match="from 1 to 999"):
        load_roster("0")


@pytest.mark.skipif(os.name != "posix", reason="file modes as on POSIX")
def test_generated_passwords_go_to_a_file_only_the_teacher_can_read(tmp_path: Path) -> None:
    path = tmp_path / "passwords.txt"
    path.write_text("old")
    path.chmod(0o644)
    roster = parse_roster("ada:lovelace\ngrace\n")
    write_passwords(roster, path, "sandbox.test")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith(f"grace:{roster.students[1].password}") and "lovelace" not in text
