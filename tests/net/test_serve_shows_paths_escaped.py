"""`smtpshell serve` writes a Maildir path, a user name or a fault given on its command line with their control
characters escaped, in its start-up banner and in its errors: a path is the user's text, but a terminal must not
obey an ESC inside it (a directory made by someone else can be named anything)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.cli import main
from smtpshell.net.sandbox import Sandbox
from smtpshell.net.serve_command import describe
from smtpshell.proto.policy import SandboxPolicy

HOSTILE = "m\x1b]0;pwned\x07dir\x9b2J"
RAW = ("\x1b", "\x07", "\x9b")


def test_a_maildir_path_that_cannot_be_used_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["serve", "--port", "0", "--maildir", str(blocker / HOSTILE)]) == 2
    err = capsys.readouterr().err
    assert "cannot use" in err and "\\x1b]0;pwned\\x07dir\\x9b2J" in err
    assert not [char for char in RAW if char in err]


def test_the_banner_shows_the_maildir_and_users_escaped(tmp_path: Path, smtpshell_home: Path) -> None:
    policy = SandboxPolicy(users={"al\x1b[2Jice": "pw"})
    sandbox = Sandbox(policy, maildir=tmp_path / HOSTILE, data_dir=smtpshell_home)
    banner = "\n".join(describe(sandbox))
    assert "\\x1b]0;pwned\\x07dir\\x9b2J" in banner and "al\\x1b[2Jice" in banner
    assert not [char for char in RAW if char in banner]
