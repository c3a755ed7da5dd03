"""Reading whole transcripts and bounces: every reply and status code found, each paired with its command."""

from __future__ import annotations

import base64

from smtpshell.explain.annotate import annotate_text
from smtpshell.explain.engine import explain_reply
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.replies import Reply
from smtpshell.session.records import ConnectionChange, Exchange, Record
from smtpshell.session.transcript import markdown_transcript, plain_transcript


def pairs(text: str) -> list[tuple[str | None, int | None, str | None]]:
    return [(item.command, item.explanation.code, item.explanation.enhanced) for item in annotate_text(text)]


def _recorded_session() -> list[Record]:
    """A session as the shell engine records it: each exchange with the state after its reply."""
    steps: list[tuple[str, Reply, str, tuple[str, ...]]] = [
        (GREETING, Reply.make(220, "sandbox.test ESMTP smtpshell sandbox"), "greeting", ()),
        ("EHLO client.example", Reply.make(250, ["sandbox.test", "PIPELINING", "SIZE 10485760", "AUTH PLAIN"]),
         "command", ()),
        ("RCPT TO:<bob@sandbox.test>", Reply.make(503, "Error: need MAIL command", "5.5.1"), "command", ()),
        ("AUTH LOGIN", Reply.make(334, base64.b64encode(b"Username:").decode()), "command", ()),
        (AUTH_RESPONSE, Reply.make(334, base64.b64encode(b"Password:").decode()), "auth", ()),
        (AUTH_RESPONSE, Reply.make(235, "Authentication successful", "2.7.0"), "auth", ()),
        ("MAIL FROM:<alice@sandbox.test>", Reply.make(250, "Ok", "2.1.0"), "command", ()),
        ("RCPT TO:<bob@sandbox.test>", Reply.make(250, "Ok", "2.1.5"), "command", ()),
        ("DATA", Reply.make(354, "End data with <CR><LF>.<CR><LF>"), "command", ()),
        (DATA_END, Reply.make(250, "Ok: queued as 3F2A1", "2.0.0"), "data",
         ("Subject: hello", "", "250 is also a line of the body", "..a dot-stuffed line")),
        ("QUIT", Reply.make(221, "Bye", "2.0.0"), "command", ()),
    ]  # fmt: skip
    records: list[Record] = [ConnectionChange("connected", "sandbox", at=1.0)]
    state = ClientState()
    for index, (command, reply, kind, payload) in enumerate(steps):
        state.apply(command, reply)
        shown = "****" if kind == "auth" else command
        records.append(
            Exchange(index=index, command=shown, reply=reply, explanation=explain_reply(reply, command),
                     state=state.copy(), tls=False, sent_at=2.0 + index, replied_at=2.5 + index,
                     kind=kind, payload_lines=payload)  # type: ignore[arg-type]
        )  # fmt: skip
    return records


EXPECTED_SESSION = [
    (GREETING, 220, None),
    ("EHLO client.example", 250, None),
    ("RCPT TO:<bob@sandbox.test>", 503, "5.5.1"),
    ("AUTH LOGIN", 334, None),
    (AUTH_RESPONSE, 334, None),
    (AUTH_RESPONSE, 235, "2.7.0"),
    ("MAIL FROM:<alice@sandbox.test>", 250, "2.1.0"),
    ("RCPT TO:<bob@sandbox.test>", 250, "2.1.5"),
    ("DATA", 354, None),
    (DATA_END, 250, "2.0.0"),
    ("QUIT", 221, "2.0.0"),
]


def test_smtpshells_own_saved_transcript_is_read_back_exchange_by_exchange() -> None:
    items = annotate_text(plain_transcript(_recorded_session(), "sandbox"))
    assert [(i.command, i.explanation.code, i.explanation.enhanced) for i in items] == EXPECTED_SESSION
    by_command = {item.command: item for item in items}
    assert items[2].explanation.headline == "RCPT needs an open transaction: send MAIL FROM first"
    assert items[3].explanation.decoded == "Username:" and items[4].explanation.decoded == "Password:"
    assert by_command[DATA_END].explanation.headline.startswith("Message accepted")
    assert [note.keyword for note in items[1].explanation.keywords] == ["PIPELINING", "SIZE", "AUTH"]


def test_the_markdown_transcript_is_read_back_too() -> None:
    assert pairs(markdown_transcript(_recorded_session(), "sandbox")) == EXPECTED_SESSION


def test_a_pipelined_raw_transcript_pairs_replies_in_order() -> None:
    text = "\n".join(
        [
            "220 mx.example.org ESMTP",
            "EHLO client.example",
            "250-mx.example.org",
            "250-PIPELINING",
            "250 SIZE 1000000",
            "MAIL FROM:<a@client.example>",
            "RCPT TO:<b@example.org>",
            "RCPT TO:<nobody@example.org>",
            "DATA",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
            "354 End data with <CR><LF>.<CR><LF>",
            "Subject: hi",
            "",
            "250 apples are a body line here",
            ".",
            "250 2.0.0 Ok: queued as 12345",
            "QUIT",
            "221 2.0.0 Bye",
        ]
    )
    assert pairs(text) == [
        (GREETING, 220, None),
        ("EHLO client.example", 250, None),
        ("MAIL FROM:<a@client.example>", 250, "2.1.0"),
        ("RCPT TO:<b@example.org>", 250, "2.1.5"),
        ("RCPT TO:<nobody@example.org>", 550, "5.1.1"),
        ("DATA", 354, None),
        (DATA_END, 250, "2.0.0"),
        ("QUIT", 221, "2.0.0"),
    ]


