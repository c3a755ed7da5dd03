"""The mailbox and the Maildir writer: tmp -> fsync -> rename into new, a clean failure, thread safety."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from smtpshell.net.maildir import maildir_content, prepare_maildir, write_to_maildir
from smtpshell.net.mailstore import MailStore
from smtpshell.proto.events import Envelope, Message
from smtpshell.proto.server import DeliveryError


def message(body: bytes = b"Subject: hello\r\n\r\nline one\r\n.line with a dot\r\n", queue_id: str = "Q1") -> Message:
    return Message(
        queue_id=queue_id,
        envelope=Envelope("alice@sandbox.test", ("bob@sandbox.test",)),
        content=b"Return-Path: <alice@sandbox.test>\r\nReceived: from client ([127.0.0.1])\r\n" + body,
        helo="client.example",
        peer="127.0.0.1",
        tls=False,
        authenticated_as=None,
        received_at=1_700_000_000.0,
        protocol="ESMTP",
    )


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    path = tmp_path / "Maildir"
    prepare_maildir(path)
    return path


def test_a_delivered_message_is_a_whole_file_in_new_and_nothing_is_left_in_tmp(maildir: Path) -> None:
    path = write_to_maildir(maildir, message())
    assert path.parent == maildir / "new"
    assert path.read_bytes() == (
        b"Return-Path: <alice@sandbox.test>\nReceived: from client ([127.0.0.1])\n"
        b"Subject: hello\n\nline one\n.line with a dot\n"
    )
    assert list((maildir / "tmp").iterdir()) == []
    assert (maildir / "cur").is_dir()


def test_the_file_is_private_to_its_owner(maildir: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    path = write_to_maildir(maildir, message())
    assert path.stat().st_mode & 0o077 == 0


def test_each_delivery_gets_its_own_name(maildir: Path) -> None:
    paths = {write_to_maildir(maildir, message(queue_id=str(i))) for i in range(50)}
    assert len(paths) == 50
    assert len(list((maildir / "new").iterdir())) == 50


def test_maildir_lines_end_in_lf_only(tmp_path: Path) -> None:
    assert b"\r" not in maildir_content(message(b"a\r\nb\r\n"))


def test_a_failed_write_raises_delivery_error_keeps_nothing_and_leaves_tmp_clean(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    store = MailStore(maildir)
    (maildir / "new").rmdir()
    (maildir / "new").write_text("not a directory")  # the rename into new/ must fail
    with pytest.raises(DeliveryError, match="Maildir"):
        store.add(message())
    assert store.messages() == []
    assert list((maildir / "tmp").iterdir()) == []


def test_a_maildir_that_cannot_be_made_is_refused_at_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        MailStore(blocker / "Maildir")


def test_the_store_keeps_messages_in_order_and_hands_out_copies(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "Maildir")
    store.add(message(queue_id="A"))
    store.add(message(queue_id="B"))
    snapshot = store.messages()
    snapshot.clear()
    assert [m.queue_id for m in store.messages()] == ["A", "B"]
    assert len(list((tmp_path / "Maildir" / "new").iterdir())) == 2
    store.clear()
    assert len(store) == 0


def test_adding_from_many_threads_loses_nothing() -> None:
    store = MailStore()
    start = threading.Barrier(8)

    def add_many(worker: int) -> None:
        start.wait()
        for i in range(200):
            store.add(message(queue_id=f"{worker}-{i}"))

    threads = [threading.Thread(target=add_many, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({m.queue_id for m in store.messages()}) == 1600


def test_memory_keeps_the_newest_messages_and_counts_them_all() -> None:
    store = MailStore(keep=3)
    for queue_id in "ABCDE":
        store.add(message(queue_id=queue_id))
    assert [m.queue_id for m in store.messages()] == ["C", "D", "E"]
    assert store.accepted == 5 and len(store) == 3
