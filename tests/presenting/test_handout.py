"""/save x.html and `smtpshell explain FILE --html` make a standalone handout page: read back with html.parser,
every exchange and its explanation is there, the server's reasons too, and nothing is loaded from anywhere."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.explain.command import main as explain_main
from smtpshell.explain.render import first_sentence
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange
from tests.presenting.page_reader import read_page
from tests.session.helpers import run

SESSION = (
    "EHLO me.example",
    "MAIL FROM:<alice@sandbox.test>",
    "RCPT TO:<bob@sandbox.test>",
    "RCPT TO:<someone@elsewhere.test>",
    "DATA",
)
MESSAGE = "Subject: <script>alert(1)</script>\r\n\r\nA body with <b>markup</b> & an ampersand.\r\n"


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    await run(engine, *SESSION)
    await engine.send_message(MESSAGE)
    await run(engine, "QUIT")
    yield engine
    await engine.close()


def _exchanges(engine: ShellEngine) -> list[Exchange]:
    return [r for r in engine.records if isinstance(r, Exchange)]


async def test_saved_html_holds_every_exchange_its_explanation_and_reason(engine: ShellEngine, tmp_path: Path) -> None:
    path = tmp_path / "class.html"
    await engine.submit(f"/save {path}")
    assert "standalone HTML page" in engine.records[-1].text  # type: ignore[union-attr]
    html = path.read_text()
    page = read_page(html)
    exchanges = _exchanges(engine)
    assert len(page.exchanges) == len(exchanges) == 8  # greeting, 5 commands, end of message, QUIT
    for block, exchange in zip(page.exchanges, exchanges, strict=True):
        assert exchange.reply is not None and exchange.explanation is not None and exchange.server_reason
        assert str(exchange.reply.code) in block.summary
        for wire in exchange.reply.wire_lines():
            assert wire in block.code
        assert exchange.explanation.headline in block.explanation
        assert exchange.server_reason in block.explanation
        if exchange.explanation.next_steps:
            assert exchange.explanation.next_steps[0] in block.explanation
    assert "RCPT TO:<someone@elsewhere.test>" in page.exchanges[4].code
    assert "554" in page.exchanges[4].summary
    # The message's own markup is text on the page, never markup of the page.
    assert "<script>alert(1)</script>" in page.exchanges[6].code
    assert "script" not in page.tags and "b" not in page.tags
    assert page.loaded == []
    assert "@media print" in page.styles and "@font-face" not in page.styles
    assert not re.search(r"https?://", page.styles)


async def test_brief_handouts_give_one_line_per_explanation(engine: ShellEngine, tmp_path: Path) -> None:
    await run(engine, f"/save --brief {tmp_path / 'brief.html'}", f"/save --brief {tmp_path / 'brief.md'}")
    page = read_page((tmp_path / "brief.html").read_text())
    exchanges = _exchanges(engine)
    assert len(page.exchanges) == len(exchanges)
    for block, exchange in zip(page.exchanges, exchanges, strict=True):
        assert exchange.explanation is not None
        assert exchange.explanation.headline in block.explanation
        assert "\n" not in block.explanation.strip()
        assert first_sentence(exchange.explanation.meaning) not in block.explanation
    markdown = (tmp_path / "brief.md").read_text()
    assert markdown.count("\n=> ") == len(exchanges)
    assert "Next:" not in markdown and "Next:" not in page.text


async def test_saved_files_leave_out_earlier_save_notices(engine: ShellEngine, tmp_path: Path) -> None:
    await run(engine, f"/save {tmp_path / 'first.txt'}", f"/save {tmp_path / 'second.txt'}")
    await run(engine, f"/save {tmp_path / 'handout.md'}", f"/save {tmp_path / 'handout.html'}")
    for name in ("second.txt", "handout.md", "handout.html"):
        text = (tmp_path / name).read_text()
        assert "exchange(s) to" not in text and "first.txt" not in text, name


async def test_next_steps_are_one_per_line_in_markdown(engine: ShellEngine, tmp_path: Path) -> None:
    await engine.submit(f"/save {tmp_path / 'handout.md'}")
    markdown = (tmp_path / "handout.md").read_text()
    assert ".; " not in markdown
    rcpt = next(e for e in _exchanges(engine) if e.command == "RCPT TO:<someone@elsewhere.test>")
    assert rcpt.explanation is not None and len(rcpt.explanation.next_steps) >= 2
    for step in rcpt.explanation.next_steps:
        assert f"\n- {step}\n" in markdown


async def test_save_with_a_bad_argument_says_how(engine: ShellEngine) -> None:
    await engine.submit("/save --brief")
    notice = engine.records[-1]
    assert "Usage: /save [--brief] FILE" in notice.detail  # type: ignore[union-attr]


# ---- smtpshell explain FILE --html ------------------------------------------------------------------------

POSTFIX_EXCERPT = """\
S: 220 mx.example.org ESMTP Postfix
C: EHLO client.example
S: 250-mx.example.org
S: 250-PIPELINING
S: 250 SIZE 10240000
C: MAIL FROM:<a@example.org>
S: 250 2.1.0 Ok
C: RCPT TO:<nobody@example.org>
S: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table
C: QUIT
S: 221 2.0.0 Bye
"""

SWAKS_OUTPUT = """\
=== Trying mx.example.org:25...
=== Connected to mx.example.org.
<-  220 mx.example.org ESMTP
 -> EHLO laptop.example
