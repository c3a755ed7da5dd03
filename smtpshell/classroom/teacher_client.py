"""The teacher's side of the class channel: find it from the SMTP greeting, read everyone, change faults, follow.

Rule: the dashboard talks to the class server only through this (no UI here), so the same calls work from the
machine that runs `serve` and from any other that reaches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from smtpshell.classroom.student_link import CHANNEL_NOTE
from smtpshell.proto.reply_parser import ReplyParser

TIMEOUT = 10.0


class TeacherError(Exception):
    """The class server could not be reached or refused; the message says what to do."""


async def find_channel(host: str, port: int, timeout: float = TIMEOUT) -> str:
    """The channel URL a class server's greeting names; TeacherError when it names none."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as error:
        raise TeacherError(f"cannot reach the class server at {host}:{port}: {error}") from None
    try:
        parser = ReplyParser()
        while True:
            data = await asyncio.wait_for(reader.read(4096), timeout)
            if not data:
                raise TeacherError(f"{host}:{port} closed the connection before its greeting")
            replies = parser.feed(data)
            if replies:
                break
        writer.write(b"QUIT\r\n")
        greeting = replies[0]
    except TimeoutError:
        raise TeacherError(f"{host}:{port} sent no greeting within {timeout:g} s") from None
    finally:
        writer.close()
    for line in reversed(greeting.lines):
        match = CHANNEL_NOTE.match(line.strip())
        if match:
            return match[1]
    raise TeacherError(
        f"{host}:{port} is an SMTP server but not a smtpshell class server (its greeting names no class channel); "
        "start it with `smtpshell serve --class N`"
    )


class TeacherClient:
    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TeacherClient:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=TIMEOUT), headers={"Authorization": f"Bearer {self.token}"}
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()

    async def request(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        if self._http is None:
            raise TeacherError("not connected")
        try:
            async with self._http.request(method, self.url + path, json=body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                if response.status != 200:
                    said = answer.get("error") if isinstance(answer, dict) else response.reason
                    raise TeacherError(f"{response.status}: {said}")
                if not isinstance(answer, dict):
                    raise TeacherError("the class channel answered something other than a JSON object")
                return answer
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TeacherError(f"the class channel {self.url} does not answer: {type(error).__name__}") from None

    async def me(self) -> dict[str, Any]:
        return await self.request("GET", "/api/me")

    async def students(self) -> list[dict[str, Any]]:
        return list((await self.request("GET", "/api/students"))["students"])

    async def sessions(self) -> list[dict[str, Any]]:
        return list((await self.request("GET", "/api/sessions"))["sessions"])

    async def session(self, number: int) -> dict[str, Any]:
        return await self.request("GET", f"/api/sessions/{number}")

    async def mailbox(self, student: str) -> dict[str, Any]:
        return await self.request("GET", f"/api/mailbox/{student}")

    async def faults(self) -> dict[str, Any]:
        return await self.request("GET", "/api/faults")

    async def set_faults(self, specs: list[str], student: str | None = None) -> dict[str, Any]:
        path = "/api/faults" + (f"/{student}" if student else "")
        return await self.request("PUT", path, {"faults": specs})

    async def feed(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Every event as it happens, a burst at a time (the first is the hello); ends when the server closes it."""
        if self._http is None:
            raise TeacherError("not connected")
        try:
            async with self._http.ws_connect(self.url + "/api/feed", timeout=aiohttp.ClientWSTimeout(ws_close=5)) as ws:
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.TEXT:
                        frame = message.json()
                        if not isinstance(frame, dict):
                            continue
                        if frame.get("type") == "events":  # a burst: every event that piled up, in order
                            yield [event for event in frame.get("events", []) if isinstance(event, dict)]
                        else:
                            yield [frame]
                    elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        break
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TeacherError(f"the class feed {self.url} closed: {type(error).__name__}") from None
