"""`smtpshell serve --auth-lab`: the strict receiver for any client, here Python's smtplib over loopback."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from smtpshell.authlab.receiver import AuthLab
from smtpshell.net.sandbox import SandboxThread
from smtpshell.net.serve_command import build_parser, build_policy


def test_serve_auth_lab_refuses_an_spf_failure_and_accepts_an_aligned_pass(smtpshell_home: Path) -> None:
    policy = build_policy(build_parser().parse_args(["--auth-lab"]))
    assert isinstance(policy.message_check, AuthLab)
    assert build_policy(build_parser().parse_args([])).message_check is None
    with SandboxThread(policy, data_dir=smtpshell_home) as sandbox:
        with smtplib.SMTP(sandbox.host, sandbox.port, timeout=30) as client:
            client.ehlo("client.example")
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail("carol@badspf.test", ["bob@sandbox.test"], b"From: <carol@badspf.test>\r\n\r\nhi\r\n")
            assert refused.value.smtp_code == 550 and refused.value.smtp_error.startswith(b"5.7.23")
            client.sendmail("alice@good.test", ["bob@sandbox.test"], b"From: <alice@good.test>\r\n\r\nhi\r\n")
        stored = sandbox.store.messages()[-1].content.decode()
    assert "spf=pass smtp.mailfrom=alice@good.test" in stored and "dmarc=pass header.from=good.test" in stored


def test_bdat_last_is_judged_like_the_end_of_data(smtpshell_home: Path) -> None:
    policy = build_policy(build_parser().parse_args(["--auth-lab"]))
    chunk = b"From: <carol@badspf.test>\r\n\r\nhi\r\n"
    with SandboxThread(policy, data_dir=smtpshell_home) as sandbox, smtplib.SMTP(sandbox.host, sandbox.port) as client:
        client.ehlo("client.example")
        assert client.docmd("MAIL FROM:<carol@badspf.test>")[0] == 250
        assert client.docmd("RCPT TO:<bob@sandbox.test>")[0] == 250
        client.send(f"BDAT {len(chunk)} LAST\r\n".encode() + chunk)
        code, text = client.getreply()
    assert (code, text[:6]) == (550, b"5.7.23")
