"""The channel beside SMTP: tokens keep each student to their own sessions and mailbox; the teacher sets faults."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from smtpshell.classroom.running import ClassServerThread
from tests.net.wire import WireClient

ClassServerMaker = Callable[..., ClassServerThread]
TEACHER = {"Authorization": "Bearer teacher-secret"}


def _url(running: ClassServerThread, path: str) -> str:
    return running.server.channel.url.rstrip("/") + path


def _password(running: ClassServerThread, name: str) -> str:
    student = running.server.sandbox.roster.find(name)
    assert student is not None
    return student.password


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


async def _token(http: aiohttp.ClientSession, running: ClassServerThread, name: str) -> dict[str, str]:
    body = {"student": name, "password": _password(running, name)}
    async with http.post(_url(running, "/api/login"), json=body) as response:
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def _get(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> tuple[int, Any]:
    async with http.get(url, headers=headers) as response:
        return response.status, await response.json()


def _send_as(port: int, name: str, password: str, to: str) -> None:
    client = WireClient(port)
    client.reply()
    client.command(f"EHLO {name}.lab")
    token = base64.b64encode(f"\0{name}\0{password}".encode()).decode()
    assert client.command(f"AUTH PLAIN {token}")[0] == 235
    assert client.command(f"MAIL FROM:<{name}@sandbox.test>")[0] == 250
    assert client.command(f"RCPT TO:<{to}>")[0] == 250
    assert client.command("DATA")[0] == 354
    assert client.command(f"Subject: from {name}\r\n\r\nhello\r\n.")[0] == 250
    client.command("QUIT")
    client.close()


async def test_the_greeting_names_the_channel_and_discovery_needs_no_token(
    class_server: ClassServerMaker, http: aiohttp.ClientSession
) -> None:
    running = class_server(2)
    client = WireClient(running.server.sandbox.port)
    code, lines = client.reply()
    client.close()
    assert code == 220 and lines[0].startswith("sandbox.test ESMTP")
    assert lines[-1] == f"class channel {running.server.channel.url} (smtpshell class server)"
    status, body = await _get(http, _url(running, "/api"), {})
    assert status == 200 and body["smtp_port"] == running.server.sandbox.port and body["students"] == 2


async def test_a_student_token_reads_only_that_students_mailbox_and_sessions(
    class_server: ClassServerMaker, http: aiohttp.ClientSession
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    await asyncio.to_thread(_send_as, port, "student01", _password(running, "student01"), "student01@sandbox.test")
    await asyncio.to_thread(_send_as, port, "student02", _password(running, "student02"), "student02@sandbox.test")
    one = await _token(http, running, "student01")

    status, body = await _get(http, _url(running, "/api/mailbox/student01"), one)
    assert status == 200 and [m["recipients"] for m in body["mailbox"]] == [["student01@sandbox.test"]]
    assert "Subject: from student01" in body["mailbox"][0]["content"]
    status, body = await _get(http, _url(running, "/api/mailbox/student02"), one)
    assert status == 403 and "own mailbox" in body["error"]
    status, body = await _get(http, _url(running, "/api/mailbox/alice"), one)
    assert status == 403

    status, body = await _get(http, _url(running, "/api/sessions"), one)
    assert status == 200 and {row["student"] for row in body["sessions"]} == {"student01"}
    status, teacher_view = await _get(http, _url(running, "/api/sessions"), TEACHER)
    theirs = next(row["session"] for row in teacher_view["sessions"] if row["student"] == "student02")
    status, body = await _get(http, _url(running, f"/api/sessions/{theirs}"), one)
    assert status == 403
    status, body = await _get(http, _url(running, "/api/sessions?student=student02"), one)
    assert status == 403
    status, body = await _get(http, _url(running, f"/api/sessions/{theirs}"), TEACHER)
    assert status == 200 and any(e["line"].startswith("AUTH PLAIN ****") for e in body["events"])
    assert all("\0" not in e["line"] and _password(running, "student02") not in e["line"] for e in body["events"])

    assert (await _get(http, _url(running, "/api/mailbox/student02"), {}))[0] == 401
    status, body = await _get(http, _url(running, "/api/mailbox/student02"), {"Authorization": "Bearer stale"})
    assert status == 401 and "restarted" in body["error"]
    async with http.post(_url(running, "/api/login"), json={"student": "student02", "password": "guess"}) as response:
        assert response.status == 401


async def test_only_the_teacher_changes_faults_and_the_next_command_meets_them(
    class_server: ClassServerMaker, http: aiohttp.ClientSession
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    one, two = WireClient(port), WireClient(port)
    for client, name in ((one, "student01"), (two, "student02")):
        client.reply()
        client.command(f"EHLO {name}")
        assert client.command("MAIL FROM:<teacher@example.org>")[0] == 250
    student = await _token(http, running, "student01")
    async with http.put(_url(running, "/api/faults"), json={"faults": ["unknown-user"]}, headers=student) as response:
        assert response.status == 403

    async with http.put(
        _url(running, "/api/faults/student02"), json={"faults": ["mailbox-full"]}, headers=TEACHER
    ) as response:
        assert response.status == 200, await response.text()
    assert one.command("RCPT TO:<bob@sandbox.test>")[0] == 250
    code, lines = two.command("RCPT TO:<bob@sandbox.test>")
    assert (code, lines[0]) == (452, "4.2.2 Mailbox full")

    async with http.put(_url(running, "/api/faults"), json={"faults": ["unknown-user"]}, headers=TEACHER) as response:
        assert response.status == 200
    assert one.command("RCPT TO:<carol@sandbox.test>")[0] == 550
    assert two.command("RCPT TO:<carol@sandbox.test>")[0] == 550  # the class's rule ranks before mailbox-full

    async with http.put(_url(running, "/api/faults"), json={"faults": ["volcano"]}, headers=TEACHER) as response:
        assert response.status == 400 and "unknown fault" in (await response.json())["error"]
    async with http.put(_url(running, "/api/faults/nobody"), json={"faults": []}, headers=TEACHER) as response:
        assert response.status == 404
    one.close()
    two.close()


def _greylist_round(port: int, names: list[str]) -> list[int]:
    """Each student, on their own connection from 127.0.0.1, sends the same sender and recipient."""
    codes = []
    for name in names:
        client = WireClient(port)
        client.reply()
        client.command(f"EHLO {name}")
        client.command("MAIL FROM:<newsletter@example.org>")
        codes.append(client.command("RCPT TO:<postmaster@sandbox.test>")[0])
        client.command("QUIT")
        client.close()
    return codes


@pytest.mark.parametrize(("key", "first_round"), [("helo", [451] * 5), ("address", [451, 250, 250, 250, 250])])
async def test_greylisting_is_met_by_every_student_sharing_one_address(
    class_server: ClassServerMaker, http: aiohttp.ClientSession, key: str, first_round: list[int]
) -> None:
    running = class_server(5, greylist_key=key)
    async with http.put(_url(running, "/api/faults"), json={"faults": ["greylist"]}, headers=TEACHER) as response:
        assert response.status == 200
    names = running.server.sandbox.roster.names()
    port = running.server.sandbox.port
    assert await asyncio.to_thread(_greylist_round, port, names) == first_round
    assert await asyncio.to_thread(_greylist_round, port, names) == [250] * 5


@pytest.mark.parametrize("order", [["greylist", "mailbox-full:carol@*"], ["mailbox-full:carol@*", "greylist"]])
async def test_faults_combine_in_one_order_whatever_order_they_were_given(
    class_server: ClassServerMaker, http: aiohttp.ClientSession, order: list[str]
) -> None:
    running = class_server(1)
    async with http.put(_url(running, "/api/faults"), json={"faults": order}, headers=TEACHER) as response:
        assert response.status == 200
    client = WireClient(running.server.sandbox.port)
    client.reply()
    client.command("EHLO student01")
    client.command("MAIL FROM:<a@example.org>")
    assert client.command("RCPT TO:<carol@sandbox.test>")[0] == 451  # greylisted first
    assert client.command("RCPT TO:<carol@sandbox.test>")[0] == 452  # the retry passes it and meets the full mailbox
    assert client.command("RCPT TO:<bob@sandbox.test>")[0] == 451
    client.close()


async def test_times_counts_per_student(class_server: ClassServerMaker, http: aiohttp.ClientSession) -> None:
    running = class_server(2)
    once = {"faults": ["unknown-user times=1"]}
    async with http.put(_url(running, "/api/faults"), json=once, headers=TEACHER) as response:
        assert response.status == 200
    port = running.server.sandbox.port
    for name in ("student01", "student02"):
        client = WireClient(port)
        client.reply()
        client.command(f"EHLO {name}")
        client.command("MAIL FROM:<a@example.org>")
        assert client.command("RCPT TO:<bob@sandbox.test>")[0] == 550
        assert client.command("RCPT TO:<bob@sandbox.test>")[0] == 250
        client.close()


async def test_the_feed_streams_each_command_live_and_a_student_sees_only_their_own(
    class_server: ClassServerMaker, http: aiohttp.ClientSession
) -> None:
    running = class_server(2)
    student = await _token(http, running, "student01")
    async with (
        http.ws_connect(_url(running, "/api/feed"), headers=TEACHER) as teacher_feed,
        http.ws_connect(_url(running, "/api/feed"), headers=student) as student_feed,
    ):
        assert (await teacher_feed.receive_json(timeout=10))["role"] == "teacher"
        assert (await student_feed.receive_json(timeout=10))["student"] == "student01"
        port = running.server.sandbox.port
        other, mine = WireClient(port), WireClient(port)
        other.reply()
        other.command("EHLO student02")
        mine.reply()
        mine.command("EHLO student01")
        mine.command("NOOP")

        pending: dict[int, list[dict[str, Any]]] = {id(teacher_feed): [], id(student_feed): []}

        async def next_event(feed: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
            queue = pending[id(feed)]
            while not queue:
                frame = await feed.receive_json(timeout=10)
                assert frame["type"] == "events"
                queue += frame["events"]
            return queue.pop(0)

        async def next_matching(feed: aiohttp.ClientWebSocketResponse, line: str) -> dict[str, Any]:
            while True:
                event = await next_event(feed)
                if event.get("line") == line:
                    return event

        seen = await next_matching(teacher_feed, "EHLO student02")
        assert seen["kind"] == "command" and seen["peer"] == other.local_address
        noop_reply = await next_matching(student_feed, "250 2.0.0 Ok")
        assert noop_reply["reason"].startswith("NOOP does nothing") and noop_reply["student"] == "student01"
        received = []
        mine.command("QUIT")
        while True:
            event = await next_event(student_feed)
            received.append(event)
            if event["kind"] == "close":
                break
        assert all(e["student"] == "student01" for e in received)
        other.close()
        mine.close()


async def test_a_session_is_claimed_once_and_never_across_students(
    class_server: ClassServerMaker, http: aiohttp.ClientSession
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    theirs = WireClient(port)
    theirs.reply()
    theirs.command("EHLO student02")  # student02's session now
    one = await _token(http, running, "student01")
    claim = {"peer": theirs.local_address}
    async with http.post(_url(running, "/api/claim"), json=claim, headers=one) as response:
        assert response.status == 403 and "another student" in (await response.json())["error"]
    async with http.post(_url(running, "/api/claim"), json=claim) as response:
        assert response.status == 403  # nor without a token

    fresh = WireClient(port)
    fresh.reply()
    claim = {"peer": fresh.local_address}
    async with http.post(_url(running, "/api/claim"), json=claim) as response:
        assert response.status == 200
        token = (await response.json())["token"]
    async with http.post(_url(running, "/api/claim"), json=claim, headers=one) as response:
        assert response.status == 403 and "claimed already" in (await response.json())["error"]
    session = {"Authorization": f"Bearer {token}"}
    status, body = await _get(http, _url(running, "/api/sessions"), session)
    assert status == 200 and [row["peer"] for row in body["sessions"]] == [fresh.local_address]
    assert (await _get(http, _url(running, "/api/mailbox/student01"), session))[0] == 403
    async with http.post(_url(running, "/api/claim"), json={"peer": "127.0.0.1:1"}) as response:
        assert response.status == 404
    theirs.close()
    fresh.close()


async def test_logging_in_again_and_again_cannot_fill_the_servers_memory(
    class_server: ClassServerMaker, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smtpshell.classroom import channel

    monkeypatch.setattr(channel, "MAX_TOKENS", 3)
    running = class_server(1)
    tokens = [await _token(http, running, "student01") for _ in range(4)]
    assert (await _get(http, _url(running, "/api/me"), tokens[0]))[0] == 401  # the oldest was forgotten
    assert (await _get(http, _url(running, "/api/me"), tokens[-1]))[0] == 200
    assert (await _get(http, _url(running, "/api/me"), TEACHER))[1]["role"] == "teacher"  # never forgotten
