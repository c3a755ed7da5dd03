"""A step can ask for its message typed by hand, with the final "." (``by_hand = true`` in its check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.lessons.loader import LessonFileError, load_lesson_file
from smtpshell.lessons.runner import LessonRunner

LESSON = """+++
id = "by-hand"
title = "By hand"
goals = ["type a message"]
+++

Intro.

## Write it

Type the message and end it with a line holding only `.`.

```check
{by_hand}
hints = ["Type it."]
solution = ["EHLO a.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>", "DATA", \"\"\"
Subject: hi

hello
.\"\"\"]
why = "Because."

{expect}
```
"""
END = '[[expect]]\nsent = "."\ncode = 250'


def write(tmp_path: Path, by_hand: str, expect: str = END) -> Path:
    path = tmp_path / "01-by-hand.md"
    path.write_text(LESSON.format(by_hand=by_hand, expect=expect), encoding="utf-8")
    return path


def test_by_hand_is_read_and_the_runner_says_so(tmp_path: Path) -> None:
    lesson = load_lesson_file(write(tmp_path, "by_hand = true"))
    assert lesson.steps[0].by_hand
    assert LessonRunner(lesson).message_by_hand


def test_a_step_without_it_lets_the_composer_be_offered(tmp_path: Path) -> None:
    lesson = load_lesson_file(write(tmp_path, ""))
    assert not lesson.steps[0].by_hand
    assert not LessonRunner(lesson).message_by_hand


def test_by_hand_needs_the_end_of_the_message_among_the_expectations(tmp_path: Path) -> None:
    with pytest.raises(LessonFileError) as raised:
        load_lesson_file(write(tmp_path, "by_hand = true", '[[expect]]\nsent = "DATA"\ncode = 354'))
    assert 'by_hand = true needs an [[expect]] with sent = "."' in str(raised.value)


def test_by_hand_must_be_true_or_false(tmp_path: Path) -> None:
    with pytest.raises(LessonFileError) as raised:
        load_lesson_file(write(tmp_path, 'by_hand = "yes"'))
    assert "by_hand" in str(raised.value)


def test_lesson_3_asks_for_its_message_by_hand() -> None:
    lesson = load_lesson_file(Path(__file__).resolve().parents[2] / "lessons" / "03-sending-a-message.md")
    assert [step.by_hand for step in lesson.steps] == [False, False, False, False, True]
