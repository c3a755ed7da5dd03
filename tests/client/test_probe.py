"""`smtpshell probe` against aiosmtpd and scripted servers: the report, the JSON, and the stage exit codes."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

import pytest

from smtpshell.net.probe import (
    EXIT_BANNER,
    EXIT_CONNECT,
    EXIT_EHLO,
    EXIT_OK,
    EXIT_PROBE,
    EXIT_TLS,
    EXIT_USAGE,
    ProbeOptions,
    address_literal,
    keyword_meaning,
    probe,
    read_expn,
    read_parameters,
    read_vrfy,
    size_limit,
)
from smtpshell.net.probe_command import main, render_report
from smtpshell.proto.replies import Reply
from tests.client.conftest import PKI
from tests.client.peers import BANNER_HOST, aiosmtpd_server, refused_port, scripted_server
from tests.tls_helpers import issue

Reader: TypeAlias = asyncio.StreamReader
Writer: TypeAlias = asyncio.StreamWriter


async def test_probe_of_aiosmtpd_with_starttls_and_auth(pki: PKI) -> None:
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, collector):
        report = await probe(ProbeOptions("127.0.0.1", server.port, cafile=str(pki.cafile), timeout=5))
    assert report.exit_code == EXIT_OK and report.failure is None
    assert report.banner_host == BANNER_HOST and report.banner_seconds is not None
    assert report.greeting == "EHLO" and report.helo_name == "[127.0.0.1]"
    assert report.extensions_before_tls is not None and "STARTTLS" in report.extensions_before_tls
    assert report.auth_before_tls == [] and report.auth_after_tls == ["LOGIN", "PLAIN"]
    assert not report.auth_over_plaintext
    assert report.tls is not None and report.tls.verified and report.tls.subject == "CN=localhost"
    assert report.vrfy is not None and report.vrfy.reply.code == 252 and report.vrfy.answers is False
    assert report.expn is not None and report.expn.reply.code == 502 and report.expn.answers is None
    assert size_limit(report.extensions.get("SIZE")) == 33554432
    sent = [line.split()[0] for who, line in report.transcript if who == "C"]
    assert sent == ["EHLO", "STARTTLS", "EHLO", "VRFY", "EXPN", "QUIT"]  # no mail
    assert collector.messages == []
    auth = next(row for row in report.extension_rows() if row.keyword == "AUTH")
    assert auth.before_tls is None and auth.after_tls == "LOGIN PLAIN"


async def test_probe_flags_auth_offered_over_plaintext() -> None:
    with aiosmtpd_server(auth_require_tls=False) as (server, _):
        report = await probe(ProbeOptions("127.0.0.1", server.port, timeout=5))
    assert report.exit_code == EXIT_OK
    assert report.auth_over_plaintext and report.auth_before_tls == ["LOGIN", "PLAIN"]
    assert report.tls is None and report.extensions_after_tls is None
    assert any("AUTH is offered before TLS" in note for note in report.notes)
    assert any("does not offer STARTTLS" in note for note in report.notes)


def test_main_prints_a_table_for_people(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, _):
        code = main(["probe", f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile), "--timeout", "5"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert f"  server name           {BANNER_HOST}" in out
    assert "  SIZE                  both        33554432 = limit 32.0 MiB (33554432 octets)" in out
    assert "  AUTH                  after TLS   LOGIN PLAIN = mechanisms: LOGIN, PLAIN" in out
    assert "  AUTH over plaintext   no" in out
    assert "  VRFY postmaster       252 Cannot VRFY user" in out
    assert "  PIPELINING            no" in out and "  SMTPUTF8              yes" in out
    assert "  verified              yes: chain and host name 127.0.0.1 checked" in out
    assert out.rstrip().endswith("Result: every stage passed (exit 0)")


def test_main_with_implicit_tls_and_json(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    context = pki.context(pki.leaf, "leaf")
    with aiosmtpd_server(ssl_context=context, auth_require_tls=False) as (server, _):
        code = main(["probe", f"localhost:{server.port}", "--tls", "--cafile", str(pki.cafile), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK and data["exit_code"] == 0 and data["failure"] is None
    assert data["tls"]["mode"] == "implicit" and data["tls"]["verified"] is True
    assert data["tls"]["checked_name"] == "localhost" and data["tls"]["sni"] == "localhost"
    assert data["tls"]["verify_code"] == 0 and data["tls"]["key_type"] == "EC" and data["tls"]["key_curve"] == "P-256"
    assert data["extensions_before_tls"] is None and data["auth_after_tls"] == ["LOGIN", "PLAIN"]
    assert data["auth_over_plaintext"] is False and data["size_limit"] == 33554432
    assert data["supports"]["SMTPUTF8"] is True and data["supports"]["CHUNKING"] is False
    assert data["banner_host"] == BANNER_HOST
    # The second look (pyOpenSSL) works with TLS from the first byte too: Python's ssl server staples nothing.
    assert data["tls"]["key_exchange_group"] is not None and data["tls"]["ocsp_stapled"] is False
    if ssl.OPENSSL_VERSION_INFO < (3, 5):  # both sides' default: X25519 first (3.5 puts a hybrid first)
        assert data["tls"]["key_exchange_group"] == "X25519"


def test_a_refused_port_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    with refused_port() as port:
        code = main(["probe", f"127.0.0.1:{port}", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_CONNECT == data["exit_code"]
    assert data["failure"]["stage"] == "connect" and data["failure"]["kind"] == "refused"


def test_a_wrong_certificate_exits_6_and_insecure_passes(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = issue(pki.ca, ("mail.example.test",))
    with aiosmtpd_server(tls_context=pki.context(wrong, "wrong")) as (server, _):
        target = f"127.0.0.1:{server.port}"
        failed = main(["probe", target, "--cafile", str(pki.cafile)])
        out = capsys.readouterr().out
        insecure = main(["probe", target, "--insecure", "--json"])
    assert failed == EXIT_TLS
    assert "FAILED at the tls stage (exit 6): The certificate is not for 127.0.0.1" in out
    assert "  STARTTLS              yes" in out  # what was learnt before TLS is still reported
    data = json.loads(capsys.readouterr().out)
    assert insecure == EXIT_OK and data["tls"]["verified"] is False and data["tls"]["verify_code"] is None


Script = Callable[[Reader, Writer], Awaitable[None]]


async def _probe(script: Script, timeout: float = 2) -> tuple[int, str, dict[str, Any]]:
    async with scripted_server(script) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, timeout=timeout))
    return report.exit_code, render_report(report, verbose=True), report.to_dict()


async def _answer(reader: Reader, writer: Writer, replies: dict[str, bytes]) -> None:
    """Answer each command by its verb; close when a verb has no answer."""
    while line := await reader.readline():
        verb = line.split()[0].decode().upper() if line.split() else ""
        if verb not in replies:
            return
        writer.write(replies[verb])


async def test_a_554_banner_exits_4() -> None:
    async def refuse(reader: Reader, writer: Writer) -> None:
        writer.write(b"554 5.7.1 mx.test no SMTP service for you\r\n")
        await _answer(reader, writer, {"QUIT": b"221 bye\r\n"})

    code, text, data = await _probe(refuse)
    assert code == EXIT_BANNER and data["failure"]["stage"] == "banner"
    assert "The server refused the session in its greeting: 554 5.7.1" in text
    assert "C: QUIT" in text  # polite even when refused


async def test_a_silent_banner_exits_4() -> None:
    async def silent(reader: Reader, writer: Writer) -> None:
        await reader.read()

    code, _, data = await _probe(silent, timeout=0.2)
    assert code == EXIT_BANNER and data["failure"]["kind"] == "timeout"


async def test_ehlo_refused_falls_back_to_helo() -> None:
    async def old_server(reader: Reader, writer: Writer) -> None:
        writer.write(b"220 old.test SMTP\r\n")
        await _answer(
            reader,
            writer,
            {
                "EHLO": b"502 what?\r\n",
                "HELO": b"250 old.test\r\n",
                "VRFY": b"250 <postmaster@old.test>\r\n",
                "EXPN": b"550 no list\r\n",
                "QUIT": b"221 bye\r\n",
            },
        )

    code, _, data = await _probe(old_server)
    assert code == EXIT_OK and data["greeting"] == "HELO"
    assert data["extensions_before_tls"] == {} and data["starttls_offered"] is False
    assert data["vrfy"]["answers"] is True and data["expn"]["answers"] is True
    assert any("only speaks plain SMTP" in note for note in data["notes"])


async def test_ehlo_and_helo_refused_exit_5() -> None:
    async def grumpy(reader: Reader, writer: Writer) -> None:
        writer.write(b"220 grumpy.test\r\n")
        await _answer(reader, writer, {"EHLO": b"500 no\r\n", "HELO": b"501 no either\r\n", "QUIT": b"221\r\n"})

    code, text, data = await _probe(grumpy)
    assert code == EXIT_EHLO and data["failure"]["stage"] == "ehlo"
    assert "The server refused 'HELO [127.0.0.1]': 501 no either" in text


async def test_starttls_refused_exits_6_but_the_rest_is_probed() -> None:
    async def no_tls_today(reader: Reader, writer: Writer) -> None:
        writer.write(b"220 mx.test\r\n")
        await _answer(
            reader,
            writer,
            {
                "EHLO": b"250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                "STARTTLS": b"454 4.7.0 TLS not available\r\n",
                "VRFY": b"502 no\r\n",
                "EXPN": b"502 no\r\n",
                "QUIT": b"221 bye\r\n",
            },
        )

    code, _, data = await _probe(no_tls_today)
    assert code == EXIT_TLS and data["failure"]["stage"] == "tls" and data["failure"]["kind"] == "reply"
    assert data["vrfy"]["verdict"].startswith("disabled") and data["supports"]["PIPELINING"] is True


async def test_a_connection_lost_during_vrfy_exits_7() -> None:
    async def drops(reader: Reader, writer: Writer) -> None:
        writer.write(b"220 mx.test\r\n")
        await _answer(reader, writer, {"EHLO": b"250-mx.test\r\n250 SIZE 0\r\n"})

    code, _, data = await _probe(drops)
    assert code == EXIT_PROBE and data["failure"]["stage"] == "probe" and data["failure"]["kind"] == "dropped"
    assert data["extensions_before_tls"] == {"SIZE": "0"} and data["size_limit"] == 0


async def test_starttls_injection_is_reported(pki: PKI) -> None:
    context = pki.context(pki.leaf, "leaf")

    async def script(reader: Reader, writer: Writer) -> None:
        writer.write(b"220 mx.test\r\n")
        await reader.readline()
        writer.write(b"250-mx.test\r\n250 STARTTLS\r\n")
        await reader.readline()
        writer.write(b"220 go ahead\r\n250 injected\r\n")
        await writer.drain()
        await writer.start_tls(context)
        await _answer(
            reader,
            writer,
            {"EHLO": b"250 mx.test\r\n", "VRFY": b"252 no\r\n", "EXPN": b"502 no\r\n", "QUIT": b"221 bye\r\n"},
        )

    async with scripted_server(script) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, cafile=str(pki.cafile), timeout=5))
    assert report.exit_code == EXIT_OK and report.tls is not None and report.tls.discarded == 14
    assert any("response-injection" in note for note in report.notes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a server HOST[:PORT] or --mx DOMAIN"),
        (["mx.test:0"], "1 to 65535"),
        (["mx.test", "--timeout", "0"], "--timeout must be"),
        (["mx.test", "--timeout", "soon"], "invalid float value"),
        (["mx.test", "--cafile", "/nonexistent/ca.pem"], "no such file"),
        (["mx.test", "--insecure", "--cafile", "x"], "not allowed with"),
        (["mx.test", "--helo", "a b"], "--helo takes one name"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", *args]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_help_exits_0_and_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--help"]) == 0
    assert "exit codes: 0 ok, 2 usage, 3 connect, 4 banner, 5 EHLO/HELO/LHLO, 6 TLS" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("keyword", "params", "reading"),
    [
        ("SIZE", "35882577", "limit 34.2 MiB (35882577 octets)"),
        ("SIZE", "", "no fixed limit announced"),
        ("SIZE", "0", "no fixed limit announced"),
        ("AUTH", "plain LOGIN", "mechanisms: PLAIN, LOGIN"),
        ("PIPELINING", "", ""),
    ],
)
def test_parameters_are_read_for_people(keyword: str, params: str, reading: str) -> None:
    assert read_parameters(keyword, params) == reading


@pytest.mark.parametrize(
    ("code", "vrfy", "expn"),
    [(250, True, True), (252, False, True), (550, True, True), (502, None, None), (530, None, None)],
)
def test_what_vrfy_and_expn_answers_reveal(code: int, vrfy: bool | None, expn: bool | None) -> None:
    reply = Reply(code, ("text",))
    assert read_vrfy(reply).answers is vrfy and read_expn(reply).answers is expn


def test_our_address_as_an_address_literal() -> None:
    assert address_literal("127.0.0.1:5555") == "[127.0.0.1]"
    assert address_literal("[::1]:5555") == "[IPv6:::1]"


@pytest.mark.parametrize("keyword", ["STARTTLS", "SIZE", "AUTH", "SMTPUTF8", "DSN", "CHUNKING", "8BITMIME"])
def test_well_known_extensions_have_a_meaning(keyword: str) -> None:
    assert keyword_meaning(keyword)
