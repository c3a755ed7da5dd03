"""What the history file keeps: typed lines, never a credential."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from smtpshell.proto.redaction import HIDDEN, redact_command
from smtpshell.session.history import HistoryFile
from smtpshell.session.redact import history_line


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("EHLO me.example", "EHLO me.example"),
        ("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=", "AUTH PLAIN"),
        ("auth login YWxpY2U=", "AUTH login"),
        ("AUTH", "AUTH"),
        ("/auth PLAIN alice wonderland", "/auth PLAIN alice"),
        ("   ", None),
    ],
)
def test_history_line(line: str, kept: str | None) -> None:
    assert history_line(line) == kept


def test_answers_to_334_are_never_kept_and_always_hidden() -> None:
    assert history_line("d29uZGVybGFuZA==", auth_response=True) is None
    assert redact_command("d29uZGVybGFuZA==", auth_response=True) == HIDDEN
    assert redact_command("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=") == f"AUTH PLAIN {HIDDEN}"
    assert redact_command("AUTH LOGIN") == "AUTH LOGIN"
    assert redact_command("MAIL FROM:<a@b>") == "MAIL FROM:<a@b>"


def test_history_file_appends_reads_back_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "history"
    history = HistoryFile(path)
    for line in ("EHLO a", "MAIL FROM:<a@b>", "two\nlines", ""):
        history.append(line)
    assert path.read_text() == "EHLO a\nMAIL FROM:<a@b>\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert HistoryFile(path).lines() == ["EHLO a", "MAIL FROM:<a@b>"]


def test_unwritable_history_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    history = HistoryFile(blocker / "history")
    history.append("NOOP")
    assert history.lines() == ["NOOP"] and history.path is None
