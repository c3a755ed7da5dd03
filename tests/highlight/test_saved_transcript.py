"""A transcript saved by the shell itself, after a real session with the sandbox, lexes without an error."""

from __future__ import annotations

from pathlib import Path

from pygments.token import Error

from smtpshell.highlight import tokens as t
from smtpshell.highlight.lexers import SMTPTranscriptLexer
from smtpshell.session.engine import ShellEngine


async def test_a_saved_sandbox_session_lexes_cleanly(tmp_path: Path) -> None:
    engine = ShellEngine(data_dir=tmp_path / "data")
    await engine.start()
    try:
        for line in [
            "EHLO client.example",
            "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
            "MAIL FROM:<alice@sandbox.test> SIZE=100 BODY=8BITMIME",
            "RCPT TO:<bob@sandbox.test> NOTIFY=SUCCESS,FAILURE",
            "RCPT TO:<nobody@elsewhere.test>",
            "DATA",
        ]:
            await engine.submit(line)
        await engine.send_message("Subject: hi\r\nTo: bob@sandbox.test\r\n\r\n.a line with a dot\r\nbye\r\n")
        await engine.submit("QUIT")
        saved = tmp_path / "session.txt"
        await engine.submit(f"/save {saved}")
    finally:
        await engine.close()
    text = saved.read_text()
    tokens = list(SMTPTranscriptLexer().get_tokens_unprocessed(text))
    assert "".join(v for _, _, v in tokens) == text
    assert [v for _, tok, v in tokens if tok in Error] == []
    kinds = {(tok, v) for _, tok, v in tokens}
    assert (t.REPLY_CLASS[5], "554") in kinds  # the relay the sandbox refused
    assert (t.EHLO_KEYWORD, "PIPELINING") in kinds
    assert (t.DOT_STUFFING, ".") in kinds and (t.END_OF_DATA, ".") in kinds
    assert (t.HEADER_NAME, "Subject") in kinds
    assert t.STAMP in {tok for tok, _ in kinds}  # the time column of /save
