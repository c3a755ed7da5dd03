"""explain_reply and explain_topic, table by table: EHLO reading, 334 decoding, unknown codes, meaning in context,
well-known real-world texts."""

from __future__ import annotations

import base64
import json

import pytest

from smtpshell.explain import explain_reply, explain_topic, knowledge, render_text
from smtpshell.explain.ehlo_reading import format_size, read_keyword
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.faults import PRESETS
from smtpshell.proto.replies import BASIC_CODES, Reply
from smtpshell.proto.reply_parser import ReplyParser

EHLO_250 = [
    "mx.example.org at your service",
    "SIZE 35882577",
    "8BITMIME",
    "STARTTLS",
    "AUTH PLAIN LOGIN CRAM-MD5",
    "ENHANCEDSTATUSCODES",
    "PIPELINING",
    "CHUNKING",
    "SMTPUTF8",
]


def wire(*lines: str) -> Reply:
    """A reply as a real client reads it off the wire."""
    replies = ReplyParser().feed("".join(line + "\r\n" for line in lines).encode())
    assert len(replies) == 1
    return replies[0]


def session(*steps: tuple[str, Reply]) -> ClientState:
    """A client state reached by real exchanges, starting with a 220 greeting."""
    state = ClientState()
    state.apply(GREETING, wire("220 mx.example.org ESMTP"))
    for command, reply in steps:
        state.apply(command, reply)
    return state


def greeted() -> ClientState:
    return session(("EHLO client.example", Reply.make(250, EHLO_250)))


def with_sender() -> ClientState:
    state = greeted()
    state.apply("MAIL FROM:<a@client.example>", wire("250 2.1.0 Ok"))
    return state


# ------------------------------------------------------------------------------------------------ EHLO


@pytest.mark.parametrize(
    ("octets", "shown"),
    [(35882577, "34.2 MiB"), (10485760, "10.0 MiB"), (157286400, "150.0 MiB"), (52428, "51.2 KiB")],
)
def test_sizes_read_in_mib_with_one_decimal(octets: int, shown: str) -> None:
    assert format_size(octets) == shown


@pytest.mark.parametrize(
    ("keyword", "params", "reading_contains", "known"),
    [
        ("SIZE", "35882577", "limit 34.2 MiB (35,882,577 octets)", True),
        ("SIZE", "0", "no fixed limit", True),
        ("SIZE", "", "no fixed limit announced", True),
        ("SIZE", "lots", "not a number", True),
        ("AUTH", "PLAIN LOGIN", "2 mechanisms: PLAIN", True),
        ("AUTH", "XOAUTH2 FANCY-NEW", "FANCY-NEW (a mechanism this shell does not know)", True),
        ("AUTH=LOGIN", "PLAIN", "2 mechanisms: LOGIN", True),
        ("DELIVERBY", "3600", "3600 s (1.0 hours)", True),
        ("FUTURERELEASE", "604800 2030-04-30T12:00:00Z", "7.0 days", True),
        ("LIMITS", "RCPTMAX=100 MAILMAX=1000", "at most 100 recipients per transaction", True),
        ("MT-PRIORITY", "MIXER", "policy: MIXER", True),
        ("XCLIENT", "NAME ADDR PROTO HELO", "attributes a trusted client may set: NAME, ADDR", True),
        ("X-EXPS", "GSSAPI NTLM", "mechanisms: GSSAPI, NTLM", True),
        ("PIPELINING", "", None, True),
        ("8BITMIME", "surprise", "unexpected parameters", True),
        ("X-MADE-UP", "1 2", None, False),
        ("WIBBLE", "", None, False),
    ],
)
def test_each_keyword_is_read_with_its_parameters(
    keyword: str, params: str, reading_contains: str | None, known: bool
) -> None:
    note = read_keyword(keyword, params)
    assert note.known is known
    assert (note.keyword, note.params) == (keyword, params)
    if reading_contains is None:
        assert note.reading is None
    else:
        assert note.reading is not None and reading_contains in note.reading
    if not known:
        assert "not in this shell's knowledge base" in note.meaning
        assert note.rfc is None


def test_an_unknown_x_keyword_is_called_a_private_extension() -> None:
    assert "private extension" in read_keyword("XSOMETHING").meaning
    assert "private extension" not in read_keyword("SOMETHING").meaning


