"""The channel beside SMTP: HTTP/JSON and a WebSocket feed for the students' shells and the teacher's dashboard.

Rule: every route but the discovery one needs a token (``Authorization: Bearer TOKEN``, or ``?token=`` where a
header cannot be set). The teacher's token reads everyone and changes faults; a student's token (from
``POST /api/login`` with their SMTP login) reads only their own sessions and mailbox — anything else is 403; a
session token (from ``POST /api/claim``, for the shell's own connection) reads that one session. The routes and
JSON shapes are documented in docs/class-channel.md; the SMTP port itself stays plain SMTP.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from smtpshell.classroom.faults import MAX_LESSON_RULES, parse_specs, rule_from_json
from smtpshell.classroom.feed import ClassFeed, FeedEvent, printable
from smtpshell.classroom.server import ClassSandbox
from smtpshell.proto.events import Message
from smtpshell.proto.faults import FaultError
from smtpshell.proto.grammar import is_ascii_digits

API_VERSION = 1
FEED_QUEUE = 20_000  # events a slow WebSocket reader may fall behind by before it is dropped (it can reconnect)
MAX_BODY = 64 * 1024
MAX_FEEDS = 300  # live WebSocket feeds at once: every event is handed to each of them
MAX_TOKENS = 20_000  # students' and sessions' tokens kept; a whole day of a class uses far fewer
SHOWN_CONTENT = 256 * 1024  # of a message's content in a mailbox listing


@dataclass(frozen=True)
class Access:
    role: str  # "teacher", "student" or "session"
    student: str | None = None
    session: int | None = None

    def may_read_student(self, name: str) -> bool:
        return self.role == "teacher" or (self.role == "student" and self.student == name)

    def may_read_session(self, session: int, owner: str | None) -> bool:
        if self.role == "teacher":
            return True
        if self.role == "session":
            return self.session == session
        return owner is not None and owner == self.student


def message_json(message: Message) -> dict[str, object]:
    content = message.content[:SHOWN_CONTENT].decode("utf-8", "replace")
    return {
        "queue_id": message.queue_id,
        "sender": message.envelope.sender,
        "recipients": list(message.envelope.recipients),
        "received_at": message.received_at,
        "helo": message.helo,
        "peer": message.peer,
        "tls": message.tls,
        "authenticated_as": message.authenticated_as,
        "protocol": message.protocol,
        "size": len(message.content),
        "content": content,
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class ClassChannel:
    """The HTTP/WebSocket server; it runs on the class server's event loop, so it reads its state directly."""

    def __init__(
        self,
        sandbox: ClassSandbox,
        feed: ClassFeed,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        teacher_token: str | None = None,
        public_host: str | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.feed = feed
        self.host = host
        self.port = port
        self.public_host = public_host
        self.teacher_token = teacher_token or secrets.token_urlsafe(18)
        self._tokens: OrderedDict[str, Access] = OrderedDict()
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.certificate_file: Path | None = None  # the SMTP server's certificate, for students to trust

    @property
    def url(self) -> str:
        host = self.public_host or self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
            ("GET", "/api", self._discover),
            ("GET", "/api/certificate", self._certificate),
            ("POST", "/api/login", self._login),
            ("POST", "/api/claim", self._claim),
            ("GET", "/api/me", self._me),
            ("GET", "/api/students", self._students),
            ("GET", "/api/sessions", self._sessions),
            ("GET", "/api/sessions/{session}", self._session),
            ("GET", "/api/mailbox/{student}", self._mailbox),
            ("GET", "/api/faults", self._faults),
            ("PUT", "/api/faults", self._set_faults),
            ("PUT", "/api/faults/{student}", self._set_faults),
            ("PUT", "/api/lesson-faults", self._set_lesson_faults),
            ("POST", "/api/progress", self._progress),
            ("GET", "/api/feed", self._websocket),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        for address in self._runner.addresses:
            self.port = int(address[1])
            break

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close(message=b"the class server is stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- tokens ---------------------------------------------------------------------------------------

    def _access(self, request: web.Request) -> Access | None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else request.query.get("token", "")
        if not token:
            return None
        if hmac.compare_digest(token, self.teacher_token):
            return Access("teacher")
        return self._tokens.get(token)

    def _require(self, request: web.Request) -> Access | web.Response:
        access = self._access(request)
        if access is None:
            said = "Authorization" in request.headers or "token" in request.query
            why = (
                "unknown token (the class server may have restarted: log in again)"
                if said
                else "no token: send 'Authorization: Bearer TOKEN' (POST /api/login gives a student one)"
            )
            return _error(401, why)
        return access

    def student_token(self, name: str) -> str:
        return self._new_token(Access("student", student=name))

    def _new_token(self, access: Access) -> str:
        """A fresh token; the oldest are forgotten beyond MAX_TOKENS, so logging in in a loop cannot fill memory."""
        token = secrets.token_urlsafe(18)
        self._tokens[token] = access
        while len(self._tokens) > MAX_TOKENS:
            self._tokens.popitem(last=False)
        return token

    async def _json_body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError, web.HTTPException):
            return _error(400, "the body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        return body

    # ---- routes ---------------------------------------------------------------------------------------

    async def _discover(self, request: web.Request) -> web.Response:
        policy = self.sandbox.policy
        return web.json_response(
            {
                "server": "smtpshell class server",
                "api": API_VERSION,
                "hostname": policy.hostname,
                "domain": policy.domains[0],
                "smtp_port": self.sandbox.port,
                "students": len(self.sandbox.roster),
            }
        )

    async def _certificate(self, request: web.Request) -> web.Response:
        """The SMTP server's own certificate (public), so a student on another machine can pass it to --cafile."""
        if self.certificate_file is None:
            return _error(404, "this class server has no certificate of its own")
        try:
            pem = self.certificate_file.read_bytes()
        except OSError as error:
            return _error(404, f"the certificate cannot be read: {error.strerror or error}")
        return web.Response(body=pem, content_type="application/x-pem-file")

    async def _login(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        name, password = str(body.get("student", "")).lower(), str(body.get("password", ""))
        student = self.sandbox.roster.find(name)
        if student is None or not hmac.compare_digest(student.password.encode(), password.encode()):
            return _error(401, "unknown student or wrong password (the same login as for SMTP AUTH)")
        return web.json_response({"token": self.student_token(student.name), "student": student.name})

    async def _claim(self, request: web.Request) -> web.Response:
        """The shell says which SMTP session is its own (by its own address); it gets that session's reasons."""
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        access = self._access(request)
        peer = str(body.get("peer", ""))
        found = next((s for s in self.sandbox.sessions.values() if _peer_of(self.feed, s.id) == peer), None)
        if found is None:
            return _error(404, f"no open SMTP session from {printable(peer, 60)} on this class server")
        remote = request.remote or ""
        teacher = access is not None and access.role == "teacher"
        if not teacher:
            if found.peer_host != remote:
                return _error(403, "a session can only be claimed from the address it came from")
            if found.claimed:
                return _error(403, "that session was claimed already, by the shell that opened it")
            owner = found.student
            mine = access.student if access is not None and access.role == "student" else None
            if owner is not None and owner != mine:
                return _error(403, "that session belongs to another student")
            if mine is not None:
                found.claimed_by = mine
            found.claimed = True
        token = self._new_token(Access("session", session=found.id))
        return web.json_response({"session": found.id, "token": token, "student": found.student})

    async def _me(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        return web.json_response({"role": access.role, "student": access.student, "session": access.session})

    async def _students(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        if access.role == "session":
            return _error(403, "a session token reads its own session only")
        domain = self.sandbox.policy.domains[0]
        rows = []
        for student in self.sandbox.roster.students:
            if not access.may_read_student(student.name):
                continue
            sessions = self.feed.sessions_of(student.name)
            rows.append(
                {
                    "student": student.name,
                    "address": student.address(domain),
                    "sessions": len(sessions),
                    "open": sum(1 for s in sessions if s.state == "open"),
                    "messages_sent": sum(s.messages for s in sessions),
                    "mailbox": len(self.sandbox.class_store.mailbox(student.name)),
                    "faults": self.sandbox.faults.describe_student(student.name),
                    "progress": self.feed.progress.get(student.name),
                }
            )
        return web.json_response({"students": rows})

    async def _sessions(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        wanted = request.query.get("student")
        if access.role == "session":
            rows = [s for s in self.feed.sessions.values() if s.session == access.session]
        elif access.role == "student":
            if wanted is not None and wanted != access.student:
                return _error(403, f"a student reads only their own sessions, not {printable(wanted, 40)}'s")
            rows = self.feed.sessions_of(access.student)
        else:
            rows = self.feed.sessions_of(wanted)
        return web.json_response({"sessions": [row.to_json() for row in rows]})

    async def _session(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        text = request.match_info["session"]
        summary = self.feed.sessions.get(int(text)) if is_ascii_digits(text) else None
        if summary is None:
            return _error(404, f"no session {printable(text, 20)} (sessions are numbered from 1; old ones are dropped)")
        if not access.may_read_session(summary.session, summary.student):
            return _error(403, "this session is not yours")
        after = request.query.get("after", "0")
        since = int(after) if is_ascii_digits(after) else 0
        events = [event.to_json() for event in summary.events if event.seq > since]
        return web.json_response({**summary.to_json(), "events": events})

    async def _mailbox(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        name = request.match_info["student"].lower()
        if self.sandbox.roster.find(name) is None and name not in self.sandbox.policy.mailboxes:
            if access.role != "teacher":
                return _error(403, "a student reads only their own mailbox")
            return _error(404, f"no student or mailbox {printable(name, 40)!r} on this class server")
        if not access.may_read_student(name):
            return _error(403, "a student reads only their own mailbox")
        store = self.sandbox.class_store
        return web.json_response(
            {
                "student": name,
                "mailbox": [message_json(m) for m in store.mailbox(name)],
                "sent": [message_json(m) for m in store.sent_by(name)],
            }
        )

    async def _faults(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        described = self.sandbox.faults.describe()
        if access.role != "teacher":
            students = described["students"]
            assert isinstance(students, dict)
            own = students.get(access.student or "", [])
            described = {**described, "students": {access.student: own} if access.student else {}}
        return web.json_response(described)

    async def _set_faults(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        if access.role != "teacher":
            return _error(403, "only the teacher changes faults")
        name = request.match_info.get("student")
        if name is not None and self.sandbox.roster.find(name) is None:
            return _error(404, f"no student {printable(name, 40)!r} on this class server")
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        specs = body.get("faults")
        if not isinstance(specs, list) or not all(isinstance(spec, str) for spec in specs):
            return _error(400, 'send {"faults": ["greylist", "mailbox-full:bob@*", ...]} (an empty list clears)')
        try:
            rules = parse_specs(specs)
        except FaultError as error:
            return _error(400, str(error))
        self.sandbox.faults.set_rules(name.lower() if name else None, rules)
        return web.json_response(self.sandbox.faults.describe())

    async def _set_lesson_faults(self, request: web.Request) -> web.Response:
        """A student's shell runs a lesson here: the lesson's faults, for that student alone."""
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        if access.role != "student" or access.student is None:
            return _error(403, "lesson faults come from a student's token")
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        entries = body.get("faults")
        if not isinstance(entries, list) or len(entries) > MAX_LESSON_RULES:
            return _error(400, f'send {{"faults": [RULE, …]}} with at most {MAX_LESSON_RULES} rules')
        try:
            rules = [rule_from_json(entry) for entry in entries]
        except FaultError as error:
            return _error(400, str(error))
        self.sandbox.faults.set_lesson_rules(access.student, rules)
        described = self.sandbox.faults.describe_student(access.student)
        return web.json_response({"student": access.student, "faults": described})

    async def _progress(self, request: web.Request) -> web.Response:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        if access.role != "student" or access.student is None:
            return _error(403, "lesson progress comes from a student's token")
        body = await self._json_body(request)
        if isinstance(body, web.Response):
            return body
        progress: dict[str, object] = {key: body[key] for key in ("lesson", "step", "steps", "done") if key in body}
        self.feed.report_progress(access.student, progress)
        return web.json_response({"ok": True})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        access = self._require(request)
        if isinstance(access, web.Response):
            return access
        if len(self._sockets) >= MAX_FEEDS:
            return _error(503, f"the class server already serves {MAX_FEEDS} live feeds; close one and try again")
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        queue: asyncio.Queue[FeedEvent | None] = asyncio.Queue()

        def listener(event: FeedEvent) -> None:
            if event.kind == "progress":
                allowed = access.role == "teacher" or event.student == access.student
            else:
                allowed = access.may_read_session(event.session, event.student)
            if not allowed:
                return
            if queue.qsize() >= FEED_QUEUE:
                queue.put_nowait(None)  # the reader fell too far behind: it is told so and dropped
                stop()
                return
            queue.put_nowait(event)

        stop = self.feed.listen(listener)
        self._sockets.add(socket)
        reader = asyncio.create_task(_drain(socket))
        try:
            await socket.send_json({"type": "hello", "role": access.role, "student": access.student})
            while not socket.closed:
                waiter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if waiter not in done:
                    waiter.cancel()
                    break
                # Everything that piled up meanwhile goes out together: a burst costs one wake-up, not one each.
                batch = [waiter.result()]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                if None in batch:
                    await socket.close(message=b"too slow: reconnect to catch up")
                    break
                events = [event.to_json() for event in batch if event is not None]
                await socket.send_str(json.dumps({"type": "events", "events": events}))
        except (ConnectionError, RuntimeError):
            pass  # the reader went away in the middle of a send
        finally:
            stop()
            reader.cancel()
            self._sockets.discard(socket)
        return socket


async def _drain(socket: web.WebSocketResponse) -> None:
    """Read (and ignore) what the client sends, so a close from its side is noticed."""
    async for message in socket:
        if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            break


def _peer_of(feed: ClassFeed, session: int) -> str | None:
    summary = feed.sessions.get(session)
    return summary.peer if summary is not None else None