<-  250-mx.example.org
<-  250 STARTTLS
 -> MAIL FROM:<me@example.org>
<-  250 2.1.0 Ok
 -> RCPT TO:<you@example.org>
<** 450 4.7.1 <you@example.org>: Recipient address rejected: greylisted, try again later
 -> QUIT
<-  221 2.0.0 Bye
=== Connection closed with remote host.
"""


def _explain_html(tmp_path: Path, text: str, *extra: str) -> tuple[int, str, str]:
    source = tmp_path / "session.txt"
    source.write_text(text)
    out = io.StringIO()
    status = explain_main(["explain", str(source), "--html", *extra], out=out)
    return status, out.getvalue(), str(source)


@pytest.mark.parametrize(
    ("text", "summaries"),
    [
        (POSTFIX_EXCERPT, ["Greeting", "EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT", "QUIT"]),
        (SWAKS_OUTPUT, ["Greeting", "EHLO laptop.example", "MAIL FROM:<me@example.org>", "RCPT", "QUIT"]),
    ],
    ids=["postfix-log-excerpt", "swaks"],
)
def test_explain_html_turns_a_transcript_into_the_page(tmp_path: Path, text: str, summaries: list[str]) -> None:
    status, html, _ = _explain_html(tmp_path, text)
    assert status == 0
    page = read_page(html)
    assert [summary in block.summary for block, summary in zip(page.exchanges, summaries, strict=True)] == [True] * len(
        summaries
    )
    refusal = page.exchanges[3]
    assert refusal.summary.startswith("4.RCPT TO:<")
    assert re.search(r"\b(550|450)\b", refusal.code) and "Recipient address rejected" in refusal.code
    assert "retry" in refusal.explanation.lower() or "again" in refusal.explanation.lower()
    assert all(block.explanation.strip() for block in page.exchanges)
    assert page.loaded == [] and "script" not in page.tags


async def test_explain_html_reads_the_shells_own_saved_transcript(engine: ShellEngine, tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"
    await engine.submit(f"/save {saved}")
    status, html, _ = _explain_html(tmp_path, saved.read_text())
    assert status == 0
    page = read_page(html)
    exchanges = _exchanges(engine)
    assert len(page.exchanges) == len(exchanges)
    for block, exchange in zip(page.exchanges, exchanges, strict=True):
        assert exchange.explanation is not None and exchange.reply is not None
        assert str(exchange.reply.code) in block.summary
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{3}", block.code)  # the time column is left out
    assert "TLS" not in page.exchanges[0].summary


def test_explain_html_of_an_unknown_format_says_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, html, source = _explain_html(tmp_path, "Dear class,\nplease bring a laptop.\n")
    assert status == 1 and html == ""
    error = capsys.readouterr().err
    assert f"no SMTP reply or status code found in {source}" in error
    assert "C:/S: prefixes" in error and "swaks" in error and "Traceback" not in error


def test_html_needs_a_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    assert explain_main(["explain", "550", "--html"], out=io.StringIO()) == 2
    assert "give a FILE" in capsys.readouterr().err


BOUNCE = """\
Reporting-MTA: dns; mx.example.org
Final-Recipient: rfc822; nobody@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown
"""


def test_explain_html_explains_a_bounce_without_marking_its_fields_wrong(tmp_path: Path) -> None:
    status, html, _ = _explain_html(tmp_path, BOUNCE)
    assert status == 0
    page = read_page(html)
    assert len(page.exchanges) == 2
    assert page.exchanges[0].summary.startswith("1.Status: 5.1.1")
    assert page.exchanges[1].summary.startswith("2.Diagnostic-Code: smtp; 550 5.1.1")
    assert "Reporting-MTA: dns; mx.example.org" in page.exchanges[0].code
    assert 'class="err"' not in html  # a bounce's fields are not SMTP commands: nothing is flagged as an error
    assert "5.1.1" in page.exchanges[1].explanation and "User unknown" in page.exchanges[1].explanation