def test_an_ehlo_reply_gets_one_note_per_keyword_in_order() -> None:
    reply = Reply.make(250, EHLO_250)
    explanation = explain_reply(reply, "EHLO client.example", session())
    assert [note.keyword for note in explanation.keywords] == [line.split()[0] for line in EHLO_250[1:]]
    assert explanation.headline == "Hello accepted: the server lists 8 extensions"
    size = explanation.keywords[0]
    assert size.reading is not None and "34.2 MiB" in size.reading and size.rfc == "RFC 1870"
    assert "mx.example.org at your service" in explanation.meaning
    assert all(note.known for note in explanation.keywords)


def test_passwords_offered_before_tls_are_pointed_out() -> None:
    before = explain_reply(Reply.make(250, EHLO_250), "EHLO client.example", session())
    auth = next(note for note in before.keywords if note.keyword == "AUTH")
    assert auth.reading is not None and "before TLS" in auth.reading
    tls = session(("STARTTLS", wire("220 2.0.0 Ready to start TLS")))
    after = explain_reply(Reply.make(250, EHLO_250), "EHLO client.example", tls)
    auth = next(note for note in after.keywords if note.keyword == "AUTH")
    assert auth.reading is not None and "before TLS" not in auth.reading
    assert "over TLS" in after.headline


def test_a_pasted_multiline_250_is_read_as_an_ehlo_reply() -> None:
    explanation = explain_topic("250-mx.example.org\n250-SIZE 10240000\n250-VRFY\n250 XFORWARD NAME ADDR")
    assert [note.keyword for note in explanation.keywords] == ["SIZE", "VRFY", "XFORWARD"]
    assert explanation.keywords[0].reading == "limit 9.8 MiB (10,240,000 octets)"
    assert explanation.headline == "Hello accepted: the server lists 3 extensions"


def test_helo_lists_no_extensions() -> None:
    explanation = explain_reply(wire("250 mx.example.org"), "HELO client.example", session())
    assert explanation.keywords == []
    assert "no extensions" in explanation.headline


# ------------------------------------------------------------------------------------------------ AUTH, 334


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("command", "text", "decoded", "meaning_contains"),
    [
        ("AUTH LOGIN", b64("Username:"), "Username:", "user name"),
        (AUTH_RESPONSE, b64("Password:"), "Password:", "only over TLS"),
        ("AUTH CRAM-MD5", b64("<1896.697170952@postoffice.example.net>"),
         "<1896.697170952@postoffice.example.net>", "HMAC-MD5"),
        ("AUTH PLAIN", "", None, "NUL"),
        ("AUTH XOAUTH2 dG9rZW4=", b64('{"status":"400","schemes":"Bearer","scope":"https://mail.example/"}'),
         '{"status":"400","schemes":"Bearer","scope":"https://mail.example/"}', "empty line"),
        ("AUTH LOGIN", "not*base64!", None, "not valid base64"),
    ],
)  # fmt: skip
def test_a_334_challenge_is_decoded(command: str, text: str, decoded: str | None, meaning_contains: str) -> None:
    state = greeted()
    if command == AUTH_RESPONSE:
        state.apply("AUTH LOGIN", wire("334 " + b64("Username:")))
        state.apply(AUTH_RESPONSE, wire("334 " + b64("Password:")))
    explanation = explain_reply(wire(f"334 {text}".rstrip()), command, state)
    assert explanation.decoded == decoded
    assert meaning_contains in explanation.meaning
    assert "RFC 4954 §4" in explanation.references
    assert explanation.next_steps == ["Send your answer as one base64 line (or '*' to cancel the login)."]


def test_a_pasted_334_is_decoded_without_context() -> None:
    assert explain_topic("334 VXNlcm5hbWU6").decoded == "Username:"


# ------------------------------------------------------------------------------------------------ unknown


