"""Delivery status notifications (RFC 3464) the sandbox sends back when it accepted a message it cannot deliver.

Rule: the sandbox delivers nothing outside its own domains, so a recipient elsewhere (accepted after AUTH) fails
after the 250 — and, as a real relay would, the sandbox reports it to the envelope sender in a multipart/report
(RFC 6522) from the null reverse-path. It honours what the sender asked for (RFC 3461): NOTIFY without FAILURE
(or NEVER) means no report, RET=HDRS returns only the headers, ENVID and ORCPT come back as given; and a message
from <> never gets one, so two servers cannot bounce a bounce back and forth (RFC 5321 §4.5.5).
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable

from smtpshell.proto.events import Envelope, Message
from smtpshell.proto.policy import SandboxPolicy

FAILURE_STATUS = "5.4.4"  # RFC 3463: unable to route — the sandbox has no route beyond its own domains
FAILURE_REASON = "the sandbox delivers no mail outside its own domains, so no route leads to this address"


def undeliverable(message: Message, policy: SandboxPolicy) -> list[str]:
    """The recipients of ``message`` the sandbox cannot reach and should report: outside its domains, NOTIFY
    permitting, and never for a message from the null sender."""
    envelope = message.envelope
    if not envelope.sender:
        return []
    failed = []
    for recipient in envelope.recipients:
        domain = recipient.rpartition("@")[2]
        if policy.is_local_domain(domain):
            continue
        notify = _param(envelope.rcpt_params.get(recipient, {}), "NOTIFY")
        if notify is not None and "FAILURE" not in notify.upper().split(","):
            continue  # NOTIFY=NEVER, or only SUCCESS/DELAY: the sender asked for no failure report
        failed.append(recipient)
    return failed


def failure_report(message: Message, failed: list[str], policy: SandboxPolicy, *, now: float, queue_id: str) -> Message:
    """The DSN for ``failed`` recipients of ``message``, addressed to its envelope sender from <>."""
    envelope = message.envelope
    host = policy.hostname
    date = email.utils.formatdate(now, localtime=False)
    boundary = f"{queue_id}/{host}"
    returned = _returned_part(message.content, _param(envelope.mail_params, "RET"))
    per_message = [f"Reporting-MTA: dns; {host}"]
    envid = _param(envelope.mail_params, "ENVID")
    if envid:
        per_message.append(f"Original-Envelope-Id: {envid}")
    per_message.append(f"Arrival-Date: {email.utils.formatdate(message.received_at, localtime=False)}")
    per_recipient: list[str] = []
    for recipient in failed:
        per_recipient.append("")
        orcpt = _param(envelope.rcpt_params.get(recipient, {}), "ORCPT")
        if orcpt:
            per_recipient.append(f"Original-Recipient: {orcpt}")
        per_recipient += [
            f"Final-Recipient: rfc822; {recipient}",
            "Action: failed",
            f"Status: {FAILURE_STATUS}",
        ]
    human = [
        f"This is the mail system at host {host}.",
        "",
        f"Your message (queue id {message.queue_id}) could not be delivered to",
        f"{'this recipient' if len(failed) == 1 else 'these recipients'}:",
        "",
        *(f"<{r}>: {FAILURE_REASON} (status {FAILURE_STATUS})" for r in failed),
    ]
    lines = [
        f"Received: by {host} (smtpshell sandbox) id {queue_id};",
        f"\t{date}",
        f"Date: {date}",
        f"From: Mail Delivery System <MAILER-DAEMON@{host}>",
        f"To: <{envelope.sender}>",
        "Subject: Undelivered Mail Returned to Sender",
        f"Message-ID: <{queue_id}.dsn@{host}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery status notification (RFC 3464).",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        *human,
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        *per_message,
        *per_recipient,
        "",
        f"--{boundary}",
        *returned,
        f"--{boundary}--",
    ]
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogateescape")
    report_envelope = Envelope("", (envelope.sender,))
    return Message(queue_id, report_envelope, content, host, "127.0.0.1", False, None, now, "local")


def _returned_part(content: bytes, ret: str | None) -> list[str]:
    """The original message (RET=FULL, the default here) or only its headers (RET=HDRS), as a MIME part."""
    text = content.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    if ret is not None and ret.upper() == "HDRS":
        head = text.partition("\n\n")[0]
        return ["Content-Type: text/rfc822-headers", "", *head.split("\n"), ""]
    return ["Content-Type: message/rfc822", "", *text.rstrip("\n").split("\n"), ""]


def _param(params: dict[str, str | None], name: str) -> str | None:
    for key, value in params.items():
        if key.upper() == name:
            return "" if value is None else value
    return None


def report_failures(
    message: Message, policy: SandboxPolicy, add: Callable[[Message], None], *, now: float, new_id: Callable[[], str]
) -> Message | None:
    """Store the DSN for ``message``'s unreachable recipients with ``add``; the report, or None when none is due."""
    failed = undeliverable(message, policy)
    if not failed:
        return None
    report = failure_report(message, failed, policy, now=now, queue_id=new_id())
    add(report)
    return report
