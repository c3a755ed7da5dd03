"""With a Maildir, delivery runs on the disk worker threads: the delivery status notification for a recipient the
sandbox cannot reach is written there too, synced like the message, and both are in the mailbox after the 250."""

from __future__ import annotations

import email
import email.policy
import smtplib
from pathlib import Path

from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.policy import SandboxPolicy

MESSAGE = b"From: Alice <alice@sandbox.test>\r\nSubject: Hello friend\r\n\r\nThe body stays home.\r\n"


def test_a_dsn_is_written_to_the_maildir_by_the_disk_worker(smtpshell_home: Path, tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    policy = SandboxPolicy(auth_over_plaintext=True)
    with SandboxThread(policy, maildir=maildir, data_dir=smtpshell_home) as relay:
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as smtp:
            smtp.ehlo("client.example")
            smtp.login("alice", "wonderland")
            refused = smtp.sendmail(
                "alice@sandbox.test",
                ["friend@example.org", "bob@sandbox.test"],
                MESSAGE,
                mail_options=["RET=HDRS", "ENVID=QQ27"],
                rcpt_options=["NOTIFY=FAILURE"],
            )
            assert refused == {}
            assert smtp.noop()[0] == 250
        original, report = relay.store.messages()
    assert original.envelope.recipients == ("friend@example.org", "bob@sandbox.test")
    assert report.envelope.sender == "" and report.envelope.recipients == ("alice@sandbox.test",)
    files = sorted((maildir / "new").iterdir())
    assert len(files) == 2
    reports = [
        parsed
        for parsed in (email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32) for path in files)
        if parsed.get_content_type() == "multipart/report"
    ]
    assert len(reports) == 1
    _, status, _ = reports[0].get_payload()
    per_message, per_recipient = status.get_payload()
    assert per_message["Original-Envelope-Id"] == "QQ27"
    assert per_recipient["Final-Recipient"] == "rfc822; friend@example.org"
    assert per_recipient["Action"] == "failed"
