"""Writing a message into a Maildir so that it survives a crash the moment the server says 250.

Rule (the Maildir protocol): write the file in tmp/, fsync it, rename it into new/, fsync new/. A rename is
atomic, so a reader sees the whole message or none of it; after the directory's fsync the name is on disk too.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from pathlib import Path

from smtpshell.proto.events import Message

SUBDIRECTORIES = ("tmp", "new", "cur")

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def prepare_maildir(path: Path) -> None:
    """Create ``path`` with tmp/, new/ and cur/ when they are missing; OSError when that is impossible."""
    for name in SUBDIRECTORIES:
        (path / name).mkdir(parents=True, exist_ok=True)


def maildir_content(message: Message) -> bytes:
    """The file's bytes: the message as captured (its trace headers included) with LF line ends.

    Mail readers expect local line endings in a Maildir, so CRLF becomes LF, as Python's mailbox module does.
    """
    return message.content.replace(b"\r\n", b"\n")


def unique_name(now: float | None = None) -> str:
    """A file name no other delivery uses: seconds.MmicrosecondsPpidQcounter.host (the usual Maildir form)."""
    now = time.time() if now is None else now
    with _counter_lock:
        count = next(_counter)
    seconds = int(now)
    micros = int((now - seconds) * 1_000_000)
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072") or "localhost"
    return f"{seconds}.M{micros}P{os.getpid()}Q{count}.{host}"


def write_to_maildir(path: Path, message: Message) -> Path:
    """Deliver ``message`` into the Maildir at ``path`` and return the file in new/; OSError on any failure.

    When this returns, the message is durable: its data and its name in new/ were both synced to disk.
    The directories must exist already (``prepare_maildir``); a Maildir removed while in use is an error.
    """
    data = maildir_content(message)
    while True:
        name = unique_name()
        temporary = path / "tmp" / name
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            continue  # another process on this host chose the same name in the same microsecond
        break
    final = path / "new" / name
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, final)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
        raise
    _sync_directory(path / "new")
    return final


def _sync_directory(directory: Path) -> None:
    # POSIX: a rename is only durable once the directory itself is synced. Windows cannot open a directory.
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
