"""`explain FILE|-` reads a bounded part of its input: 50 MB piped in once took 166 s and 2.5 GB. Past the bound
it says how much it read, on standard error, and explains what it read; the output stays as it was."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from smtpshell.explain import command as explain_command

LINE = "550 5.7.1 no relay for you\n"


@pytest.fixture
def small_bound(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(explain_command, "MAX_INPUT", 10 * len(LINE) + 5)
    return 10


def test_standard_input_past_the_bound_is_cut_at_a_line_and_said(
    small_bound: int, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    explain_command.main(["explain", "-"], out=out, stdin=io.StringIO(LINE * 1000))
    assert f"{small_bound} replies and status codes explained" in out.getvalue()
    assert "only the first" in capsys.readouterr().err


def test_a_file_past_the_bound_is_cut_and_said_and_json_stays_valid(
    small_bound: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bounce.txt"
    path.write_bytes(LINE.encode() * 1000)
    out = io.StringIO()
    explain_command.main(["explain", "--json", str(path)], out=out)
    assert len(json.loads(out.getvalue())["items"]) == small_bound
    assert "only the first" in capsys.readouterr().err


def test_one_giant_line_is_cut_inside_it(small_bound: int, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    explain_command.main(["explain", "-"], out=out, stdin=io.StringIO("550 " + "x" * 100_000))
    assert len(out.getvalue()) < 2_000
    assert "only the first" in capsys.readouterr().err


def test_input_within_the_bound_is_read_whole(small_bound: int, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    explain_command.main(["explain", "-"], out=out, stdin=io.StringIO(LINE * 3))
    assert "3 replies and status codes explained" in out.getvalue()
    assert capsys.readouterr().err == ""