@pytest.mark.parametrize(
    ("text", "headline_contains"),
    [
        ("240", "success reply this shell does not know"),
        ("336 what", "intermediate reply this shell does not know"),
        ("442", "temporary failure this shell does not know"),
        ("512", "permanent failure this shell does not know"),
        ("597", "Not an SMTP reply code"),
        ("599", "Not an SMTP reply code"),
        ("199", "Not an SMTP reply code"),
    ],
)
def test_an_unknown_code_is_explained_honestly_from_its_digits(text: str, headline_contains: str) -> None:
    explanation = explain_topic(text)
    assert explanation.known is False
    assert headline_contains in explanation.headline
    assert explanation.anatomy[0][0] == f"{text[0]}xx"
    assert explanation.code == int(text[:3])


def test_an_unregistered_enhanced_detail_keeps_class_and_subject() -> None:
    explanation = explain_reply(wire("451 4.7.650 The mail server has been rate limited"), "MAIL FROM:<a@b.example>")
    assert explanation.known is False
    assert explanation.enhanced == "4.7.650"
    assert ("x.7.650", "detail 650 is not in the IANA registry: a vendor's own code; read the text") in (
        explanation.anatomy
    )
    assert "security or policy" in explanation.meaning
    topic = explain_topic("5.7.708")
    assert topic.known is False and "Microsoft" in (topic.pattern or "")


def test_a_nonsense_topic_says_it_is_not_known() -> None:
    for text in ("", "   ", "what is this?"):
        explanation = explain_topic(text)
        assert explanation.known is False
    assert "not a reply code, keyword or command" in explain_topic("FOOBAR").headline


# ------------------------------------------------------------------------------------------------ anatomy


def test_anatomy_reads_every_digit_and_part() -> None:
    explanation = explain_topic("550 5.7.1")
    parts = dict(explanation.anatomy)
    assert parts["5xx"].startswith("permanent negative")
    assert parts["x5x"].startswith("mail system")
    assert parts["550"].startswith(BASIC_CODES[550][0])
    assert "permanent failure" in parts["5.x.x"]
    assert "security or policy" in parts["x.7.x"]
    assert parts["x.7.1"].startswith("Delivery not authorized, message refused")


@pytest.mark.parametrize("code", sorted(BASIC_CODES))
def test_every_registry_code_is_known_and_shows_its_registry_meaning(code: int) -> None:
    explanation = explain_topic(str(code))
    assert explanation.known
    assert (str(code), f"{BASIC_CODES[code][0]} ({BASIC_CODES[code][1]})") in explanation.anatomy
    assert explanation.references


@pytest.mark.parametrize(
    ("text", "mismatch"),
    [("250 5.0.0 odd", True), ("550 2.1.5 odd", True), ("451 5.7.1 odd", True), ("550 5.1.1 no", False)],
)
def test_an_enhanced_class_that_contradicts_the_basic_code_is_pointed_out(text: str, mismatch: bool) -> None:
    explanation = explain_topic(text)
    assert ("Mismatch:" in explanation.meaning) is mismatch


# ------------------------------------------------------------------------------------------------ context


@pytest.mark.parametrize(
    ("state_factory", "command", "reply", "headline"),
    [
        (greeted, "RCPT TO:<b@example.org>", "503 5.5.1 Error: need MAIL command",
         "RCPT needs an open transaction: send MAIL FROM first"),
        (session, "RCPT TO:<b@example.org>", "503 5.5.1 Error: send HELO/EHLO first",
         "Greet first: EHLO, then MAIL FROM, then RCPT TO"),
        (with_sender, "MAIL FROM:<a@client.example>", "503 5.5.1 Error: nested MAIL command",
         "A transaction is already open: finish it or RSET"),
        (with_sender, "DATA", "554 5.5.1 Error: no valid recipients",
         "No recipient was accepted yet, so DATA cannot start"),
        (greeted, "DATA", "503 5.5.1 Error: need RCPT command", "DATA needs a sender and a recipient first"),
        (greeted, "STARTTLS", "220 2.0.0 Ready to start TLS",
         "Go ahead: start the TLS handshake now, then EHLO again"),
        (session, "EHLO client.example", "502 5.5.2 Error: command not recognized",
         "An old server: it does not know EHLO, so use HELO"),
        (greeted, "VRFY bob", "252 2.0.0 bob", "The server will not confirm the address (protection against "
         "address harvesting)"),
        (greeted, "TURN", "502 5.5.1 TURN not implemented", "TURN is obsolete: deprecated because it was unsafe"),
        (greeted, "AUTH LOGIN", "538 5.7.11 Encryption required",
         "Encrypt first: this login is only allowed over TLS"),
        (greeted, "RCPT TO:<x@elsewhere.example>", "554 5.7.1 <x@elsewhere.example>: Relay access denied",
         "Refused: if this is 'relay access denied', log in first"),
        (session, GREETING, "554 5.7.1 No SMTP service here",
         "No SMTP service for you here: the server refuses this connection"),
        (with_sender, DATA_END, "250 2.0.0 Ok: queued as 3F2A1",
         "Message accepted: the server has taken responsibility for it"),
    ],
)  # fmt: skip
def test_the_meaning_depends_on_the_command_and_the_state(
    state_factory: object, command: str, reply: str, headline: str
) -> None:
    assert callable(state_factory)
    state = state_factory()
    explanation = explain_reply(wire(reply), command, state)
    assert explanation.headline == headline


