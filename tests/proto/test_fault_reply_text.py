"""A fault's reply text (from a fault file, a lesson's setup or a flag) is one line of printable text: a line break
in it would make the sandbox send a second, forged reply (a 550 followed by a 250 the client never asked for),
and a control character would reach a telnet user's terminal raw. Refused with a clear error instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.cli import main
from smtpshell.proto.faults import FaultError, ReplySpec

BAD = [
    "550 5.7.1 no\r\n250 2.0.0 ok",
    "550 5.7.1 no\n250 ok",
    "550 5.7.1 \x1b]0;pwned\x07",
    "451 4.7.1 a\x00b",
    "550 x\x9b",
]


@pytest.mark.parametrize("text", BAD)
def test_a_fault_reply_with_a_control_character_is_refused(text: str) -> None:
    with pytest.raises(FaultError, match="one line of printable text"):
        ReplySpec.parse(text)


def test_a_fault_reply_with_printable_text_still_works() -> None:
    assert ReplySpec.parse("550 5.7.1 Relay ünd\ttab") == ReplySpec(550, "5.7.1", "Relay ünd\ttab")


def test_serve_refuses_a_fault_file_with_a_forged_second_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text('[[fault]]\ncommand = "MAIL"\nreply = "550 5.7.1 no\\r\\n250 2.1.0 ok"\n', encoding="utf-8")
    assert main(["serve", "--port", "0", "--faults", str(faults)]) == 2
    err = capsys.readouterr().err
    assert "one line of printable text" in err and "\r" not in err
