"""`smtpshell probe` for an administrator and a monitor: certificates shown even when they fail, typed JSON
checked against the schema file, --brief, --require-tls, --min-days, --mx, --tls-version, --sni/--verify-name,
and exit codes that name the failing stage."""

from __future__ import annotations

import asyncio
import json
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

import smtpshell.net
from smtpshell.net.probe import EXIT_CONNECT, EXIT_OK, EXIT_TLS, EXIT_USAGE, ProbeOptions, StageEvent, probe
from smtpshell.net.probe_command import main
from tests.client.conftest import PKI
from tests.client.dns_server import ZONE, dns_thread
from tests.client.peers import BANNER_HOST, aiosmtpd_server, refused_port, scripted_server
from tests.tls_helpers import Issued, issue

SCHEMA_PATH = Path(smtpshell.net.__file__).parent / "probe-report.schema.json"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def valid(data: Any) -> Any:
    """``data`` after checking it against the schema (raises with the path of what is wrong)."""
    jsonschema.Draft202012Validator(schema()).validate(data)
    return data


def fingerprint(issued: Issued) -> str:
    return ":".join(f"{b:02X}" for b in issued.cert.fingerprint(hashes.SHA256()))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["probe", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_self_signed_certificate_is_shown_with_fingerprint_and_verify_code(
    pki: PKI, capsys: pytest.CaptureFixture[str]
) -> None:
    own = issue(None, ("mx.selfsigned.test", "127.0.0.1"))
    with aiosmtpd_server(tls_context=own.server_context(pki.directory, "own")) as (server, _):
        target = f"127.0.0.1:{server.port}"
        code, out, _ = run([target, "--timeout", "5"], capsys)
        json_code, json_out, _ = run([target, "--json", "--timeout", "5"], capsys)
    assert code == json_code == EXIT_TLS
    assert "FAILED at the tls stage (exit 6): The server's certificate is self-signed" in out
    assert f"  SHA-256               {fingerprint(own)}" in out
    assert "  verified              NO: verify return code 18 (self-signed certificate)" in out
    assert "  names                 mx.selfsigned.test, 127.0.0.1" in out
    assert "pass its certificate with --cafile FILE" in " ".join(out.split())  # no --cafile was given
    data = valid(json.loads(json_out))
    tls = data["tls"]
    assert tls["verified"] is False and tls["verify_code"] == 18 and tls["verify_message"] == "self-signed certificate"
    assert tls["fingerprint_sha256"] == fingerprint(own) and tls["names"] == ["mx.selfsigned.test", "127.0.0.1"]
    assert tls["subject"] == tls["issuer"] == "CN=mx.selfsigned.test"
    assert [c["subject"] for c in tls["chain"]] == ["CN=mx.selfsigned.test"]
    assert data["failure"]["kind"] == "self-signed" and data["ok"] is False


def test_with_a_cafile_the_advice_does_not_ask_for_one(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    own = issue(None, ("127.0.0.1",))
    with aiosmtpd_server(tls_context=own.server_context(pki.directory, "own2")) as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile), "--timeout", "5"], capsys)
    assert code == EXIT_TLS
    said = " ".join(out.split())  # the advice is wrapped to the terminal's width
    assert f"The --cafile {pki.cafile} you gave does not hold this certificate" in said
    assert "pass its certificate with --cafile FILE" not in said


def test_a_name_mismatch_lists_the_names_the_certificate_holds(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = issue(pki.ca, ("mail.example.test", "smtp.example.test"))
    with aiosmtpd_server(tls_context=pki.context(wrong, "wrong2")) as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile), "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_TLS and data["failure"]["kind"] == "wrong-host"
    assert data["failure"]["headline"].endswith("; it holds: mail.example.test, smtp.example.test")
    assert data["tls"]["verify_code"] == 64  # X509_V_ERR_IP_ADDRESS_MISMATCH: 127.0.0.1 was checked
    assert data["tls"]["names"] == ["mail.example.test", "smtp.example.test"]
    assert data["tls"]["issuer"] == "CN=smtpshell test CA"


