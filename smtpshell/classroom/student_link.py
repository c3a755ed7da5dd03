"""The student's shell and the class channel: the server's reasons, the student's mailbox and their own session.

Rule: the link wakes only when a server's greeting names a class channel (``class channel URL``); against any
other server it does nothing and costs nothing (aiohttp is imported only then). The class server logs a reply
before it writes it, so once the shell has read a reply one request finds its reason — no waiting, no guessing.
A channel that stops answering (the class server restarted) becomes one notice, and the shell goes on without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smtpshell.proto.replies import Reply

# Needed only once a channel answers: a script to any other server does not pay for their import.
if TYPE_CHECKING:
    from smtpshell.net.server_log import LogEntry, SessionClosed, SessionOpened
    from smtpshell.proto.events import CommandReceived, Message, SendReply

CHANNEL_NOTE = re.compile(r"^class channel (http://\S+?)/? \(smtpshell class server\)$")
REQUEST_TIMEOUT = 5.0


class ChannelProblem(Exception):
    """The channel did not answer as expected; the message says what a student can do."""


def channel_url(reply: Reply) -> str | None:
    """The channel a class server's greeting names in its last line, if it names one."""
    if reply.code != 220:
        return None
    match = CHANNEL_NOTE.match(reply.lines[-1].strip())
    return match[1] if match else None


