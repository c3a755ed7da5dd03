"""Delivery on a class server: one copy per recipient, each into that mailbox's own folder.

Rule (RFC 5321 §4.4, as a final-delivery MTA does): each copy starts with ``Delivered-To:`` its recipient, and its
``Received:`` line names that one recipient (``for <…>``); the copy's envelope lists only its own recipient, so a
Bcc stays hidden from the others. Every copy is written before the 250, or the client hears 451 and nothing is
reported delivered. A mailing list delivers to each member; an address in another domain (relayed after AUTH)
stays in the top Maildir, as on the plain sandbox.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from pathlib import Path

from smtpshell.net.maildir import prepare_maildir, write_to_maildir
from smtpshell.net.mailstore import MailStore
from smtpshell.proto.events import Message
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.server import DeliveryError

KEEP_PER_MAILBOX = 500  # in memory; the Maildir keeps every one
MAILDIR_PARTS = frozenset({"tmp", "new", "cur"})  # a mailbox of these names would be the top Maildir's own folder


def with_recipient(message: Message, recipient: str) -> Message:
    """The copy of ``message`` for one recipient: Delivered-To first, ``for <…>`` in Received, its envelope only."""
    content = message.content
    if len(message.envelope.recipients) != 1:
        content = _add_for_clause(content, message.queue_id, recipient)
    delivered_to = f"Delivered-To: {recipient}\r\n".encode("utf-8", "surrogateescape")
    envelope = dataclasses.replace(message.envelope, recipients=(recipient,))
    return dataclasses.replace(message, envelope=envelope, content=delivered_to + content)


def _add_for_clause(content: bytes, queue_id: str, recipient: str) -> bytes:
    # Our own Received line reads "… id QUEUEID;\r\n\tDATE": the clause goes after the id (RFC 5321 §4.4).
    marker = f" id {queue_id};".encode()
    at = content.find(marker)
    header_end = content.find(b"\r\n\r\n")
    if at < 0 or (header_end >= 0 and at > header_end):
        return content
    at += len(marker) - 1
    clause = f"\r\n\tfor <{recipient}>".encode("utf-8", "surrogateescape")
    return content[:at] + clause + content[at:]


class ClassMailStore(MailStore):
    """The sandbox's store, plus a mailbox (and a Maildir folder ``MAILDIR/NAME``) per local recipient."""

    def __init__(self, policy: SandboxPolicy, maildir: Path | None = None) -> None:
        super().__init__(None)
        self.maildir = maildir
        self._policy = policy
        self._boxes: dict[str, deque[Message]] = {}
        self._sent: dict[str, deque[Message]] = {}
        self._box_lock = threading.Lock()
        self.copies = 0  # copies delivered since the start
        if maildir is not None:
            prepare_maildir(maildir)  # the top folder: mail relayed to other domains
            for name in policy.mailboxes:
                prepare_maildir(maildir / name)

    def folder(self, name: str) -> Path | None:
        return self.maildir / name if self.maildir is not None else None

    def add(self, message: Message) -> None:
        self.deliver(message, None)

    def deliver(self, message: Message, sender_student: str | None) -> None:
        """Store one copy per recipient (DeliveryError when any cannot be written); note who sent it."""
        copies = [(box, with_recipient(message, address)) for box, address in self._targets(message)]
        if self.maildir is not None:
            for box, copy in copies:
                folder = self.maildir if box is None else self.maildir / box
                try:
                    if box is not None and box not in MAILDIR_PARTS:
                        prepare_maildir(folder)  # a mailbox added while the class runs
                    write_to_maildir(folder, copy)
                except OSError as error:
                    recipient = copy.envelope.recipients[0]
                    raise DeliveryError(f"could not write the copy for {recipient}: {error}") from None
        with self._lock:
            self._messages.append(message)
            self.accepted += 1
        with self._box_lock:
            for box, copy in copies:
                if box is not None:
                    self._boxes.setdefault(box, deque(maxlen=KEEP_PER_MAILBOX)).append(copy)
            self.copies += len(copies)
            if sender_student is not None:
                self._sent.setdefault(sender_student, deque(maxlen=KEEP_PER_MAILBOX)).append(message)

    def _targets(self, message: Message) -> list[tuple[str | None, str]]:
        """(mailbox name or None for the top folder, the address it was delivered to), each mailbox once."""
        policy = self._policy
        targets: list[tuple[str | None, str]] = []
        seen: set[str] = set()
        for address in message.envelope.recipients:
            local, at, domain = address.rpartition("@")
            if not at:
                local, domain = address, policy.domains[0]  # RCPT TO:<postmaster> (RFC 5321 §4.1.1.3)
            key = local.lower()
            if not policy.is_local_domain(domain):
                targets.append((None, address))
                continue
            members = policy.lists.get(key, (key,))
            for member in members:
                if member not in seen:
                    seen.add(member)
                    shown = address if member == key else f"{member}@{domain.lower()}"
                    targets.append((member, shown))
        return targets

    def mailbox(self, name: str) -> list[Message]:
        """The copies delivered to mailbox ``name``, oldest first."""
        with self._box_lock:
            return list(self._boxes.get(name, ()))

    def sent_by(self, student: str) -> list[Message]:
        """The messages sent in sessions that belonged to ``student``, oldest first."""
        with self._box_lock:
            return list(self._sent.get(student, ()))
