"""A certificate that fits: `serve --class` names its certificate, adds the lab's names, and hands it out."""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509

from tests.classroom.serving import Serving
from tests.net.wire import WireClient


@pytest.mark.skipif(os.name != "posix", reason="a pipe read with a deadline needs POSIX selectors")
def test_the_certificate_carries_the_lab_names_and_students_can_verify_with_it(tmp_path: Path) -> None:
    serving = Serving(
        tmp_path / "home",
        "--class",
        "1",
        "--tls-name",
        "lab.example",
        "--tls-name",
        "192.0.2.10",
        "--passwords",
        str(tmp_path / "pw.txt"),
    )
    try:
        port = int(serving.wait_for(r"listening on 127\.0\.0\.1:(\d+)")[1])
        path = Path(serving.wait_for(r"^  certificate: (\S+) \(self-signed, for .*lab\.example, 192\.0\.2\.10\)")[1])
        hint = serving.wait_for(r"students here trust it with: smtpshell connect (\S+) --starttls --cafile (\S+)$")
        assert hint[1] == f"127.0.0.1:{port}" and Path(hint[2]) == path
        download = serving.wait_for(r"curl -o class-ca\.pem (http://\S+/api/certificate)$")[1]

        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "lab.example" in names.get_values_for_type(x509.DNSName)
        assert ipaddress.ip_address("192.0.2.10") in names.get_values_for_type(x509.IPAddress)
        with urllib.request.urlopen(download, timeout=10) as response:
            assert response.read() == path.read_bytes()

        context = ssl.create_default_context(cafile=str(path))
        client = WireClient(port)
        client.reply()
        client.command("EHLO student01")
        assert client.command("STARTTLS")[0] == 220
        client.starttls(context, server_hostname="lab.example")  # verified against the lab's own name
        assert client.command("EHLO student01")[0] == 250
        client.close()
    finally:
        serving.stop()
    assert not re.search(r"Traceback", "\n".join(serving.lines["err"]))


def test_a_name_that_is_not_a_host_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from smtpshell.classroom.serve_command import main

    assert main(["serve", "--class", "2", "--tls-name", "not a host"]) == 2
    assert "neither a host name" in capsys.readouterr().err
    assert main(["serve", "--tls-name", "lab.example"]) == 2
    assert "needs --class" in capsys.readouterr().err