def test_verify_name_checks_another_name_than_the_one_connected_to(
    pki: PKI, capsys: pytest.CaptureFixture[str]
) -> None:
    named = issue(pki.ca, ("mail.example.test",))
    with aiosmtpd_server(tls_context=pki.context(named, "named")) as (server, _):
        target = f"127.0.0.1:{server.port}"
        code, out, _ = run(
            [target, "--cafile", str(pki.cafile), "--verify-name", "mail.example.test", "--json"], capsys
        )
        other, other_out, _ = run(
            [target, "--cafile", str(pki.cafile), "--verify-name", "other.test", "--json"], capsys
        )
    data = valid(json.loads(out))
    assert code == EXIT_OK and data["tls"]["verified"] is True and data["tls"]["checked_name"] == "mail.example.test"
    assert data["tls"]["sni"] == "mail.example.test"
    failed = valid(json.loads(other_out))
    assert other == EXIT_TLS and failed["tls"]["verify_code"] == 62
    assert "it holds: mail.example.test" in failed["failure"]["headline"]


async def test_sni_is_sent_apart_from_the_name_checked(pki: PKI) -> None:
    heard: list[str | None] = []
    context = pki.context(issue(pki.ca, ("mail.example.test",)), "sni")
    context.sni_callback = lambda _sock, name, _ctx: heard.append(name)
    with aiosmtpd_server(tls_context=context) as (server, _):
        options = ProbeOptions("127.0.0.1", server.port, cafile=str(pki.cafile), timeout=5)
        options.sni, options.verify_name = "front.example.test", "mail.example.test"
        report = await asyncio.to_thread(asyncio.run, probe(options))
    # The session's handshake, then the look for the key exchange group and OCSP: the same SNI in both.
    assert heard and set(heard) == {"front.example.test"}
    assert report.exit_code == EXIT_OK and report.tls is not None and report.tls.verified
    assert report.tls.sni == "front.example.test" and report.tls.server_hostname == "mail.example.test"


