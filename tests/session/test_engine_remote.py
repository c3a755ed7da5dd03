"""The shell engine against servers nobody here wrote (aiosmtpd) and against misbehaving scripted servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange
from smtpshell.session.target import Target
from tests.client.peers import PASSWORD, aiosmtpd_server, scripted_server
from tests.session.helpers import codes, exchanges, last, notices, run
from tests.tls_helpers import ServerCertificates


async def test_a_message_to_aiosmtpd_arrives_unstuffed(smtpshell_home: Path) -> None:
    with aiosmtpd_server(auth_require_tls=False) as (server, collector):
        engine = ShellEngine(Target("remote", "127.0.0.1", server.port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(
                engine,
                "EHLO me.example",
                "MAIL FROM:<alice@example.org>",
                "RCPT TO:<bob@example.net>",
                "DATA",
                "Subject: remote",
                "",
                "..starts with two dots",
                ".single",
                ".",
            )
            assert codes(engine) == [220, 250, 250, 250, 354, 250]
            assert all(e.server_reason is None for e in exchanges(engine))  # only the sandbox says why
            assert engine.sandbox is None  # talking to a real server starts no sandbox
            [envelope] = collector.messages
            assert envelope.mail_from == "alice@example.org" and envelope.rcpt_tos == ["bob@example.net"]
            assert envelope.original_content is not None
            assert envelope.original_content.endswith(b"\r\n\r\n..starts with two dots\r\n.single\r\n")
        finally:
            await engine.close()


async def test_starttls_verified_with_cafile_then_auth_login(
    smtpshell_home: Path, certificates: ServerCertificates
) -> None:
    with aiosmtpd_server(tls_context=certificates.server_context()) as (server, _):
        engine = ShellEngine(data_dir=smtpshell_home)
        try:
            await engine.submit(f"/connect localhost:{server.port} --starttls --cafile {certificates.ca_file}")
            assert codes(engine) == [220, 250, 220]  # greeting, the shell's own EHLO, STARTTLS
            tls = next(r for r in engine.records if isinstance(r, ConnectionChange) and r.event == "tls")
            assert tls.tls_info and engine.connection and engine.connection.tls and engine.connection.tls.verified
            assert "EHLO again" in notices(engine)[-1].text
            await run(engine, "EHLO me.example", "/auth LOGIN alice", PASSWORD)
            assert codes(engine)[-3:] == [334, 334, 235] and engine.state.authenticated == "LOGIN"
            assert all(e.tls for e in exchanges(engine)[3:])
        finally:
            await engine.close()


async def test_unknown_ca_is_explained_and_the_shell_goes_on(
    smtpshell_home: Path, certificates: ServerCertificates
) -> None:
    with aiosmtpd_server(tls_context=certificates.server_context()) as (server, _):
        engine = ShellEngine(Target("remote", "localhost", server.port, tls="starttls"), data_dir=smtpshell_home)
        await engine.start()
        try:
            error = notices(engine, "error")[-1]
            assert "certificate" in (error.text + error.detail).lower()
            assert not engine.connected
            await engine.submit(f"/connect localhost:{server.port} --starttls --insecure")
            assert engine.state.tls and engine.connection and not engine.connection.tls.verified  # type: ignore[union-attr]
        finally:
            await engine.close()


async def test_auth_helper_refuses_plaintext_to_a_real_server(smtpshell_home: Path) -> None:
    with aiosmtpd_server(auth_require_tls=False) as (server, _):
        engine = ShellEngine(Target("remote", "127.0.0.1", server.port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(engine, "EHLO me.example", "/auth PLAIN alice")
            assert engine.mode == "command" and "plaintext" in notices(engine, "error")[-1].text
        finally:
            await engine.close()


async def test_server_dropping_mid_reply(smtpshell_home: Path) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 flaky.test ESMTP\r\n")
        await reader.readline()
        writer.write(b"250-flaky.test\r\n250-PIPELI")
        await writer.drain()

    async with scripted_server(script) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await engine.submit("EHLO me.example")
            assert last(engine).reply is None and last(engine).command == "EHLO me.example"
            error = notices(engine, "error")[-1]
            assert "middle of a reply" in error.text and "/sandbox" in error.detail
            assert not engine.connected and not engine.state.connected
            await engine.submit("NOOP")
            assert "Not connected" in notices(engine, "error")[-1].text
        finally:
            await engine.close()


async def test_garbage_reply_is_explained(smtpshell_home: Path) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            assert exchanges(engine)[0].reply is None
            assert notices(engine, "error") and not engine.connected
        finally:
            await engine.close()
