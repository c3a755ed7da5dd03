"""A number typed by the user or sent by a peer is ASCII digits only, in every layer: "²" (which str.isdigit()
accepts and int() refuses) and "٣" (which \\d and int() read as 3) are not numbers anywhere — never a traceback,
never another number. The rule has one truth, ``proto.grammar.is_ascii_digits``; the last test keeps it so."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.explain import command as explain_command
from smtpshell.explain.engine import explain_reply
from smtpshell.lessons.catalogue import load_catalogue
from smtpshell.lessons.loader import LessonFileError, load_lesson_file
from smtpshell.net.client import split_host_port
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.replies import EnhancedStatus, Reply
from smtpshell.session.engine import ShellEngine
from smtpshell.session.target import is_choice
from tests.session.helpers import codes, notices, run

NOT_NUMBERS = ["²", "٣", "１０"]
PACKAGE = Path(__file__).resolve().parent.parent / "smtpshell"


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


@pytest.mark.parametrize("text", NOT_NUMBERS)
async def test_mailbox_of_other_digits_is_a_usage_message(engine: ShellEngine, text: str) -> None:
    await run(engine, f"/mailbox {text}", "NOOP")
    assert any("The mailbox is empty" in n.text or "Choose a message" in n.text for n in notices(engine))
    assert codes(engine)[-1] == 250


@pytest.mark.parametrize("text", NOT_NUMBERS)
async def test_bdat_of_other_digits_is_sent_as_a_command_and_the_server_refuses_it(
    engine: ShellEngine, text: str
) -> None:
    await run(engine, "EHLO me.test", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>")
    await run(engine, f"BDAT {text}", "NOOP")
    assert engine.mode == "command"
    assert codes(engine)[-2:] == [501, 250]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_a_port_of_other_digits_is_refused_with_the_rule(text: str) -> None:
    with pytest.raises(ValueError, match="the port must be a number from 1 to 65535"):
        split_host_port(f"127.0.0.1:{text}", 25)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_a_connect_choice_is_ascii_digits(text: str) -> None:
    assert is_choice("2") and is_choice("2:587")
    assert not is_choice(text) and not is_choice(f"2:{text}")


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_a_lesson_number_of_other_digits_finds_no_lesson(text: str) -> None:
    catalogue = load_catalogue()
    assert catalogue.find("1") is not None
    assert catalogue.find(text) is None


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_an_enhanced_code_of_other_digits_is_not_one(text: str) -> None:
    assert EnhancedStatus.parse("5.3.1") is not None
    assert EnhancedStatus.parse(f"5.{text}.1") is None


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_explaining_mail_with_a_size_of_other_digits(text: str) -> None:
    out = io.StringIO()
    assert explain_command.main(["explain", f"MAIL FROM:<a@b.test> SIZE={text}", "--no-color"], out=out) == 0
    assert f"SIZE={text}" in out.getvalue() and "the message will be" not in out.getvalue()
    state = ClientState()
    state.apply("EHLO me.test", Reply.make(250, ["mx.test", "SIZE 1000"]))
    explanation = explain_reply(Reply.make(250, ["2.1.0 ok"]), f"MAIL FROM:<a@b.test> SIZE={text}", state)
    assert explanation.meaning


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_explain_width_of_other_digits_is_a_usage_error(text: str) -> None:
    out = io.StringIO()
    assert explain_command.main(["explain", "550", "--width", text], out=out) != 0


@pytest.mark.parametrize("text", ["5.٣.1", "٥٥٠"])
def test_explain_does_not_read_other_digits_as_a_code(text: str) -> None:
    out = io.StringIO()
    explain_command.main(["explain", text, "--json"], out=out)
    report = json.loads(out.getvalue())
    assert "5.3.1" not in json.dumps(report) and '"550"' not in json.dumps(report)


LESSON = """+++
id = "tiny"
title = "A tiny lesson"
goals = ["greet a server"]
+++

Intro.

## Greet

Say hello.

```check
hints = ["Use HELO."]
solution = ["HELO client.example", "BDAT NUMBER", "chunk"]
why = "Because."

[[expect]]
sent = "HELO"
code = CODE
```
"""


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_a_lesson_with_other_digits_is_a_file_error_or_loads(tmp_path: Path, text: str) -> None:
    path = tmp_path / "01-tiny.md"
    path.write_text(LESSON.replace("NUMBER", text).replace("CODE", f'"{text}"'), encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson_file(path)
    assert all(str(path) in str(error) for error in caught.value.errors)


def test_no_isdigit_and_no_backslash_d_in_the_package() -> None:
    """str.isdigit() and a str pattern's \\d take other scripts' digits: the package says [0-9] or
    is_ascii_digits, so a new parser cannot bring the crash back."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if ".isdigit()" in code and "def is_ascii_digits" not in line and "text.isascii()" not in code:
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
            if re.search(r"(?<!\\)\\d", code) and not re.search(r"\brb[\"']", code):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert found == []
