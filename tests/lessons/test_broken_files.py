"""A broken lesson file is reported as file:line: what is wrong — a missing field, a bad check, bad TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.lessons.loader import LessonFileError, load_folder, load_lesson_file

GOOD = """+++
id = "tiny"
title = "A tiny lesson"
goals = ["greet a server"]
+++

Intro.

## Greet

Say hello.

```check
hints = ["Use HELO."]
solution = ["HELO client.example"]
why = "Because."

[[expect]]
sent = "HELO"
code = 250
```
"""


def write(tmp_path: Path, text: str, name: str = "01-tiny.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_lesson_file(path)
    return [str(error) for error in caught.value.errors]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_good_file_loads(tmp_path: Path) -> None:
    lesson = load_lesson_file(write(tmp_path, GOOD))
    assert (lesson.id, len(lesson.steps), lesson.steps[0].line) == ("tiny", 1, line_of(GOOD, "## Greet"))


def test_a_missing_field_names_the_block_where_it_belongs(tmp_path: Path) -> None:
    text = GOOD.replace('why = "Because."\n', "")
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:{line_of(text, 'hints =')}: missing 'why': a short explanation shown after the step is passed"
    ]


def test_a_missing_front_matter_field_names_the_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('title = "A tiny lesson"\n', ""))
    assert problems(path) == [f"{path}:2: missing 'title': the lesson's title"]


def test_an_unknown_command_in_a_check_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('sent = "HELO"', 'sent = "HELOO"')
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(text, 'HELOO')}: unknown command 'HELOO'")


@pytest.mark.parametrize(
    ("change", "fragment", "message"),
    [
        ("code = 250", "code = 299", "299 is not a reply code the sandbox uses"),
        ("code = 250", 'code = "2z0"', "'2z0' is not a reply code"),
        ("code = 250", 'enhanced = "5.9.9"', "the sandbox never sends 5.9.9"),
        ("code = 250", 'code = 250\nenhanced = "5.1.1"', "5.1.1 has class 5 but 'code' is 250"),
        ('sent = "HELO"', 'sent = "DATA"\nargument = "x"', "DATA takes no argument"),
        ('sent = "HELO"', 'sent = "HELO"\nargument = "(["', "'argument' is not a valid regular expression"),
        ("code = 250", "code = 250\ncolour = 1", "unknown key 'colour' here"),
        ("code = 250", "code = 250\ncount = 0", "'count' must be how many such exchanges, at least 1"),
    ],
)
def test_a_bad_check_names_the_line_and_what_is_wrong(tmp_path: Path, change: str, fragment: str, message: str) -> None:
    text = GOOD.replace(change, fragment)
    path = write(tmp_path, text)
    [problem] = problems(path)
    bad_line = fragment.splitlines()[-1]
    assert problem.startswith(f"{path}:{line_of(text, bad_line)}: "), problem
    assert message in problem


def test_bad_toml_in_a_check_block_is_mapped_to_the_files_line(tmp_path: Path) -> None:
    text = GOOD.replace('why = "Because."', 'why = "Because.')
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(text, 'why =')}: bad TOML: ")


def test_bad_toml_in_the_front_matter_is_mapped_to_the_files_line(tmp_path: Path) -> None:
    text = GOOD.replace('goals = ["greet a server"]', 'goals = ["greet a server"')
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:")
    assert int(problem.split(":")[1]) in (line_of(text, "goals ="), line_of(text, "goals =") + 1)
    assert "bad TOML" in problem


def test_a_step_without_a_check_block_names_its_heading(tmp_path: Path) -> None:
    text = GOOD + "\n## Leave\n\nSay goodbye.\n"
    path = write(tmp_path, text)
    assert problems(path) == [f"{path}:{line_of(text, '## Leave')}: step 'Leave' has no ```check block"]


def test_an_unclosed_fence_and_a_missing_front_matter_are_reported(tmp_path: Path) -> None:
    unclosed = GOOD.rstrip("\n").removesuffix("```")
    path = write(tmp_path, unclosed)
    assert f"{path}:{line_of(unclosed, '```check')}: the fenced block opened here with ``` is never closed" in (
        problems(path)
    )
    bare = write(tmp_path, "# Just Markdown\n", "02-bare.md")
    assert problems(bare)[0].startswith(f"{bare}:1: a lesson file starts with a line '+++'")


@pytest.mark.parametrize(
    ("solution", "message"),
    [
        ('["HELO client.example", "FETCH mail"]', "'FETCH' is not an SMTP command"),
        ('["DATA", "Subject: x\\n\\nno dot"]', "a message after DATA must end with a line holding only '.'"),
        ('["BDAT 5 LAST", "four"]', "the chunk has 4 octets but BDAT announced 5"),
        (
            '["MAIL FROM:<a@sandbox.test>\\nDATA\\nRCPT TO:<b@sandbox.test>"]',
            "DATA may only be the last command of a pipelined group",
        ),
        # The shell never pipelines AUTH (the command table says so): a lesson may not ask for it, last or not.
        (
            '["EHLO client.example", "MAIL FROM:<a@sandbox.test>\\nAUTH PLAIN AGFsaWNlAHNlY3JldA=="]',
            "AUTH is never sent",
        ),
        ('["/teleport"]', "'/teleport' is not a shell command"),
    ],
)
def test_a_bad_solution_names_its_line(tmp_path: Path, solution: str, message: str) -> None:
    text = GOOD.replace('solution = ["HELO client.example"]', f"solution = {solution}")
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(text, 'solution =')}: ") and message in problem, problem


def test_setup_is_checked_against_the_sandbox(tmp_path: Path) -> None:
    text = GOOD.replace(
        "+++\n\nIntro",
        '[setup]\nmax_recipients = 0\nwithout = ["TELEPATHY"]\nfaults = [{ preset = "volcano" }]\n+++\n\nIntro',
    )
    path = write(tmp_path, text)
    found = problems(path)
    assert (
        f"{path}:{line_of(text, 'max_recipients')}: 'max_recipients' must be a number of recipients, at least 1"
        in found
    )
    assert any(p.startswith(f"{path}:{line_of(text, 'without')}: 'TELEPATHY' is not an extension") for p in found)
    assert any(p.startswith(f"{path}:{line_of(text, 'volcano')}: fault: unknown fault 'volcano'") for p in found)


def test_a_check_that_would_pass_at_once_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('[[expect]]\nsent = "HELO"\ncode = 250\n', "tls = false\n")
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert (
        problem == f"{path}:{line_of(text, '```check')}: this check would pass at once: give an [[expect]], "
        "a [delivered] table, tls = true or authenticated = true"
    )


def test_a_folder_reports_every_broken_file_and_keeps_the_good_ones(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "01-good.md")
    write(tmp_path, GOOD.replace('sent = "HELO"', 'sent = "HELOO"'), "02-bad.md")
    write(tmp_path, GOOD, "03-same-id.md")
    (tmp_path / "README.md").write_text("# not a lesson\n", encoding="utf-8")
    result = load_folder(tmp_path)
    assert [lesson.id for lesson in result.lessons] == ["tiny"]
    assert sorted(Path(e.path).name for e in result.errors) == ["02-bad.md", "03-same-id.md"]
    duplicate = next(e for e in result.errors if e.path.endswith("03-same-id.md"))
    assert duplicate.line == 2 and "already used" in duplicate.message
