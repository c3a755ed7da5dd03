"""Token streams of whole SMTP sessions: Postfix submission, a refused relay, DSN with BDAT, swaks over TLS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename, guess_lexer
from pygments.token import Error, Token

from smtpshell.highlight import tokens as t
from smtpshell.highlight.lexers import SMTPTranscriptLexer
from smtpshell.proto.redaction import HIDDEN

TRANSCRIPTS = Path(__file__).parent / "transcripts"
FILES = sorted(TRANSCRIPTS.glob("*.smtp"))


def lex(text: str) -> list[tuple[int, object, str]]:
    return list(SMTPTranscriptLexer().get_tokens_unprocessed(text))


def lines(text: str) -> list[list[tuple[object, str]]]:
    """The tokens of each line, blanks and prefixes left out, for readable expectations."""
    result: list[list[tuple[object, str]]] = [[]]
    for _, token, value in lex(text):
        if token is t.NEWLINE and value in ("\n", "\r\n", "\r"):
            result.append([])
        elif token not in (t.SPACE, t.PREFIX):
            result[-1].append((token, value))
    return result


def line_of(text: str, needle: str) -> list[tuple[object, str]]:
    """The tokens of the first line that is ``needle``, or else the first that contains it."""
    found = text.splitlines()
    index = found.index(needle) if needle in found else next(i for i, line in enumerate(found) if needle in line)
    return lines(text)[index]


def assert_round_trip(text: str) -> None:
    tokens = lex(text)
    position = 0
    for index, _, value in tokens:
        assert index == position and value
        position += len(value)
    assert "".join(v for _, _, v in tokens) == text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_transcripts_round_trip_without_errors(path: Path) -> None:
    text = path.read_text()
    assert_round_trip(text)
    assert [v for _, tok, v in lex(text) if tok in Error] == []
    crlf = text.replace("\n", "\r\n")
    assert_round_trip(crlf)
    assert [tok for _, tok, _ in lex(crlf)] == [tok for _, tok, _ in lex(text)]


def test_postfix_submission() -> None:
    text = (TRANSCRIPTS / "postfix_submission.smtp").read_text()
    assert line_of(text, "220 mail.example.org") == [
        (t.REPLY_CLASS[2], "220"),
        (t.REPLY_TEXT, "mail.example.org ESMTP Postfix (Debian/GNU)"),
    ]
    assert line_of(text, "SIZE 10240000") == [
        (t.REPLY_CLASS[2], "250"),
        (t.SEPARATOR, "-"),
        (t.EHLO_KEYWORD, "SIZE"),
        (t.NUMBER, "10240000"),
    ]
    assert line_of(text, "AUTH PLAIN LOGIN") == [
        (t.REPLY_CLASS[2], "250"),
        (t.SEPARATOR, "-"),
        (t.EHLO_KEYWORD, "AUTH"),
        (t.CHOICE, "PLAIN"),
        (t.CHOICE, "LOGIN"),
    ]
    assert line_of(text, "250 CHUNKING") == [(t.REPLY_CLASS[2], "250"), (t.EHLO_KEYWORD, "CHUNKING")]
    assert line_of(text, "Ready to start TLS") == [
        (t.REPLY_CLASS[2], "220"),
        (t.ENHANCED_CLASS[2], "2.0.0"),
        (t.REPLY_TEXT, "Ready to start TLS"),
    ]
    # the AUTH LOGIN exchange: challenges and answers are base64, not commands
    assert line_of(text, "VXNlcm5hbWU6") == [(t.REPLY_CLASS[3], "334"), (t.BASE64, "VXNlcm5hbWU6")]
    assert line_of(text, "YWxpY2VAZXhhbXBsZS5vcmc=") == [(t.BASE64, "YWxpY2VAZXhhbXBsZS5vcmc=")]
    assert line_of(text, "c2VjcmV0") == [(t.BASE64, "c2VjcmV0")]
    assert line_of(text, "MAIL FROM") == [
        (t.VERB, "MAIL"),
        (t.PATH_KEYWORD, "FROM:"),
        (t.ANGLE, "<"),
        (t.ADDRESS, "alice@example.org"),
        (t.ANGLE, ">"),
        (t.PARAMETER, "SIZE"),
        (t.EQUALS, "="),
        (t.NUMBER, "412"),
        (t.PARAMETER, "BODY"),
        (t.EQUALS, "="),
        (t.CHOICE, "8BITMIME"),
    ]
    assert line_of(text, "354 End data") == [
        (t.REPLY_CLASS[3], "354"),
        (t.REPLY_TEXT, "End data with <CR><LF>.<CR><LF>"),
    ]
    # the message: headers, a folded header, the body, dot-stuffing and the final dot
    assert line_of(text, "From: Alice") == [
        (t.HEADER_NAME, "From"),
        (t.PUNCTUATION, ":"),
        (t.HEADER_VALUE, "Alice Example <"),
        (t.ADDRESS, "alice@example.org"),
        (t.HEADER_VALUE, ">"),
    ]
    assert line_of(text, "Subject:") == [
        (t.HEADER_NAME, "Subject"),
        (t.PUNCTUATION, ":"),
        (t.HEADER_VALUE, "Lunch on Friday?"),
    ]
    assert line_of(text, "format=flowed") == [(t.HEADER_VALUE, "format=flowed")]
    assert line_of(text, "Hi Bob") == [(t.BODY, "Hi Bob,")]
    assert line_of(text, "..and a line") == [
        (t.DOT_STUFFING, "."),
        (t.BODY, ".and a line that starts with a dot, stuffed as RFC 5321 4.5.2 asks."),
    ]
    assert line_of(text, "C: .") == [(t.END_OF_DATA, ".")]
    assert line_of(text, "queued as") == [
        (t.REPLY_CLASS[2], "250"),
        (t.ENHANCED_CLASS[2], "2.0.0"),
        (t.REPLY_TEXT, "Ok: queued as 4Y1Xq03Bz9z9sW"),
    ]
    assert line_of(text, "QUIT") == [(t.VERB, "QUIT")]


def test_a_refused_relay_without_prefixes() -> None:
    text = (TRANSCRIPTS / "relay_denied.smtp").read_text()
    assert line_of(text, "EHLO") == [(t.VERB, "EHLO"), (t.VALUE, "mail.outside.test")]
    assert line_of(text, "250 SMTPUTF8") == [(t.REPLY_CLASS[2], "250"), (t.EHLO_KEYWORD, "SMTPUTF8")]
    assert line_of(text, "Relay access denied") == [
        (t.REPLY_CLASS[5], "554"),
        (t.ENHANCED_CLASS[5], "5.7.1"),
        (t.REPLY_TEXT, "<victim@elsewhere.test>: Relay access denied"),
    ]
    assert line_of(text, "Greylisted") == [
        (t.REPLY_CLASS[4], "451"),
        (t.ENHANCED_CLASS[4], "4.7.1"),
        (t.REPLY_TEXT, "Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"),
    ]
    assert line_of(text, "RSET") == [(t.VERB, "RSET")]


def test_pipelined_dsn_and_bdat_chunks() -> None:
    text = (TRANSCRIPTS / "dsn_bdat.smtp").read_text()
    assert line_of(text, "X-EXPS") == [
        (t.REPLY_CLASS[2], "250"),
        (t.SEPARATOR, "-"),
        (t.EHLO_OTHER_KEYWORD, "X-EXPS"),
        (t.CHOICE, "GSSAPI"),
        (t.CHOICE, "NTLM"),
    ]
    assert line_of(text, "NOTIFY=SUCCESS") == [
        (t.VERB, "RCPT"),
        (t.PATH_KEYWORD, "TO:"),
        (t.ANGLE, "<"),
        (t.ADDRESS, "bob@sandbox.test"),
        (t.ANGLE, ">"),
        (t.PARAMETER, "NOTIFY"),
        (t.EQUALS, "="),
        (t.CHOICE, "SUCCESS"),
        (t.PUNCTUATION, ","),
        (t.CHOICE, "FAILURE"),
        (t.PARAMETER, "ORCPT"),
        (t.EQUALS, "="),
        (t.CHOICE, "rfc822"),
        (t.PUNCTUATION, ";"),
        (t.ADDRESS, "bob@sandbox.test"),
    ]
    assert line_of(text, "RET=HDRS")[-4:] == [
        (t.CHOICE, "HDRS"),
        (t.PARAMETER, "ENVID"),
        (t.EQUALS, "="),
        (t.VALUE, "QQ314159"),
    ]
    # the BDAT chunk is the message: no dot-stuffing, and its lines are not commands
    assert line_of(text, "Subject: chunked") == [
        (t.HEADER_NAME, "Subject"),
        (t.PUNCTUATION, ":"),
        (t.HEADER_VALUE, "chunked"),
    ]
    assert line_of(text, "first chunk") == [(t.BODY, "first chunk")]
    assert line_of(text, "BDAT 21 LAST") == [(t.VERB, "BDAT"), (t.NUMBER, "21"), (t.CHOICE, "LAST")]
    assert line_of(text, "the second and last") == [(t.BODY, "the second and last")]


def test_swaks_output_over_tls() -> None:
    text = (TRANSCRIPTS / "swaks_tls.smtp").read_text()
    assert line_of(text, "=== Trying") == [(t.COMMENT, "=== Trying 127.0.0.1:2525...")]
    assert line_of(text, "User unknown") == [
        (t.REPLY_CLASS[5], "550"),
        (t.ENHANCED_CLASS[5], "5.1.1"),
        (t.REPLY_TEXT, "User unknown"),
    ]
    assert line_of(text, "AUTH PLAIN AGF") == [
        (t.VERB, "AUTH"),
        (t.CHOICE, "PLAIN"),
        (t.BASE64, "AGFsaWNlAHdvbmRlcmxhbmQ="),
    ]
    assert line_of(text, "X-Mailer")[:2] == [(t.HEADER_NAME, "X-Mailer"), (t.PUNCTUATION, ":")]
    assert line_of(text, " ~> .") == [(t.END_OF_DATA, ".")]
    prefixes = [v for _, tok, v in lex(text) if tok is t.PREFIX]
    assert set(prefixes) == {"<-  ", " -> ", "<~  ", " ~> ", "<~* "}


def test_bdat_chunks_pipelined_back_to_back_are_counted_in_octets() -> None:
    text = "BDAT 14\nSubject: x\nBDAT 6 LAST\nbody\n250 2.0.0 OK\n250 2.0.0 OK\n"  # "Subject: x" + CRLF... = 12
    assert lines(text)[1] == [(t.HEADER_NAME, "Subject"), (t.PUNCTUATION, ":"), (t.HEADER_VALUE, "x")]
    assert lines(text)[2] == [(t.BODY, "BDAT 6 LAST")]  # 14 octets: the chunk still has 2 to go
    exact = "BDAT 12\nSubject: x\nBDAT 6 LAST\nbody\n250 2.0.0 OK\n250 2.0.0 OK\n"
    assert lines(exact)[2] == [(t.VERB, "BDAT"), (t.NUMBER, "6"), (t.CHOICE, "LAST")]
    assert lines(exact)[3] == [(t.BODY, "body")]
    assert lines(exact)[4][0] == (t.REPLY_CLASS[2], "250")


def test_a_client_only_script_still_finds_the_message() -> None:
    text = "EHLO me.example\nMAIL FROM:<a@b.example>\nRCPT TO:<c@d.example>\nDATA\nSubject: hi\n\n.hidden\n.\nQUIT\n"
    assert lines(text)[4] == [(t.HEADER_NAME, "Subject"), (t.PUNCTUATION, ":"), (t.HEADER_VALUE, "hi")]
    assert lines(text)[6] == [(t.DOT_STUFFING, "."), (t.BODY, "hidden")]
    assert lines(text)[7] == [(t.END_OF_DATA, ".")]
    assert lines(text)[8] == [(t.VERB, "QUIT")]


def test_the_time_and_tls_columns_of_a_saved_transcript() -> None:
    text = (
        "# smtpshell transcript: sandbox; saved 2024-11-29 12:00:00 +0100; credentials redacted\n"
        "12:00:01.250     S: 220 sandbox.test ESMTP\n"
        "12:00:01.251     C: STARTTLS\n"
        "12:00:01.260     S: 220 2.0.0 Ready to start TLS\n"
        "12:00:01.300     *** TLS established with sandbox\n"
        "12:00:01.310 TLS C: EHLO client.example\n"
        "12:00:01.320 TLS S: 250 sandbox.test\n"
    )
    assert lines(text)[0] == [(t.COMMENT, text.splitlines()[0])]
    assert lines(text)[1] == [
        (t.STAMP, "12:00:01.250     "),
        (t.REPLY_CLASS[2], "220"),
        (t.REPLY_TEXT, "sandbox.test ESMTP"),
    ]
    assert lines(text)[4] == [(t.COMMENT, "12:00:01.300     *** TLS established with sandbox")]
    assert lines(text)[5] == [(t.STAMP, "12:00:01.310 TLS "), (t.VERB, "EHLO"), (t.VALUE, "client.example")]
    assert [tok for _, tok, _ in lex(text) if tok is t.PREFIX] == [t.PREFIX] * 5


def test_credentials_the_shell_hid_are_marked_as_such_not_as_errors() -> None:
    text = f"AUTH PLAIN {HIDDEN}\n235 2.7.0 OK\nAUTH LOGIN\n334 VXNlcm5hbWU6\n{HIDDEN}\n334 UGFzc3dvcmQ6\n{HIDDEN}\n"
    assert lines(text)[0] == [(t.VERB, "AUTH"), (t.CHOICE, "PLAIN"), (t.REDACTED, HIDDEN)]
    assert lines(text)[4] == [(t.REDACTED, HIDDEN)]
    assert lines(text)[6] == [(t.REDACTED, HIDDEN)]


def test_a_refused_data_opens_no_message() -> None:
    text = "C: DATA\nS: 554 5.5.1 Error: no valid recipients\nC: QUIT\nS: 221 2.0.0 Bye\n"
    assert lines(text)[1][0] == (t.REPLY_CLASS[5], "554")
    assert lines(text)[2] == [(t.VERB, "QUIT")]


def test_a_reply_with_a_body_line_that_looks_like_a_reply_inside_data() -> None:
    text = "DATA\n354 go ahead\n250 is the code for ok\n.\n250 OK\n"
    assert lines(text)[2] == [(t.BODY, "250 is the code for ok")]
    assert lines(text)[4] == [(t.REPLY_CLASS[2], "250"), (t.REPLY_TEXT, "OK")]


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("HELLO there\n", "HELLO"),
        ("MAIL FROM:alice@example.org\n", "alice@example.org"),
        ("DATA now\n", "now"),
        ("S: 220 ok\nS: hello\n", "hello"),
        ("BDAT ten\n", "ten"),
        ("AUTH PLAIN not*base64\n", "not*base64"),
        ("MAIL FROM:<a@b.example> BODY=9BIT\n", "9BIT"),
        ("/frobnicate\n", "/frobnicate"),
    ],
)
def test_invalid_input_is_marked_as_an_error(text: str, bad: str) -> None:
    assert (Error, bad) in [(tok, v) for _, tok, v in lex(text)]


@given(st.text(alphabet=st.sampled_from(list("CS:<>-~* 0123456789.ABDEHILMOPRSTQ@=\r\n\t/x")), max_size=200))
def test_any_text_round_trips(text: str) -> None:
    assert_round_trip(text)


def test_registered_with_pygments() -> None:
    assert get_lexer_by_name("smtp").__class__ is SMTPTranscriptLexer
    assert get_lexer_for_filename("session.smtp").__class__ is SMTPTranscriptLexer
    for path in FILES:  # a greeting and a HELO/EHLO are enough for pygments to guess it
        assert guess_lexer(path.read_text()).__class__ is SMTPTranscriptLexer
    assert SMTPTranscriptLexer.analyse_text("def main():\n    return 0\n") == 0.0


def test_pygmentize_highlights_a_session_file() -> None:
    path = TRANSCRIPTS / "relay_denied.smtp"
    result = subprocess.run(
        [sys.executable, "-m", "pygments", "-l", "smtp", "-f", "raw", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Token.Generic.Error.Permanent\t'554'" in result.stdout
    assert "Token.Generic.Deleted.Transient\t'451'" in result.stdout
    assert str(Token.Error) not in result.stdout.replace("Token.Generic.Error", "")
