"""A lone CR inside a message line (raw mode, lesson 14) is not a line end for the transcript lexer: the lines
after it keep their places, so the server's 554 is still read as a reply and not as message text."""

from __future__ import annotations

from pygments.token import Token

from smtpshell.highlight.transcript_tokens import TranscriptTokens, detect_style


def test_a_lone_cr_stays_inside_its_line_and_the_reply_after_it_is_a_reply() -> None:
    text = "C: DATA\nS: 354 go ahead\nC: Hello Bob,\r.\rMAIL FROM:<ceo@sandbox.test>\nC: .\nS: 554 5.6.0 bare CR\n"
    tokens = TranscriptTokens(detect_style(text)).tokens(text)
    newlines = [value for _, kind, value in tokens if kind is Token.Text.Whitespace or value in ("\n", "\r")]
    assert "\r" not in newlines
    message = [value for _, _, value in tokens if "MAIL FROM:<ceo" in value]
    assert message == ["Hello Bob,\r.\rMAIL FROM:<ceo@sandbox.test>"]
    reply_codes = [(kind, value) for _, kind, value in tokens if value == "554"]
    assert reply_codes and reply_codes[0][0] in Token.Generic.Error
