"""An envelope as the commands that built it, parameters included: what /mailbox and the mailbox view show.

Rule: a DSN parameter (RET, ENVID on MAIL; NOTIFY, ORCPT on RCPT) is part of the envelope a learner is asked to
check, so it is shown beside the address it came with, written as it was sent.
"""

from __future__ import annotations

from smtpshell.proto.events import Envelope


def parameters(params: dict[str, str | None]) -> str:
    """`` K=V K2`` (with a leading space), or "" when there are none."""
    return "".join(f" {k}" if v is None else f" {k}={v}" for k, v in params.items())


def recipient_text(envelope: Envelope, recipient: str) -> str:
    return f"<{recipient}>{parameters(envelope.rcpt_params.get(recipient, {}))}"


def envelope_commands(envelope: Envelope) -> list[str]:
    """``MAIL FROM:<a> RET=HDRS``, then one ``RCPT TO:<b> NOTIFY=…`` per recipient."""
    return [f"MAIL FROM:<{envelope.sender}>{parameters(envelope.mail_params)}"] + [
        f"RCPT TO:{recipient_text(envelope, r)}" for r in envelope.recipients
    ]