def test_without_state_the_same_reply_gets_the_general_meaning() -> None:
    explanation = explain_reply(wire("503 5.5.1 Error: need MAIL command"), "RCPT TO:<b@example.org>")
    assert explanation.headline == knowledge.reply_codes()[503].headline
    advice = knowledge.enhanced_codes()["X.5.1"].advice
    assert explanation.next_steps == [*knowledge.reply_codes()[503].next, advice]


def test_an_authenticated_client_is_told_it_is_already_logged_in() -> None:
    state = greeted()
    state.apply("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=", wire("235 2.7.0 Authentication successful"))
    explanation = explain_reply(wire("503 5.5.1 Error: already authenticated"), "AUTH LOGIN", state)
    assert explanation.headline == "You are already logged in"


@pytest.mark.parametrize(
    ("state_factory", "command", "reply", "expected_steps"),
    [
        (session, "EHLO client.example", None, ["MAIL FROM:<alice@sandbox.test>", "STARTTLS", "AUTH LOGIN"]),
        (greeted, "MAIL FROM:<a@client.example>", "250 2.1.0 Ok", ["RCPT TO:<bob@sandbox.test>", "RSET", "QUIT"]),
        (with_sender, "RCPT TO:<b@example.org>", "250 2.1.5 Ok", ["DATA", "BDAT 120 LAST", "RCPT TO:"]),
        (greeted, "QUIT", "221 2.0.0 Bye", ["The connection is closed: connect again to go on."]),
        (greeted, "MAIL FROM:<a@client.example>", "421 4.7.0 Too many messages from you, slow down",
         ["The connection is closed: connect again to go on."]),
    ],
)  # fmt: skip
def test_next_steps_are_the_commands_that_make_sense_after_the_reply(
    state_factory: object, command: str, reply: str | None, expected_steps: list[str]
) -> None:
    assert callable(state_factory)
    state = state_factory()
    answer = Reply.make(250, EHLO_250) if reply is None else wire(reply)
    steps = " | ".join(explain_reply(answer, command, state).next_steps)
    for expected in expected_steps:
        assert expected in steps


def test_after_354_the_next_step_is_the_message_not_a_command() -> None:
    state = with_sender()
    state.apply("RCPT TO:<b@example.org>", wire("250 2.1.5 Ok"))
    explanation = explain_reply(wire("354 End data with <CR><LF>.<CR><LF>"), "DATA", state)
    assert explanation.next_steps == list(knowledge.reply_codes()[354].next)


def test_passing_the_state_after_the_reply_gives_the_same_explanation() -> None:
    before = greeted()
    reply = wire("250 2.1.0 Ok")
    after = before.copy()
    after.apply("MAIL FROM:<a@client.example>", reply)
    assert explain_reply(reply, "MAIL FROM:<a@client.example>", before) == explain_reply(
        reply, "MAIL FROM:<a@client.example>", after
    )