def test_success_reports_key_signature_chain_and_days_left(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    leaf = issue(pki.ca, ("localhost", "127.0.0.1"), valid_until=datetime.now(UTC) + timedelta(hours=47))
    certfile, keyfile = leaf.write(pki.directory, "chained")
    chainfile = pki.directory / "chained-full.pem"
    chainfile.write_bytes(certfile.read_bytes() + pki.ca.cert.public_bytes(Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chainfile, keyfile)
    with aiosmtpd_server(tls_context=context) as (server, _):
        target = f"127.0.0.1:{server.port}"
        code, out, _ = run([target, "--cafile", str(pki.cafile), "--tls-version", "1.2"], capsys)
        json_code, json_out, _ = run([target, "--cafile", str(pki.cafile), "--json"], capsys)
    assert code == json_code == EXIT_OK
    assert "  version               TLSv1.2" in out
    assert "(expires in 1 day 22 hours)" in out or "(expires in 1 day 23 hours)" in out
    assert "  key                   EC P-256" in out and "  signature             ecdsa-with-SHA256" in out
    assert "  chain 1               CN=smtpshell test CA, self-signed, EC P-256" in out
    tls = valid(json.loads(json_out))["tls"]
    assert tls["version"] == "TLSv1.3" and 1.9 < tls["days_left"] < 1.97
    assert tls["key_type"] == "EC" and tls["key_bits"] == 256 and tls["signature_algorithm"] == "ecdsa-with-SHA256"
    assert [c["subject"] for c in tls["chain"]] == ["CN=localhost", "CN=smtpshell test CA"]
    assert tls["chain"][1]["fingerprint_sha256"] == fingerprint(pki.ca)


def test_min_days_fails_a_certificate_expiring_sooner(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    leaf = issue(pki.ca, ("127.0.0.1",), valid_until=datetime.now(UTC) + timedelta(days=5, hours=1))
    with aiosmtpd_server(tls_context=pki.context(leaf, "soon")) as (server, _):
        target = [f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile)]
        soon, out, _ = run([*target, "--min-days", "7", "--json"], capsys)
        fine, _, _ = run([*target, "--min-days", "5"], capsys)
    data = valid(json.loads(out))
    assert soon == EXIT_TLS and data["failure"]["kind"] == "expires-soon" and data["checks"]["min_days"] == 7
    assert "sooner than --min-days 7" in data["failure"]["headline"]
    assert fine == EXIT_OK


def test_require_tls_fails_a_server_without_starttls(capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server() as (server, _):
        plain, _, _ = run([f"127.0.0.1:{server.port}"], capsys)
        code, out, _ = run([f"127.0.0.1:{server.port}", "--require-tls", "--json"], capsys)
    data = valid(json.loads(out))
    assert plain == EXIT_OK
    assert code == EXIT_TLS and data["failure"]["kind"] == "no-tls" and data["tls"] is None
    assert data["starttls_offered"] is False and data["checks"]["require_tls"] is True


def test_implicit_tls_against_a_starttls_port_is_a_tls_failure(capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server() as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--tls", "--json", "--timeout", "5"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_TLS and data["failure"]["stage"] == "tls" and data["failure"]["kind"] == "not-tls"


@pytest.mark.parametrize("content", [b"not a certificate\n", b""])
def test_a_cafile_that_is_not_pem_is_a_usage_error_before_connecting(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "ca.txt"
    bad.write_bytes(content)
    with refused_port() as port:  # a connection attempt would exit 3: exit 2 proves none was made
        code, out, err = run([f"127.0.0.1:{port}", "--cafile", str(bad)], capsys)
    assert code == EXIT_USAGE and out == ""
    assert f"--cafile {bad}: not a PEM certificate file" in err


def test_after_a_refused_connection_everything_unknown_is_null(capsys: pytest.CaptureFixture[str]) -> None:
    with refused_port() as port:
        code, out, _ = run([f"127.0.0.1:{port}", "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_CONNECT
    assert set(data["supports"].values()) == {None}
    for key in ("tls", "greeting", "size_limit", "starttls_offered", "auth_before_tls", "auth_over_plaintext"):
        assert data[key] is None, key


def test_typed_json_of_a_good_probe(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile), "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_OK and data["ok"] is True and data["banner_code"] == 220
    assert data["tls"]["verified"] is True and isinstance(data["tls"]["bits"], int)
    assert data["tls"]["names"] == ["localhost", "127.0.0.1", "::1"]
    assert data["supports"]["SMTPUTF8"] is True and data["size_limit"] == 33554432
    assert data["vrfy"]["code"] == 252 and data["starttls_offered"] is True


def test_the_schema_refuses_what_the_old_json_looked_like() -> None:
    """The test above could not pass with strings for numbers and booleans: the schema says so."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()["$defs"]["tls"] | {"$defs": schema()["$defs"]}).validate(
            {"bits": "256", "verified": "yes", "names": "localhost, 127.0.0.1"}
        )


async def test_the_banner_host_is_read_after_an_enhanced_status_code() -> None:
    async def refuses(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"554 5.7.1 mx.example.test Service unavailable; client host blocked\r\n")
        await writer.drain()
        await reader.readline()
        writer.write(b"221 bye\r\n")
        await writer.drain()

    async with scripted_server(refuses) as port:
        report = await probe(ProbeOptions("127.0.0.1", port, timeout=5))
    assert report.exit_code == 4 and report.banner_host == "mx.example.test"


def test_brief_prints_one_line_a_stage(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--cafile", str(pki.cafile), "--brief"], capsys)
    lines = out.splitlines()
    assert code == EXIT_OK
    assert [line.split()[:2] for line in lines] == [
        ["connect", "ok"],
        ["banner", "ok"],
        ["ehlo", "ok"],
        ["tls", "ok"],
        ["ehlo", "ok"],
        ["probe", "ok"],
        ["result", "ok"],
    ]
    assert lines[1].endswith(f"220 {BANNER_HOST} Python SMTP 1.4.6") or BANNER_HOST in lines[1]
    assert "TLSv1.3" in lines[3] and "verified" in lines[3] and "expires in" in lines[3]


async def test_progress_is_reported_as_each_stage_starts_and_ends(pki: PKI) -> None:
    events: list[StageEvent] = []
    with aiosmtpd_server(tls_context=pki.context(pki.leaf, "leaf")) as (server, _):
        options = ProbeOptions("127.0.0.1", server.port, cafile=str(pki.cafile), timeout=5, on_stage=events.append)
        report = await asyncio.to_thread(asyncio.run, probe(options))
    assert report.exit_code == EXIT_OK
    assert (events[0].stage, events[0].ok) == ("connect", None) and events[0].text.startswith("connecting to")
    assert ("tls", None) in [(e.stage, e.ok) for e in events]


def test_mx_probes_every_server_in_preference_order(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    ZONE["probe-mx.test."] = ["20 localhost.", "10 127.0.0.1."]
    try:
        with aiosmtpd_server() as (server, _), dns_thread() as (nameserver, _dns):
            argv = ["--mx", "probe-mx.test", "--nameserver", nameserver, "--port", str(server.port), "--json"]
            code, out, _ = run([*argv, "--timeout", "5"], capsys)
            brief, brief_out, _ = run([*argv[:-1], "--brief", "--require-tls"], capsys)
    finally:
        del ZONE["probe-mx.test."]
    data = valid(json.loads(out))
    assert code == EXIT_OK and data["exit_code"] == 0 and data["domain"] == "probe-mx.test"
    assert [(h["preference"], h["host"]) for h in data["hosts"]] == [(10, "127.0.0.1"), (20, "localhost")]
    assert all(h["report"]["ok"] for h in data["hosts"])
    assert brief == EXIT_TLS
    assert [line for line in brief_out.splitlines() if line.startswith("mx ")] == [
        f"mx       10 127.0.0.1:{server.port}",
        f"mx       20 localhost:{server.port}",
    ]


def test_mx_and_a_host_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["mx.test", "--mx", "example.test"], capsys)
    assert code == EXIT_USAGE and "one of them" in err


def test_brief_shows_a_failed_certificates_verify_code_and_fingerprint(
    pki: PKI, capsys: pytest.CaptureFixture[str]
) -> None:
    own = issue(None, ("127.0.0.1",))
    with aiosmtpd_server(tls_context=own.server_context(pki.directory, "own3")) as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--brief", "--timeout", "5"], capsys)
    [tls] = [line for line in out.splitlines() if line.startswith("tls ")]
    assert code == EXIT_TLS and tls.startswith("tls      FAIL The server's certificate is self-signed")
    assert tls.endswith(f"[verify return code 18 (self-signed certificate), SHA-256 {fingerprint(own)}]")


def test_brief_require_tls_says_the_missing_starttls_once(capsys: pytest.CaptureFixture[str]) -> None:
    with aiosmtpd_server() as (server, _):
        code, out, _ = run([f"127.0.0.1:{server.port}", "--brief", "--require-tls", "--timeout", "5"], capsys)
    tls_lines = [line for line in out.splitlines() if line.startswith("tls ")]
    assert code == EXIT_TLS
    assert tls_lines == ["tls      FAIL STARTTLS not offered, and --require-tls asks for TLS"]
    assert out.splitlines()[-1].startswith("result   FAIL tls stage (exit 6): The server does not offer STARTTLS")


def test_a_der_cafile_is_named_as_such_with_the_command_that_converts_it(
    pki: PKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    der = tmp_path / "ca.cer"
    der.write_bytes(pki.ca.cert.public_bytes(Encoding.DER))
    with refused_port() as port:
        code, out, err = run([f"127.0.0.1:{port}", "--cafile", str(der)], capsys)
    assert code == EXIT_USAGE and out == ""
    assert f"a binary (DER) certificate, not PEM; convert it with openssl x509 -inform DER -in {der}" in err