class ClassLink:
    """Plugs into the shell engine (``engine.class_link``); see the engine's use of it."""

    def __init__(self, student: str | None = None, password: str | None = None) -> None:
        self.student = student
        self._password = password
        self.url: str | None = None
        self.active = False
        self.problem: str | None = None  # why the channel is not used, said once
        self._http: Any = None  # aiohttp.ClientSession, made when a channel is found
        self._student_token: str | None = None
        self._session_token: str | None = None
        self.session: int | None = None
        self._events: list[dict[str, Any]] = []
        self._messages: list[Message] = []
        self.on_problem: Callable[[str], None] | None = None
        self._tasks: set[Any] = set()  # progress reports under way

    # ---- what the engine calls ------------------------------------------------------------------------

    async def reply_read(self, local_address: str, index: int, reply: Reply) -> None:
        """A reply was read on the SMTP connection; the first one (the greeting) may name a channel."""
        if index == 0:
            await self._reset()
            url = channel_url(reply)
            if url is None:
                return
            self.url = url
            try:
                await self._join(local_address)
            except ChannelProblem as problem:
                self._fail(str(problem))
                return
        if self.active:
            try:
                await self._catch_up(index)
                if reply.code == 250 and "queued as" in reply.text:
                    await self._fetch_mailbox()  # a lesson checks what was delivered right after the 250
            except ChannelProblem as problem:
                self._fail(str(problem))

    def reason(self, index: int, reply: Reply) -> str | None:
        replies = [event for event in self._events if event.get("kind") == "reply"]
        if index < len(replies) and replies[index].get("code") == reply.code:
            reason = replies[index].get("reason")
            return str(reason) if reason is not None else None
        return None

    async def refresh(self) -> None:
        """Fetch this session's events and the student's mailbox again (for /server and /mailbox)."""
        if not self.active:
            return
        try:
            await self._catch_up(None)
            await self._fetch_mailbox()
        except ChannelProblem as problem:
            self._fail(str(problem))

    async def _fetch_mailbox(self) -> None:
        if self._student_token is None or self.student is None:
            return
        body = await self._get(f"/api/mailbox/{self.student}", self._student_token)
        # What the student sent and what they received, oldest first, as the sandbox's mailbox holds both.
        messages = [_message(item) for item in [*body.get("sent", []), *body.get("mailbox", [])]]
        unique = {(m.queue_id, m.envelope.recipients): m for m in messages}
        self._messages = sorted(unique.values(), key=lambda m: m.received_at)

    def mailbox(self) -> list[Message]:
        return list(self._messages)

    async def set_lesson_faults(self, rules: list[Any]) -> str | None:
        """Send a lesson's faults (for this student alone); None when done, else why they could not be."""
        from smtpshell.classroom.faults import rule_to_json

        if not self.active or self._student_token is None:
            return "the lesson's faults need the class channel and a student login (connect with --student NAME)"
        try:
            await self._request(
                "PUT", "/api/lesson-faults", self._student_token, {"faults": [rule_to_json(r) for r in rules]}
            )
        except ChannelProblem as problem:
            return str(problem)
        return None

    def lesson_progress(self, lesson: str, step: int, steps: int, done: bool) -> None:
        """Tell the teacher how far this student got (in the background; a lost report is only a report)."""
        if not self.active or self._student_token is None:
            return
        import asyncio

        body = {"lesson": lesson, "step": step, "steps": steps, "done": done}
        task = asyncio.get_running_loop().create_task(self.report_progress(body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def server_log(self) -> list[LogEntry]:
        from smtpshell.net.server_log import LogEntry

        entries: list[LogEntry] = []
        for event in self._events:
            item = _log_item(event)
            if item is not None:
                entries.append(LogEntry(int(event["session"]), str(event["peer"]), float(event["at"]), item))
        return entries

    async def report_progress(self, progress: dict[str, object]) -> None:
        if self.active and self._student_token is not None:
            try:
                await self._request("POST", "/api/progress", self._student_token, progress)
            except ChannelProblem as problem:
                self._fail(str(problem))

    async def settle(self) -> None:
        """Wait for the progress reports under way (each bounded by the request timeout)."""
        import asyncio

        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        await self._reset()

    # ---- the channel ----------------------------------------------------------------------------------

    async def _reset(self) -> None:
        self.active = False
        self.session = None
        self._session_token = None
        self._events = []
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()

    async def _join(self, local_address: str) -> None:
        import aiohttp

        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        if self.student is not None and self._student_token is None:
            login = {"student": self.student, "password": self._password}
            try:
                self._student_token = str((await self._request("POST", "/api/login", None, login))["token"])
            except ChannelProblem as problem:
                # The reasons of this session need no login: go on without the mailbox, and say why once.
                self._fail(f"logging in as {self.student} failed, so /mailbox is not available: {problem}")
        claim = await self._request("POST", "/api/claim", self._student_token, {"peer": local_address})
        self.session = int(claim["session"])
        self._session_token = str(claim["token"])
        self.active = True

    async def _catch_up(self, index: int | None) -> None:
        """Fetch the session's new events (once: the server logged the reply before sending it)."""
        if index is not None and sum(1 for e in self._events if e.get("kind") == "reply") > index:
            return
        after = self._events[-1]["seq"] if self._events else 0
        body = await self._get(f"/api/sessions/{self.session}?after={after}", self._session_token)
        self._events += list(body.get("events", []))

    async def _get(self, path: str, token: str | None) -> dict[str, Any]:
        return await self._request("GET", path, token, None)

    async def _request(self, method: str, path: str, token: str | None, body: object) -> dict[str, Any]:
        import aiohttp

        if self._http is None or self.url is None:
            raise ChannelProblem("the class channel is not connected")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with self._http.request(method, self.url + path, json=body, headers=headers) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = {}
                if response.status != 200:
                    said = answer.get("error") if isinstance(answer, dict) else None
                    raise ChannelProblem(f"the class channel said {response.status}: {said or response.reason}")
                if not isinstance(answer, dict):
                    raise ChannelProblem("the class channel answered something other than a JSON object")
                return answer
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ChannelProblem(
                f"the class channel {self.url} does not answer ({type(error).__name__}); was the class server "
                "restarted? Reconnect with /connect to pick it up again"
            ) from None

    def _fail(self, why: str) -> None:
        self.active = False
        if why != self.problem:
            self.problem = why
            if self.on_problem is not None:
                self.on_problem(why)


def _log_item(event: dict[str, Any]) -> SendReply | CommandReceived | SessionOpened | SessionClosed | None:
    from smtpshell.net.server_log import SessionClosed, SessionOpened
    from smtpshell.proto.events import CommandReceived, SendReply

    kind = event.get("kind")
    if kind == "command":
        return CommandReceived(str(event["line"]))
    if kind == "reply":
        lines = str(event["line"]).split("\n")
        code = int(event["code"])
        texts = [line[4:] for line in lines]
        return SendReply(Reply(code, tuple(texts)), str(event.get("reason") or ""))
    if kind == "open":
        return SessionOpened("implicit TLS" in str(event["line"]))
    if kind == "close":
        return SessionClosed(0, 0, str(event["line"]).removeprefix("closed: "))
    return None


def _message(item: dict[str, Any]) -> Message:
    from smtpshell.proto.events import Envelope, Message

    envelope = Envelope(str(item["sender"]), tuple(str(r) for r in item["recipients"]))
    return Message(
        str(item["queue_id"]),
        envelope,
        str(item["content"]).encode("utf-8", "surrogateescape"),
        str(item["helo"]),
        str(item["peer"]),
        bool(item["tls"]),
        item.get("authenticated_as"),
        float(item["received_at"]),
        str(item["protocol"]),
    )


PASSWORD_VARIABLE = "SMTPSHELL_CLASS_PASSWORD"


def ask_password(student: str) -> str | None:
    """The student's password: from SMTPSHELL_CLASS_PASSWORD, or asked on the terminal; None (said why) if neither."""
    import getpass
    import os
    import sys

    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        print(f"smtpshell: --student {student} needs a password: set {PASSWORD_VARIABLE}", file=sys.stderr)
        return None
    try:
        return getpass.getpass(f"password of {student} (your SMTP login on the class server): ")
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return None


def attach_class_link(engine: Any, student: str | None, password: str | None) -> ClassLink:
    """Give the shell engine a link that wakes when a server's greeting names a class channel."""
    link = ClassLink(student, password)

    def tell(why: str) -> None:
        engine.notice("warning", "The class channel is not used.", why)

    link.on_problem = tell
    engine.class_link = link
    return link
