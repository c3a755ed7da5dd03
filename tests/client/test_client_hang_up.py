"""ClientConnection.hung_up: completes when the server closes or resets an idle connection; its last words stay."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest

from smtpshell.net.client import ClientConnection, ConnectionDropped
from tests.client.peers import scripted_server

WAIT = 10.0


async def test_hung_up_waits_while_the_server_is_quiet_and_completes_when_it_closes() -> None:
    close_now = asyncio.Event()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quiet.test ESMTP\r\n")
        await reader.readline()
        writer.write(b"250 2.0.0 still here\r\n")
        await close_now.wait()
        writer.write(b"421 4.4.2 quiet.test idle too long\r\n")

    async with scripted_server(script) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        assert (await connection.read_reply()).code == 220
        watching = asyncio.create_task(connection.hung_up())
        await connection.send_line("NOOP")  # a whole round trip while the watch waits: it must still wait
        assert (await connection.read_reply()).code == 250
        assert not watching.done() and not connection.closed
        close_now.set()
        await asyncio.wait_for(watching, WAIT)
        assert connection.closed and not connection.reset_by_peer
        last = await connection.read_reply()  # already received: returned at once, no waiting on a closed socket
        assert (last.code, last.lines) == (421, ("4.4.2 quiet.test idle too long",))
        with pytest.raises(ConnectionDropped) as caught:
            await connection.read_reply()
        assert caught.value.headline == "The server closed the connection without a reply"
        await connection.close()


async def test_a_reset_is_told_apart_from_a_close() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 rude.test ESMTP\r\n")
        await writer.drain()
        await reader.readline()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST

    async with scripted_server(script) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        await connection.read_reply()
        await connection.send_line("NOOP")
        await asyncio.wait_for(connection.hung_up(), WAIT)
        assert connection.reset_by_peer
        with pytest.raises(ConnectionDropped) as caught:
            await connection.read_reply()
        assert caught.value.headline == "The server reset the connection without a reply"


async def test_hung_up_completes_when_the_shell_closes_the_connection_itself() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quiet.test ESMTP\r\n")
        await reader.read()

    async with scripted_server(script) as port:
        connection = await ClientConnection.open("127.0.0.1", port)
        watching = asyncio.create_task(connection.hung_up())
        await connection.close()
        await asyncio.wait_for(watching, WAIT)
