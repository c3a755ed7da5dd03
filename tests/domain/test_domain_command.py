"""`smtpshell domain` against a real DNS server on loopback and an MTA-STS policy served over verified HTTPS."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from smtpshell.domain.command import SCHEMA, main
from tests.domain.zone_server import Zone, zone_server
from tests.tls_helpers import issue, make_ca


def base_zone(domain: str) -> Zone:
    return {
        (domain, "MX"): [f"10 mx1.{domain}.", f"20 mx2.{domain}."],
        (domain, "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        (f"_dmarc.{domain}", "TXT"): [f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}"],
        (f"_smtp._tls.{domain}", "TXT"): [f"v=TLSRPTv1; rua=mailto:tls@{domain}"],
        (f"_25._tcp.mx1.{domain}", "TLSA"): ["3 1 1 " + "ab" * 32],
        (f"s1._domainkey.{domain}", "TXT"): ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"],
    }


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["domain", "--timeout", "20", *args], out=out)  # generous: the machine may be loaded
    return code, out.getvalue()


@contextmanager
def policy_server(tmp_path: Path, domain: str, policy: str) -> Iterator[tuple[str, Path]]:
    """HTTPS on 127.0.0.1 with a certificate for mta-sts.DOMAIN signed by a CA made here; yields (HOST:PORT, CA)."""
    ca = make_ca()
    leaf = issue(ca, (f"mta-sts.{domain}",))
    context = leaf.server_context(tmp_path, "mta-sts")
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    body = policy.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 200 if self.path == "/.well-known/mta-sts.txt" else 404
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body) if status == 200 else 0))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", cafile
    finally:
        server.shutdown()
        server.server_close()


def test_a_good_domain_passes_every_check() -> None:
    with zone_server(base_zone("good.test")) as (host, port):
        code, text = run("good.test", "--nameserver", f"{host}:{port}", "--selector", "s1")
    assert code == 0, text
    assert "FAIL" not in text and "WARN" not in text
    assert "mx1.good.test (10)" in text and "DMARC policy p=reject" in text and "DANE TLSA for mx1.good.test" in text
    assert "DKIM key s1: rsa" in text


def test_a_missing_dmarc_is_an_error_with_its_explanation() -> None:
    zone = base_zone("nodmarc.test")
    del zone[("_dmarc.nodmarc.test", "TXT")]
    with zone_server(zone) as (host, port):
        code, text = run("nodmarc.test", "--nameserver", f"{host}:{port}")
    assert code == 3
    assert "[FAIL] DMARC: No DMARC record" in text
    flat = " ".join(text.split())  # explanations are wrapped at 100 columns
    assert "_dmarc.nodmarc.test" in flat and "v=DMARC1; p=none" in flat and "RFC 7489 §6.1" in flat


def test_an_spf_with_11_lookups_is_over_the_limit_of_10() -> None:
    zone = base_zone("heavy.test")
    zone[("heavy.test", "TXT")] = ["v=spf1 " + " ".join(f"include:s{n}.heavy.test" for n in range(11)) + " -all"]
    for n in range(11):
        zone[(f"s{n}.heavy.test", "TXT")] = [f"v=spf1 ip4:198.51.100.{n} -all"]
    with zone_server(zone) as (host, port):
        code, text = run("heavy.test", "--nameserver", f"{host}:{port}", "--json")
    assert code == 3
    report = json.loads(text)
    assert report["spf_lookups"] == 11 and report["worst"] == "error"
    [spf] = [f for f in report["findings"] if f["check"] == "spf"]
    assert spf["title"] == "SPF needs 11 DNS lookups, over the limit of 10"
    assert spf["rfc"] == "RFC 7208 §4.6.4" and "permerror" in spf["explanation"]


def test_an_mta_sts_policy_that_misses_an_mx_is_a_mismatch(tmp_path: Path) -> None:
    zone = base_zone("sts.test")
    zone[("_mta-sts.sts.test", "TXT")] = ["v=STSv1; id=20260101T000000"]
    policy = "version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.test\r\nmax_age: 86400\r\n"
    with zone_server(zone) as (host, port), policy_server(tmp_path, "sts.test", policy) as (address, cafile):
        code, text = run(
            "sts.test", "--nameserver", f"{host}:{port}", "--mta-sts-address", address, "--cafile", str(cafile)
        )
    assert code == 3
    assert "[FAIL] MTA-STS: MTA-STS policy mismatch: mx2.sts.test not in the policy" in text
    assert "RFC 8461 §4.1" in text and "mx: mx1.sts.test" in " ".join(text.split())


def test_a_matching_mta_sts_policy_is_fetched_over_verified_tls(tmp_path: Path) -> None:
    zone = base_zone("sts.test")
    zone[("_mta-sts.sts.test", "TXT")] = ["v=STSv1; id=1"]
    policy = "version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 604800\n"
    with zone_server(zone) as (host, port), policy_server(tmp_path, "sts.test", policy) as (address, cafile):
        code, text = run(
            "sts.test", "--nameserver", f"{host}:{port}", "--mta-sts-address", address, "--cafile", str(cafile)
        )
        # Without the test CA the certificate is not trusted, and the policy counts as not fetched.
        untrusted, text_untrusted = run("sts.test", "--nameserver", f"{host}:{port}", "--mta-sts-address", address)
    assert code == 0, text
    assert "MTA-STS mode enforce, max_age 604800" in text
    assert untrusted == 3 and "MTA-STS policy cannot be fetched" in text_untrusted


def test_the_json_report_follows_its_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    with zone_server(base_zone("good.test")) as (host, port):
        _, text = run("good.test", "--nameserver", f"{host}:{port}", "--json")
    jsonschema.validate(json.loads(text), SCHEMA)


def test_the_json_report_has_the_schema_s_fields() -> None:
    with zone_server(base_zone("good.test")) as (host, port):
        _, text = run("good.test", "--nameserver", f"{host}:{port}", "--json")
    report = json.loads(text)
    assert set(report) == set(SCHEMA["required"])
    finding_fields = SCHEMA["properties"]["findings"]["items"]["required"]
    checks = SCHEMA["properties"]["findings"]["items"]["properties"]["check"]["enum"]
    for finding in report["findings"]:
        assert set(finding) == set(finding_fields) and finding["check"] in checks


def test_bad_usage_exits_2() -> None:
    assert run()[0] == 2
    assert run("x.test", "--nameserver", "not an address:port:x")[0] == 2


def test_a_missing_mx_is_a_warning_only() -> None:
    zone = base_zone("nomx.test")
    del zone[("nomx.test", "MX")]
    with zone_server(zone) as (host, port):
        code, text = run("nomx.test", "--nameserver", f"{host}:{port}")
    assert code == 1 and "[WARN] MX: No MX records" in text


def test_a_fix_in_dns_shows_in_the_next_report() -> None:
    zone = base_zone("fixed.test")
    del zone[("_smtp._tls.fixed.test", "TXT")]
    with zone_server(zone) as (host, port):
        assert "No TLS-RPT" in run("fixed.test", "--nameserver", f"{host}:{port}")[1]
    with zone_server(base_zone("fixed.test")) as (host, port):
        assert "TLS-RPT reports requested" in run("fixed.test", "--nameserver", f"{host}:{port}")[1]


def test_probe_talks_smtp_to_each_mx(smtpshell_home: Path) -> None:
    from smtpshell.net.certs import sandbox_certificate
    from smtpshell.net.sandbox import SandboxThread

    zone = base_zone("probe.test")
    zone[("probe.test", "MX")] = ["10 127.0.0.1."]
    cafile = str(sandbox_certificate(smtpshell_home).certificate)
    with SandboxThread(data_dir=smtpshell_home) as sandbox, zone_server(zone) as (host, port):
        args = ["--nameserver", f"{host}:{port}", "--probe", "--smtp-port", str(sandbox.port), "--cafile", cafile]
        code, text = run("probe.test", *args, "--json")
        untrusted, _ = run("probe.test", *args[:-2])
    report = json.loads(text)
    assert report["probes"] == [{"host": "127.0.0.1", "ok": True, "failure": None}]
    [probe] = [f for f in report["findings"] if f["check"] == "probe"]
    assert probe["title"] == "127.0.0.1 answers SMTP and offers STARTTLS" and probe["severity"] == "ok"
    assert code == 0, text
    assert untrusted == 1  # the self-signed certificate does not verify without --cafile: a warning


def test_a_dns_server_that_never_answers_is_one_clear_error() -> None:
    import socket

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read: every question times out
    silent.bind(("127.0.0.1", 0))
    try:
        out = io.StringIO()
        code = main(
            ["domain", "--timeout", "1", "quiet.test", "--nameserver", f"127.0.0.1:{silent.getsockname()[1]}"], out=out
        )
    finally:
        silent.close()
    assert code == 3
    text = out.getvalue()
    assert "[FAIL] MX: DNS did not answer" in text
    assert "SPF" not in text  # nothing else is asked of a DNS server that does not answer


@pytest.mark.parametrize("domain", ["a..b", "bad domain", "x\x1b[31m.test", "a" * 64 + ".test", "exa_mple.test"])
def test_a_name_that_is_no_domain_is_a_usage_error(domain: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(domain, "--nameserver", "127.0.0.1:9")[0] == 2
    error = capsys.readouterr().err
    assert "is not a domain name" in error and "\x1b" not in error


def test_an_international_domain_is_asked_in_its_ascii_form() -> None:
    zone = base_zone("xn--bcher-kva.test")
    with zone_server(zone) as (host, port):
        code, text = run("bücher.test", "--nameserver", f"{host}:{port}")
    assert code == 0, text
    assert "mx1.xn--bcher-kva.test" in text


def test_control_characters_in_dns_records_never_reach_the_terminal() -> None:
    zone = base_zone("hostile.test")
    zone[("hostile.test", "TXT")] = ["v=spf1 ip4:192.0.2.1 \x1b[2J\x07 -all"]
    with zone_server(zone) as (host, port):
        _, text = run("hostile.test", "--nameserver", f"{host}:{port}")
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b" in text


def findings_for(zone: Zone, domain: str, *args: str) -> tuple[int, list[dict[str, str]]]:
    with zone_server(zone) as (host, port):
        code, text = run(domain, "--nameserver", f"{host}:{port}", "--json", *args)
    return code, json.loads(text)["findings"]


def test_bimi_dane_and_dkim_records_are_read() -> None:
    zone = base_zone("brand.test")
    zone[("default._bimi.brand.test", "TXT")] = ["v=BIMI1; l=https://brand.test/logo.svg; a="]
    zone[("_25._tcp.mx2.brand.test", "TLSA")] = ["1 0 1 " + "cd" * 32]  # PKIX-EE: not for SMTP
    zone[("old._domainkey.brand.test", "TXT")] = ["v=DKIM1; p="]
    code, findings = findings_for(zone, "brand.test", "--selector", "s1", "--selector", "old", "--selector", "gone")
    by_title = {f["title"]: f for f in findings}
    assert by_title["BIMI logo published"]["severity"] == "ok"
    assert "https://brand.test/logo.svg" in by_title["BIMI logo published"]["explanation"]
    assert by_title["DANE TLSA for mx2.brand.test: usage 1"]["severity"] == "warning"
    assert by_title["DKIM key old is revoked"]["severity"] == "warning"
    assert by_title["No DKIM key for selector gone"]["severity"] == "error"
    assert by_title["DKIM key s1: rsa"]["severity"] == "ok"
    assert code == 3


@pytest.mark.parametrize(
    ("spf", "severity", "words"),
    [
        ("v=spf1 +all", "error", "'+all' lets every server"),
        ("v=spf1 ip4:192.0.2.1", "warning", "Without -all or ~all"),
        ("v=spf1 ip4:192.0.2.1 ~all", "ok", "~all (others soft-fail)"),
        ("v=spf1 foo:bar -all", "error", "foo is not a valid SPF mechanism"),
        ("v=spf1 ip4:192.0.2.300 -all", "error", "not a valid IPv4"),
    ],
)
def test_spf_endings_and_mistakes_are_judged(spf: str, severity: str, words: str) -> None:
    zone = base_zone("spf.test")
    zone[("spf.test", "TXT")] = [spf]
    _, findings = findings_for(zone, "spf.test")
    [finding] = [f for f in findings if f["check"] == "spf" and f["title"] != "SPF warning"]
    assert finding["severity"] == severity
    assert words in finding["title"] + finding["explanation"]
