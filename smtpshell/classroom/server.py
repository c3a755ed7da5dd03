"""The class server: the sandbox with a roster, a mailbox per student and faults per student.

Rule: who a session belongs to is decided, in this order, by the student's shell claiming it over the channel,
by AUTH as a student, by a HELO/EHLO name that is a student's name (``EHLO student03``), or by a MAIL FROM in a
student's mailbox; until then it belongs to no student and only the teacher sees it. The SMTP on the wire is the
sandbox's, unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from smtpshell.classroom.delivery import MAILDIR_PARTS, ClassMailStore
from smtpshell.classroom.faults import ClassFaults, GreylistKey, SessionFaults
from smtpshell.classroom.roster import Roster
from smtpshell.net.connection_limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS
from smtpshell.net.disk_work import DiskWorker
from smtpshell.net.sandbox import Sandbox
from smtpshell.proto.events import Message, Output, SendReply
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.proto.replies import Reply
from smtpshell.proto.server import ServerConnection


class ClassConnection(ServerConnection):
    """The sandbox's machine, its greeting naming the class channel (RFC 5321 §4.2: a reply may span lines)."""

    channel_note: str | None = None

    def start(self) -> list[Output]:
        outputs = super().start()
        if self.channel_note is None:
            return outputs
        named: list[Output] = []
        for item in outputs:
            if isinstance(item, SendReply) and item.reply.code == 220:
                reply = Reply.make(220, [*item.reply.lines, self.channel_note])
                item = SendReply(reply, item.reason + "; its last line names the class channel", item.command)
            named.append(item)
        return named


class ClassSession:
    """What the class server knows of one connection beyond the machine: whose it is."""

    __slots__ = ("claimed", "claimed_by", "conn", "id", "peer_host", "roster")

    def __init__(self, session_id: int, peer_host: str, roster: Roster) -> None:
        self.id = session_id
        self.peer_host = peer_host
        self.roster = roster
        self.conn: ServerConnection | None = None
        self.claimed_by: str | None = None
        self.claimed = False  # a shell took this session's token; nobody else may (but the teacher)

    @property
    def student(self) -> str | None:
        if self.claimed_by is not None:
            return self.claimed_by
        conn = self.conn
        if conn is None:
            return None
        if conn.authenticated and self.roster.find(conn.authenticated) is not None:
            return conn.authenticated.lower()
        if conn.helo:
            name = conn.helo.lower().split(".", 1)[0]
            if self.roster.find(name) is not None:
                return name
        sender = conn.sender
        if sender:
            local, _, domain = sender.rpartition("@")
            if conn.policy.is_local_domain(domain) and self.roster.find(local) is not None:
                return local.lower()
        return None

    def greylist_key(self, kind: GreylistKey) -> str:
        conn = self.conn
        if kind == "helo" and conn is not None and conn.helo:
            return conn.helo
        if kind == "student":
            student = self.student
            if student is not None:
                return student
        return self.peer_host


def class_policy(policy: SandboxPolicy, roster: Roster) -> SandboxPolicy:
    """``policy`` with a mailbox and an AUTH login for every student; the sandbox's own mailboxes stay."""
    for student in roster.students:
        policy.mailboxes[student.name] = f"Student {student.name}"
        policy.users[student.name] = student.password
    return policy


def reserved_names(policy: SandboxPolicy) -> frozenset[str]:
    """Names a student cannot have: the sandbox's mailboxes and lists, and a Maildir's own folders."""
    return frozenset(policy.mailboxes) | frozenset(policy.lists) | MAILDIR_PARTS


def class_per_address_limit(students: int, max_connections: int | None) -> int:
    """Three connections a student from one address, within the global cap and never below the sandbox's own."""
    cap = max_connections or DEFAULT_MAX_CONNECTIONS
    return min(cap, max(DEFAULT_MAX_PER_ADDRESS, 3 * students))


class ClassSandbox(Sandbox):
    """A Sandbox whose every connection sees the class's faults for its student and delivers per recipient."""

    def __init__(
        self,
        policy: SandboxPolicy,
        roster: Roster,
        *,
        faults: ClassFaults | None = None,
        maildir: Path | None = None,
        **options: Any,
    ) -> None:
        # A class often comes through one address (a lab's NAT, or every student on the teacher's machine): the
        # per-address limit that stops one client locking the others out must still let every student in.
        if options.get("max_per_address") is None:
            options["max_per_address"] = class_per_address_limit(len(roster), options.get("max_connections"))
        super().__init__(class_policy(policy, roster), **options)
        self.roster = roster
        self.faults = faults if faults is not None else ClassFaults(list(policy.faults.rules))
        self.class_store = ClassMailStore(self.policy, maildir)
        self.disk = DiskWorker() if maildir is not None else None  # per-student folders, written off the loop
        self.store = self.class_store
        self.sessions: dict[int, ClassSession] = {}  # open ones; the feed keeps what ended
        self.channel_port: int | None = None  # named in the greeting once the channel listens

    def new_connection(self, session_id: int, peer: str, *, tls: bool, local_host: str = "") -> ServerConnection:
        session = ClassSession(session_id, peer, self.roster)
        policy = copy.copy(self.policy)  # shares the mailboxes, users and lists; only the faults are its own
        policy.faults = SessionFaults(
            self.faults, lambda: session.student, session.greylist_key, lambda: _sender(session), session_id
        )
        store = self.class_store

        def deliver(message: Message) -> None:
            store.deliver(message, session.student)
            self.report_undeliverable(message)  # a bounce for what cannot be delivered goes to the sender

        conn = ClassConnection(
            policy,
            deliver,
            deliver_later=self.disk is not None,  # the Maildir's writes and fsyncs run off the event loop
            peer=peer,
            tls=tls,
            clock=self.clock,
            new_id=self.new_id,
        )
        if self.channel_port is not None:
            # The address this client reached us at: the channel is there too, whatever the client's network.
            host = local_host or self.host
            shown = f"[{host}]" if ":" in host else host
            conn.channel_note = f"class channel http://{shown}:{self.channel_port}/ (smtpshell class server)"
        session.conn = conn
        self.sessions[session_id] = session
        return conn

    def forget(self, session_id: int) -> None:
        self.sessions.pop(session_id, None)


def _sender(session: ClassSession) -> str | None:
    return session.conn.sender if session.conn is not None else None
