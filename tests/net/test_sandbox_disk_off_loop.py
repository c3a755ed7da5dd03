"""The Maildir's disk work runs off the event loop: while one client's message waits on its fsync, another client
is answered at once; and the first hears 250 only once the fsync is done."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpshell.net import maildir as maildir_module
from smtpshell.net.sandbox import SandboxThread
from tests.net.wire import WireClient


class StalledDisk:
    """os.fsync that holds the first call (the message file's) until released; the others pass."""

    def __init__(self, real: Callable[[int], None]) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.release.wait(timeout=30), "never released"
        self.real(fd)


def test_a_slow_fsync_holds_back_only_its_own_250(
    tmp_path: Path, smtpshell_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = StalledDisk(os.fsync)
    monkeypatch.setattr(maildir_module.os, "fsync", disk)
    maildir = tmp_path / "Maildir"
    with SandboxThread(maildir=maildir, data_dir=smtpshell_home) as sandbox:
        sender, other = WireClient(sandbox.port), WireClient(sandbox.port, timeout=5)
        try:
            sender.reply()
            other.reply()
            for line in ("EHLO a.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA"):
                sender.command(line)
            sender.send(b"Subject: slow disk\r\n\r\nx\r\n.\r\n")
            assert disk.entered.wait(timeout=10)  # the message is being synced now, and stays so
            try:
                assert other.command("NOOP")[0] == 250  # the loop is free: answered while the fsync waits
                assert list((maildir / "new").iterdir()) == []  # and the message is not delivered yet
            finally:
                disk.release.set()
            code, lines = sender.reply()
            assert code == 250 and "queued as" in lines[0]
            [path] = (maildir / "new").iterdir()  # on disk, renamed and synced, by the time of the 250
            assert path.read_bytes().endswith(b"Subject: slow disk\n\nx\n")
            assert disk.calls >= 2  # the file, then its directory
            assert sender.command("NOOP")[0] == 250  # the session goes on after the delivery
        finally:
            disk.release.set()
            sender.close()
            other.close()
