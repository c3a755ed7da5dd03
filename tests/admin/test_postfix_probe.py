"""`smtpshell probe` against a real Postfix started by the test: what an administrator checks before trusting
the tool on their own servers (certificate failures shown in full, monitoring exit codes, typed JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from smtpshell.net.probe import EXIT_BANNER, EXIT_OK, EXIT_TLS
from smtpshell.net.probe_command import main
from tests.admin.postfix import HOSTNAME, VALID_DAYS, Postfix, running_postfix
from tests.client.test_probe_monitoring import fingerprint, valid


@pytest.fixture(scope="module")
def postfix() -> Iterator[Postfix]:
    with running_postfix() as server:
        yield server


def probe(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["probe", *argv, "--timeout", "10"])
    return code, capsys.readouterr().out


def test_a_self_signed_certificate_is_shown_with_fingerprint_and_verify_code(
    postfix: Postfix, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = probe([postfix.target(), "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_TLS and data["failure"]["kind"] == "self-signed"
    tls = data["tls"]
    assert tls["verify_code"] == 18 and tls["verify_message"] == "self-signed certificate"
    assert tls["fingerprint_sha256"] == fingerprint(postfix.certificate)
    assert tls["subject"] == tls["issuer"] == f"CN={HOSTNAME}" and tls["names"] == [HOSTNAME, "127.0.0.1"]
    assert data["banner"] == f"220 {HOSTNAME} ESMTP Postfix" and data["banner_host"] == HOSTNAME
    code, text = probe([postfix.target()], capsys)
    assert "verify return code 18 (self-signed certificate)" in text
    assert fingerprint(postfix.certificate) in text


def test_trusted_with_cafile_the_report_is_typed_and_complete(
    postfix: Postfix, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = probe([postfix.target(), "--cafile", str(postfix.cert_file), "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_OK and data["ok"] is True
    assert data["starttls_offered"] is True and data["tls"]["verified"] is True and data["tls"]["verify_code"] == 0
    assert data["supports"] == {
        "PIPELINING": True,
        "CHUNKING": True,
        "SMTPUTF8": True,
        "DSN": True,
        "ENHANCEDSTATUSCODES": True,
        "8BITMIME": True,
    }
    assert data["size_limit"] == 10240000 and data["auth_over_plaintext"] is False
    assert data["tls"]["key_type"] == "EC" and data["tls"]["key_curve"] == "P-256"
    assert VALID_DAYS - 1 < data["tls"]["days_left"] <= VALID_DAYS
    assert data["vrfy"]["code"] == 252  # Postfix does not confirm addresses to strangers


def test_a_name_mismatch_lists_the_names_the_certificate_holds(
    postfix: Postfix, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = probe(
        [postfix.target(), "--cafile", str(postfix.cert_file), "--verify-name", "mail.other.test"], capsys
    )
    said = " ".join(out.split())
    assert code == EXIT_TLS
    assert "The certificate is not for mail.other.test (OpenSSL: Hostname mismatch" in said
    assert f"it holds: {HOSTNAME}, 127.0.0.1" in said
    assert "verify return code 62 (Hostname mismatch" in said


def test_require_tls_and_min_days_exit_codes(postfix: Postfix, capsys: pytest.CaptureFixture[str]) -> None:
    trusted = [postfix.target(), "--cafile", str(postfix.cert_file)]
    assert probe([postfix.target(postfix.plain_port)], capsys)[0] == EXIT_OK
    code, out = probe([postfix.target(postfix.plain_port), "--require-tls", "--json"], capsys)
    assert code == EXIT_TLS and valid(json.loads(out))["failure"]["kind"] == "no-tls"
    assert probe([*trusted, "--require-tls"], capsys)[0] == EXIT_OK
    assert probe([*trusted, "--min-days", str(VALID_DAYS - 5)], capsys)[0] == EXIT_OK
    code, out = probe([*trusted, "--min-days", str(VALID_DAYS + 10), "--brief"], capsys)
    assert code == EXIT_TLS and out.splitlines()[-1].startswith(
        "result   FAIL tls stage (exit 6): The certificate expires"
    )


def test_implicit_tls_on_a_starttls_port_exits_6(postfix: Postfix, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = probe([postfix.target(), "--tls", "--json"], capsys)
    data = valid(json.loads(out))
    assert code == EXIT_TLS and data["failure"]["stage"] == "tls" and data["failure"]["kind"] == "not-tls"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_proxy_header_is_accepted_by_postfix_behind_haproxy(
    postfix: Postfix, version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = probe([postfix.target(postfix.proxy_port), "--proxy-protocol", version, "--insecure", "--json"], capsys)
    assert code == EXIT_OK and valid(json.loads(out))["banner_host"] == HOSTNAME


def test_without_the_proxy_header_postfix_behind_haproxy_never_greets(
    postfix: Postfix, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["probe", postfix.target(postfix.proxy_port), "--timeout", "1", "--json"])
    data = valid(json.loads(capsys.readouterr().out))
    assert code == EXIT_BANNER and data["failure"]["kind"] in ("timeout", "dropped")


def test_the_key_exchange_group_is_the_one_openssl_s_client_reports(
    postfix: Postfix, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import shutil
    import subprocess

    pytest.importorskip("OpenSSL.SSL", reason="pyOpenSSL is not installed (pip install '.[test]')")
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed (Debian: apt-get install openssl)")
    code, out = probe([postfix.target(), "--cafile", str(postfix.cert_file), "--json"], capsys)
    tls = valid(json.loads(out))["tls"]
    said = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", postfix.target(), "-status"],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    # OpenSSL 3.0: "Server Temp Key: X25519, 253 bits"; 3.5 and later: "Negotiated TLS1.3 group: X25519".
    group = re.search(r"(?:Server Temp Key|Negotiated TLS1.3 group): (?:ECDH, )?([\w-]+)", said)
    assert code == EXIT_OK and group is not None, said
    assert tls["key_exchange_group"] == group.group(1)
    assert "OCSP response: no response sent" in said and tls["ocsp_stapled"] is False and tls["ocsp"] is None
