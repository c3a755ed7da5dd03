"""A class on one server: 30 students at once, each delivering to their own folder, one copy per recipient."""

from __future__ import annotations

import asyncio
import mailbox
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from smtpshell.classroom.server import ClassSandbox
from tests.classroom.conftest import MakeClass

STUDENTS = 30


def _message(sender: str, to: list[str], subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message.set_content(f"{subject}\n")
    return message


async def test_thirty_students_at_once_each_deliver_to_their_own_folder(make_class: MakeClass, tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    running = make_class(STUDENTS, maildir=maildir)
    sandbox = running.sandbox
    assert isinstance(sandbox, ClassSandbox)
    roster = sandbox.roster
    everyone_connected = asyncio.Event()
    connected = 0

    async def student(index: int) -> None:
        nonlocal connected
        me = roster.students[index]
        neighbour = roster.students[(index + 1) % STUDENTS]
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=running.port, start_tls=False, timeout=30) as client:
            connected += 1
            if connected == STUDENTS:
                everyone_connected.set()
            await asyncio.wait_for(everyone_connected.wait(), 30)  # all 30 sessions are open at the same time
            await client.login(me.name, me.password)
            mine = me.address("sandbox.test")
            to = [mine, neighbour.address("sandbox.test")]
            await client.send_message(_message(mine, to, f"from {me.name}"), sender=mine, recipients=to)

    await asyncio.gather(*(student(i) for i in range(STUDENTS)))
    for index, me in enumerate(roster.students):
        previous = roster.students[index - 1].name
        box = mailbox.Maildir(maildir / me.name, create=False)
        messages = sorted((m for m in box), key=lambda m: str(m["Subject"]))
        assert sorted(str(m["Subject"]) for m in messages) == sorted({f"from {me.name}", f"from {previous}"})
        for message in messages:
            assert message["Delivered-To"] == f"{me.name}@sandbox.test"
            assert f"for <{me.name}@sandbox.test>" in " ".join(str(message["Received"]).split())
        copies = sandbox.class_store.mailbox(me.name)
        assert [m.envelope.recipients for m in copies] == [(f"{me.name}@sandbox.test",)] * 2
        assert len(sandbox.class_store.sent_by(me.name)) == 1
    assert sandbox.class_store.accepted == STUDENTS and sandbox.class_store.copies == 2 * STUDENTS


async def test_a_list_delivers_a_copy_to_each_member_and_other_mailboxes_stay(
    make_class: MakeClass, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    running = make_class(2, maildir=maildir)
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=running.port, start_tls=False, timeout=30) as client:
        to = ["staff@sandbox.test", "bob@sandbox.test"]
        await client.send_message(_message("x@example.org", to, "to staff"), sender="x@example.org", recipients=to)
    for name in ("alice", "bob", "carol"):
        (only,) = list(mailbox.Maildir(maildir / name, create=False))
        assert only["Delivered-To"] == f"{name}@sandbox.test"  # bob, on the list and named too, gets one copy
    assert not list(mailbox.Maildir(maildir / "dave", create=False))


async def test_a_bounce_for_mail_the_class_server_cannot_deliver_reaches_the_students_own_mailbox(
    make_class: MakeClass, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    running = make_class(1, maildir=maildir)
    sandbox = running.sandbox
    assert isinstance(sandbox, ClassSandbox)
    me = sandbox.roster.students[0]
    mine = me.address("sandbox.test")
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=running.port, start_tls=False, timeout=30) as client:
        await client.login(me.name, me.password)
        to = ["friend@elsewhere.example"]
        await client.send_message(_message(mine, to, "outward"), sender=mine, recipients=to)
    (report,) = list(mailbox.Maildir(maildir / me.name, create=False))
    assert report["Delivered-To"] == mine and report.get_content_type() == "multipart/report"
    assert [m.envelope.recipients for m in sandbox.class_store.mailbox(me.name)] == [(mine,)]
    (relayed,) = list(mailbox.Maildir(maildir, create=False))  # the top folder keeps what went outward
    assert relayed["Subject"] == "outward"