@pytest.mark.parametrize(
    ("advertised", "command", "reply", "meaning_contains"),
    [
        (["SIZE 1000"], "MAIL FROM:<a@b.example> SIZE=5000", "552 5.3.4 Message size exceeds fixed limit",
         "You declared SIZE=5000, over the limit of 1000 octets"),
        (["SIZE 1000"], "MAIL FROM:<a@b.example> BODY=8BITMIME", "555 5.5.4 Unsupported option: BODY",
         "did not list 8BITMIME"),
        (["8BITMIME"], "MAIL FROM:<a@b.example> FROBNICATE=1", "555 5.5.4 Unsupported option",
         "FROBNICATE is not a MAIL parameter"),
        (["DSN"], "RCPT TO:b@b.example", "501 5.5.4 Syntax error", "must be in angle brackets"),
    ],
)  # fmt: skip
def test_refused_parameters_are_explained(
    advertised: list[str], command: str, reply: str, meaning_contains: str
) -> None:
    state = session(("EHLO client.example", Reply.make(250, ["mx.example.org", *advertised])))
    if command.startswith("RCPT"):
        state.apply("MAIL FROM:<a@b.example>", wire("250 ok"))
    assert meaning_contains in explain_reply(wire(reply), command, state).meaning


def test_the_sandbox_reason_is_kept() -> None:
    reason = "bob@sandbox.test is in the mailbox-full fault rule"
    explanation = explain_reply(wire("452 4.2.2 Mailbox full"), "RCPT TO:<bob@sandbox.test>", greeted(), reason)
    assert explanation.server_reason == reason
    assert f"The server's reason: {reason}" in " ".join(render_text(explanation).split())


def test_an_unusual_command_for_a_code_is_said_to_be_unusual() -> None:
    explanation = explain_reply(wire("354 go ahead"), "RCPT TO:<b@example.org>")
    assert "Unusual: 354 is not among the replies" in explanation.meaning


# ------------------------------------------------------------------------------------------------ real texts


@pytest.mark.parametrize(
    ("text", "pattern_id"),
    [
        ("554 5.7.1 <someone@elsewhere.example>: Relay access denied", "relay-denied"),
        ("550 relay not permitted", "relay-denied"),
        ("550 5.7.1 <x@y.example>... Relaying denied. Proper authentication required.", "relay-denied"),
        ("451 4.7.1 Greylisting in action, please come back in 00:05:00", "greylist"),
        ("450 4.2.0 <b@example.org>: Recipient address rejected: Greylisted, see "
         "http://postgrey.schweikert.ch/help/example.org.html", "greylist-postgrey"),
        ("554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org; "
         "https://www.spamhaus.org/query/ip/203.0.113.9", "dnsbl-spamhaus"),
        ("550 5.7.1 Rejected because 203.0.113.9 is in a black list at b.barracudacentral.org", "dnsbl-barracuda"),
        ("554 Service unavailable; Client host [203.0.113.9] blocked using bl.spamcop.net", "dnsbl-spamcop"),
        ("550 5.7.23 Message rejected due to: SPF fail - not authorized", "spf-fail"),
        ("550 5.7.1 Email rejected per DMARC policy for example.com", "dmarc-reject"),
        ("550 5.7.20 DKIM signature verification failed", "dkim-fail"),
        ("554 5.7.1 This message was classified as SPAM and may not be delivered", "unsolicited"),
        ("550-5.7.1 Our system has detected that this message is\n550-5.7.1 likely unsolicited mail.",
         "gmail-likely-unsolicited"),
        ("550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all "
         "senders to authenticate with either SPF or DKIM.", "gmail-unauthenticated"),
        ("421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP "
         "address.", "gmail-rate-limited"),
        ("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
         "microsoft-5.7.708"),
        ("550 5.7.1 Unfortunately, messages from [203.0.113.9] weren't sent. Please contact your Internet "
         "service provider since part of their network is on our block list (S3150).", "microsoft-s3150"),
        ("550 5.7.606 Access denied, banned sending IP [203.0.113.9].", "microsoft-5.7.606"),
        ("421 4.7.0 [TSS04] Messages from 203.0.113.9 temporarily deferred due to unexpected volume or user "
         "complaints", "yahoo-tss04"),
        ("554 5.7.1 [CS01] Message rejected due to local policy.", "icloud-policy"),
        ("421 4.7.0 mail.example.org Error: too many connections from 203.0.113.9", "rate-limit"),
        ("550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table",
         "user-unknown"),
        ("550 Requested action not taken: mailbox unavailable", "mailbox-unavailable"),
        ("552 5.2.2 <b@example.org>: user is over quota", "mailbox-full"),
        ("552 5.3.4 Message size exceeds fixed limit", "message-too-big"),
        ("530 5.7.0 Must issue a STARTTLS command first", "starttls-required"),
        ("504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", "helo-rejected"),
    ],
)  # fmt: skip
def test_well_known_real_world_texts_are_recognised(text: str, pattern_id: str) -> None:
    matched = knowledge.match_pattern(text)
    assert matched is not None and matched.id == pattern_id
    explanation = explain_topic(text)
    assert explanation.pattern is not None and explanation.pattern.startswith(matched.name)
    assert matched.name in explanation.headline


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_sandbox_fault_texts_are_recognised(name: str) -> None:
    expected = {
        "greylist": "greylist",
        "mailbox-full": "mailbox-full",
        "unknown-user": "user-unknown",
        "relay-denied": "relay-denied",
        "rate-limit": "rate-limit",
    }
    _, reply_text, _ = PRESETS[name]
    matched = knowledge.match_pattern(reply_text)
    assert matched is not None and matched.id == expected[name]