def test_swaks_style_arrows_are_read() -> None:
    text = """=== Trying mx.example.org:25...
=== Connected to mx.example.org.
<-  220 mx.example.org ESMTP Postfix
 -> EHLO client.example
<-  250-mx.example.org
<-  250-STARTTLS
<-  250 SMTPUTF8
 -> STARTTLS
<-  220 2.0.0 Ready to start TLS
=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256
 ~> EHLO client.example
<~  250-mx.example.org
<~  250 AUTH PLAIN LOGIN
 ~> MAIL FROM:<a@client.example>
<~* 530 5.7.0 Authentication required
 ~> QUIT
<~  221 2.0.0 Bye
=== Connection closed with remote host."""
    assert pairs(text) == [
        (GREETING, 220, None),
        ("EHLO client.example", 250, None),
        ("STARTTLS", 220, "2.0.0"),
        ("EHLO client.example", 250, None),
        ("MAIL FROM:<a@client.example>", 530, "5.7.0"),
        ("QUIT", 221, "2.0.0"),
    ]


def test_a_postfix_bounce_with_its_dsn_is_fully_annotated() -> None:
    text = """This is the mail system at host mail.example.net.

<nobody@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1
    <nobody@example.org>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

Reporting-MTA: dns; mail.example.net

Final-Recipient: rfc822; nobody@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address
    rejected: User unknown in virtual mailbox table

Final-Recipient: rfc822; someone@gmail.example
Action: failed
Status: 5.7.26
Diagnostic-Code: smtp; 550-5.7.26 This mail is unauthenticated, which poses a
    security risk to the sender and Gmail users, and has been blocked.
    550 5.7.26 The sender must authenticate with at least one of SPF or DKIM.
"""
    items = annotate_text(text)
    assert [(i.line, i.kind, i.command, i.explanation.code, i.explanation.enhanced) for i in items] == [
        (3, "reply", "RCPT TO", 550, "5.1.1"),
        (11, "status", None, None, "5.1.1"),
        (13, "diagnostic", None, 550, "5.1.1"),
        (18, "status", None, None, "5.7.26"),
        (19, "diagnostic", None, 550, "5.7.26"),
    ]
    assert items[0].explanation.headline.startswith("Bad destination mailbox address")  # the enhanced code leads
    assert "User unknown" in items[0].explanation.headline
    gmail = items[4].explanation
    assert gmail.pattern is not None and gmail.pattern.startswith("Gmail: unauthenticated mail blocked")
    assert items[4].text.count("\n") == 2  # the folded field was read whole
    assert items[1].explanation.headline == "Permanent failure: bad destination mailbox address"


def test_exim_errors_name_the_command_they_answer() -> None:
    text = (
        "2024-01-02 10:00:00 1abc-0001 ** bob@example.com R=dnslookup T=remote_smtp: SMTP error from remote "
        "mail server after pipelined MAIL FROM:<alice@example.net> SIZE=1758: 421 4.7.0 [TSS04] Messages from "
        "192.0.2.10 temporarily deferred due to unexpected volume or user complaints\n"
        "  SMTP error from remote mail server after RCPT TO:<carol@example.com>:\n"
        "    550 5.7.1 <carol@example.com>: Relay access denied\n"
        "  SMTP error from remote mail server after end of data:\n"
        "    552 5.3.4 Message size exceeds fixed limit\n"
    )
    items = annotate_text(text)
    assert [(i.command, i.explanation.code) for i in items] == [
        ("MAIL FROM:<alice@example.net> SIZE=1758", 421),
        ("RCPT TO:<carol@example.com>", 550),
        (DATA_END, 552),
    ]
    assert "Yahoo" in items[0].explanation.headline
    assert "Relay access denied" in items[1].explanation.headline
    assert items[2].explanation.headline.startswith("Message too big for system")


def test_a_c_s_log_with_a_server_that_hangs_up_starts_a_new_session_after() -> None:
    text = "\n".join(
        [
            "S: 220 a.example ESMTP",
            "C: EHLO c.example",
            "S: 250 a.example",
            "C: MAIL FROM:<x@c.example>",
            "S: 421 4.7.0 Too many messages from you, slow down; closing connection",
            "S: 220 b.example ESMTP",
            "C: QUIT",
            "S: 221 Bye",
        ]
    )
    assert pairs(text) == [
        (GREETING, 220, None),
        ("EHLO c.example", 250, None),
        ("MAIL FROM:<x@c.example>", 421, "4.7.0"),
        (GREETING, 220, None),
        ("QUIT", 221, None),
    ]


def test_text_without_any_reply_gives_nothing() -> None:
    assert annotate_text("") == []
    assert annotate_text("Dear colleague,\nplease find attached the report.\n> quoted 250 text\n") == []
