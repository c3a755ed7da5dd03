"""A real server is not the sandbox: no sandbox mailboxes in next steps, no guesses stated as facts, advice that
reconnects to the server in use, --fault refused for a real server, TLS details for people, IPv6 written with
brackets, and over-long command lines held back with a warning."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell.explain import explain_reply
from smtpshell.net.client_errors import connect_failed
from smtpshell.proto.client_state import GREETING, ClientState
from smtpshell.proto.replies import Reply
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange
from smtpshell.session.target import Target
from smtpshell.shell_command import main as shell_main
from tests.admin.postfix import Postfix, running_postfix
from tests.client.peers import aiosmtpd_server, scripted_server
from tests.session.helpers import exchanges, notices, run
from tests.tls_helpers import ServerCertificates


async def test_next_steps_on_a_real_server_name_no_sandbox_mailbox(smtpshell_home: Path) -> None:
    with aiosmtpd_server() as (server, _):
        engine = ShellEngine(Target("remote", "127.0.0.1", server.port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(engine, "EHLO me.example", "MAIL FROM:<me@example.org>")
            ehlo, mail = exchanges(engine)[1:3]
        finally:
            await engine.close()
    assert ehlo.explanation is not None and mail.explanation is not None
    steps = "\n".join([*ehlo.explanation.next_steps, *mail.explanation.next_steps])
    assert "sandbox.test" not in steps and "VRFY alice" not in steps
    assert "MAIL FROM:<you@your-domain.example>" in steps and "RCPT TO:<someone@" in steps


async def test_the_sandbox_keeps_its_own_examples(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    try:
        await run(engine, "EHLO me.example")
        ehlo = exchanges(engine)[1]
    finally:
        await engine.close()
    assert ehlo.explanation is not None and "MAIL FROM:<alice@sandbox.test>" in "\n".join(ehlo.explanation.next_steps)


def test_a_503_to_auth_is_not_said_to_mean_auth_after_starttls() -> None:
    state = ClientState()
    state.apply(GREETING, Reply(220, ("mx.postfix.test ESMTP Postfix",)))
    state.apply("EHLO me", Reply(250, ("mx.postfix.test", "PIPELINING", "STARTTLS", "8BITMIME")))
    explanation = explain_reply(Reply(503, ("5.5.1 Error: authentication not enabled",)), "AUTH PLAIN x", state)
    assert "only after STARTTLS" not in explanation.headline
    assert explanation.headline == "No login offered before TLS: AUTH is not in this EHLO list"
    assert "Only the EHLO reply after STARTTLS tells which" in explanation.meaning


async def test_after_a_hang_up_the_advice_is_to_connect_to_that_server_again(smtpshell_home: Path) -> None:
    async def hangs_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 brief.test\r\n")
        await reader.readline()
        writer.write(b"421 4.3.2 going away\r\n")
        await writer.drain()

    async with scripted_server(hangs_up) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(engine, "EHLO me.example", "NOOP")
        finally:
            await engine.close()
    details = [n.detail for n in notices(engine) if n.level in ("warning", "error")]
    assert details and all(d.startswith(f"Type /connect 127.0.0.1:{port} to connect again") for d in details)


@pytest.mark.parametrize(
    "argv",
    [
        ["connect", "127.0.0.1:25", "--fault", "greylist"],
        ["shell", "--connect", "127.0.0.1:25", "--fault", "greylist"],
        ["shell", "--mx", "example.test", "--fault", "greylist"],
    ],
)
def test_fault_with_a_real_server_is_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert shell_main(argv) == 2
    assert "--fault makes the built-in sandbox misbehave" in capsys.readouterr().err


async def test_the_tls_summary_after_starttls_is_for_people(
    smtpshell_home: Path, certificates: ServerCertificates
) -> None:
    with aiosmtpd_server(tls_context=certificates.server_context()) as (server, _):
        engine = ShellEngine(data_dir=smtpshell_home)
        try:
            await engine.submit(f"/connect localhost:{server.port} --starttls --cafile {certificates.ca_file}")
        finally:
            await engine.close()
    tls = next(r for r in engine.records if isinstance(r, ConnectionChange) and r.event == "tls")
    assert not {"discarded", "mode", "server_hostname", "bits"} & set(tls.tls_info)
    assert tls.tls_info["verified"] == "yes: chain and host name localhost checked"
    assert tls.tls_info["key"] == "EC P-256" and tls.tls_info["SHA-256"].count(":") == 31


def test_an_ipv6_address_is_written_in_brackets() -> None:
    assert connect_failed("::1", 25, ConnectionRefusedError(111, "refused"), 5).headline == (
        "Connection refused by [::1]:25"
    )
    assert Target("remote", "::1", 25).describe() == "[::1]:25"


async def test_a_command_line_over_512_octets_is_held_back_with_a_warning(smtpshell_home: Path) -> None:
    received: list[bytes] = []

    async def records(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 long.test\r\n")
        while line := await reader.readline():
            received.append(line)
            writer.write(b"500 5.5.2 line too long\r\n" if len(line) > 512 else b"250 ok\r\n")
            await writer.drain()

    long_line = "NOOP " + "x" * 510
    async with scripted_server(records) as port:
        engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        await engine.start()
        try:
            await run(engine, "NOOP", long_line)
            warned = notices(engine, "warning")[-1].text
            assert "517 octets" in warned and "RFC 5321 §4.5.3.1.4" in warned
            assert len(received) == 1 and engine.suggestion == long_line  # held, back on the command line
            await run(engine, long_line)  # the same line again: sent as asked
        finally:
            await engine.close()
    assert received == [b"NOOP\r\n", long_line.encode() + b"\r\n"]


@pytest.fixture(scope="module")
def postfix() -> object:
    with running_postfix() as server:
        yield server


def test_a_script_against_postfix_reads_its_relay_refusal_without_sandbox_advice(postfix: Postfix) -> None:
    script = "EHLO me.example\nMAIL FROM:<me@example.org>\nRCPT TO:<someone@elsewhere.example>\nQUIT\n"
    done = subprocess.run(
        [sys.executable, "-m", "smtpshell.cli", "--plain", "--connect", postfix.target()],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # not every reply was 2xx or 3xx
    assert "S: 554 5.7.1 <someone@elsewhere.example>: Relay access denied" in done.stdout
    assert "sandbox" not in done.stdout.lower() and "alice" not in done.stdout


async def test_connect_takes_tls_version_verify_name_and_helo(smtpshell_home: Path, pki_for_connect: Path) -> None:
    from tests.tls_helpers import issue, make_ca

    ca = make_ca()
    leaf = issue(ca, ("mail.example.test",))
    cafile = pki_for_connect / "ca.pem"
    ca.write(pki_for_connect, "ca")
    context = leaf.server_context(pki_for_connect, "leaf")
    seen_helo: list[str] = []

    with aiosmtpd_server(tls_context=context) as (server, _):
        words = [f"127.0.0.1:{server.port}", "--starttls", "--cafile", str(cafile)]
        words += ["--verify-name", "mail.example.test", "--tls-version", "1.2", "--helo", "me.example.org"]
        engine = ShellEngine(data_dir=smtpshell_home)
        try:
            await engine.submit("/connect " + " ".join(words))
            connection = engine.connection
            assert connection is not None and connection.tls is not None
            assert connection.tls.version == "TLSv1.2" and connection.tls.verified
            assert connection.tls.server_hostname == "mail.example.test"
            seen_helo = [e.command for e in exchanges(engine) if e.command.startswith("EHLO")]
        finally:
            await engine.close()
    assert seen_helo == ["EHLO me.example.org"]


async def test_the_shells_own_ehlo_to_a_real_server_gives_our_address(smtpshell_home: Path) -> None:
    with aiosmtpd_server() as (server, _):
        engine = ShellEngine(data_dir=smtpshell_home)
        try:
            await engine.submit(f"/connect 127.0.0.1:{server.port} --starttls")
            sent = [e.command for e in exchanges(engine) if e.command.startswith("EHLO")]
        finally:
            await engine.close()
    assert sent == ["EHLO [127.0.0.1]"]  # not a made-up client.example


@pytest.fixture
def pki_for_connect(tmp_path: Path) -> Path:
    folder = tmp_path / "pki"
    folder.mkdir()
    return folder


async def test_after_a_failed_certificate_the_advice_says_what_to_add_to_connect(
    smtpshell_home: Path, postfix: Postfix
) -> None:
    engine = ShellEngine(Target("remote", "127.0.0.1", postfix.starttls_port), data_dir=smtpshell_home)
    await engine.start()
    try:
        await run(engine, "EHLO me.example", "STARTTLS")
    finally:
        await engine.close()
    [failed] = [n for n in notices(engine) if n.level == "error"]
    assert engine.state.tls is False  # the status bar said "TLS on" after the handshake had failed
    assert failed.text.startswith("The server's certificate is self-signed")
    # The same /connect alone would fail the same way: the advice names what makes the next try different.
    assert (
        f"Type /connect 127.0.0.1:{postfix.starttls_port} --cafile FILE (a certificate or CA you have checked) "
        "or --insecure to connect again" in failed.detail
    )