def test_success_replies_are_not_matched_against_rejection_texts() -> None:
    explanation = explain_reply(wire("250 2.0.0 Ok: queued, not spam, no rate limit"), DATA_END)
    assert explanation.pattern is None


def test_provider_codes_that_differ_from_the_registry_are_flagged() -> None:
    explanation = explain_topic(
        "421-4.7.27 Your email has been rate limited because SPF authentication didn't pass for this message."
    )
    assert explanation.pattern is not None and "null MX" in explanation.pattern


# ------------------------------------------------------------------------------------------------ topics


@pytest.mark.parametrize(
    ("topic", "code", "enhanced", "headline_contains"),
    [
        ("550", 550, None, "Refused"),
        ("550 5.7.1", 550, "5.7.1", "Delivery not authorized"),
        ("5.7.1", None, "5.7.1", "Permanent failure: delivery not authorized"),
        ("4.2.2", None, "4.2.2", "Temporary failure: mailbox full"),
        ("X.1.1", None, "X.1.1", "Bad destination mailbox address"),
        ("5.7", None, "5.7", "Subject 7: Security or policy status"),
        ("RCPT", None, None, "RCPT: add a recipient to the message"),
        ("rcpt", None, None, "RCPT: add a recipient to the message"),
        ("SIZE", None, None, "EHLO keyword SIZE: Message size declaration"),
        ("SIZE 35882577", None, None, "34.2 MiB"),
        ("AUTH", None, None, "AUTH: log in"),
        ("smtp; 550 5.1.1 user unknown", 550, "5.1.1", "User unknown"),
    ],
)
def test_topics(topic: str, code: int | None, enhanced: str | None, headline_contains: str) -> None:
    explanation = explain_topic(topic)
    assert explanation.known
    assert (explanation.code, explanation.enhanced) == (code, enhanced)
    assert headline_contains in explanation.headline
    json.dumps(explanation.to_dict())


def test_a_command_topic_lists_its_replies_and_reads_a_typed_argument() -> None:
    explanation = explain_topic("MAIL FROM:<alice@example.org> SIZE=1048576 BODY=8BITMIME")
    assert ("SIZE=1048576", "the message will be 1,048,576 octets (1.0 MiB)") in explanation.anatomy
    assert ("address", "<alice@example.org>") in explanation.anatomy
    assert any(step.startswith("Expect 552:") for step in explanation.next_steps)
    assert "RFC 5321 §4.1.1.2" in explanation.references


def test_an_obsolete_command_says_so() -> None:
    explanation = explain_topic("TURN")
    assert ("status", "obsolete: servers answer 502") in explanation.anatomy
    assert "ETRN" in explanation.meaning


def test_every_explanation_renders_within_the_width() -> None:
    for topic in ("550 5.7.1 Relay access denied", "RCPT", "SIZE 35882577", "5.7.26", "FOO", "599"):
        text = render_text(explain_topic(topic), width=60)
        long_lines = [line for line in text.splitlines() if len(line) > 60 and " " in line.strip()]
        assert not long_lines, long_lines
