"""The message side of DATA: a header template filled from the envelope, and the lines as they go out.

Rule: the envelope (MAIL FROM, RCPT TO) decides delivery; the From:/To: headers are only what the reader sees.
The template fills both from the same addresses so a learner's first message is consistent.
"""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.framing import dot_stuff

DEFAULT_SUBJECT = "Hello from smtpshell"
DEFAULT_BODY = "This message was typed by hand, one SMTP command at a time."


def message_headers(
    state: ClientState, *, now: float | None = None, new_id: Callable[[], str] | None = None
) -> list[str]:
    """From, To, Subject, Date and Message-ID for the current envelope (placeholders when it is empty).

    ``now`` and ``new_id`` pin the Date and the Message-ID's left part (tests); by default they are the time and
    a fresh unique id.
    """
    import email.utils  # here: the module is needed for the template only, and costs milliseconds to import

    sender = state.sender or "you@example.com"
    recipients = state.recipients or ["someone@example.com"]
    domain = sender.rpartition("@")[2] or (state.helo if state.helo and state.helo != "?" else "smtpshell.invalid")
    message_id = f"<{new_id()}@{domain}>" if new_id is not None else email.utils.make_msgid(domain=domain)
    return [
        f"From: <{sender}>",
        "To: " + ", ".join(f"<{r}>" for r in recipients),
        f"Subject: {DEFAULT_SUBJECT}",
        f"Date: {email.utils.formatdate(now, localtime=True)}",
        f"Message-ID: {message_id}",
    ]


def message_template(state: ClientState, *, now: float | None = None, new_id: Callable[[], str] | None = None) -> str:
    """Headers, the blank line that ends them (RFC 5322 §2.1), and a one-line body."""
    return "\n".join([*message_headers(state, now=now, new_id=new_id), "", DEFAULT_BODY])


def stuffed_lines(lines: list[str]) -> tuple[list[str], int]:
    """The lines as they travel after DATA (RFC 5321 §4.5.2) and how many got an extra leading dot."""
    out = ["." + line if line.startswith(".") else line for line in lines]
    return out, sum(1 for line in lines if line.startswith("."))


def data_payload(lines: list[str], *, raw: bool = False) -> bytes:
    """The octets sent after 354: the message and <CRLF>.<CRLF>. Raw mode skips dot-stuffing, for demos."""
    if raw:
        body = "".join(line + "\r\n" for line in lines)
        return body.encode("utf-8", "surrogateescape") + b".\r\n"
    return dot_stuff(lines)


def split_message_text(text: str) -> list[str]:
    """A whole message typed or pasted as one text -> its lines (CRLF or LF ends a line; the last may lack one)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
