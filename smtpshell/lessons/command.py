"""`smtpshell lessons [check [DIR] [--run] | reset ID|--all]` and `smtpshell learn [ID] [--plain]`.

Rule: lesson problems are printed as ``file:line: what is wrong``, one per line, and make the exit status 1, so
a teacher's editor or CI can jump to them; a front end is imported only once `learn` has chosen it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from smtpshell.lessons.catalogue import LESSONS_VARIABLE, Catalogue, load_catalogue
from smtpshell.lessons.loader import LessonError, LessonFileError, load_lesson_file
from smtpshell.lessons.progress import Progress
from smtpshell.proto.visible_text import visible_lines

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine


def main(argv: Sequence[str]) -> int:
    name, args = argv[0], list(argv[1:])
    if name == "learn":
        return _learn(args)
    return _lessons(args)


# ---- smtpshell lessons ------------------------------------------------------------------------------------


def _lessons_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell lessons",
        description="List the guided lessons with your progress, check lesson files, or reset progress.",
    )
    parser.add_argument("--dir", metavar="DIR", type=Path, help="use the lessons in DIR instead of the built-in ones")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    check = sub.add_parser(
        "check", help="validate a folder of lesson files (the built-in ones by default), or one file"
    )
    check.add_argument("folder", nargs="?", type=Path, metavar="DIR|FILE")
    check.add_argument(
        "--run",
        action="store_true",
        help="also solve each lesson with its reference solution against the sandbox, and check "
        "that each foreseen mistake does not pass",
    )
    reset = sub.add_parser("reset", help="forget your progress in one lesson, or in all of them")
    reset.add_argument("lesson", nargs="?", metavar="ID")
    reset.add_argument("--all", action="store_true", help="reset every lesson")
    sub.add_parser("list", help="list the lessons with your progress (the default)")
    return parser


def _lessons(args: list[str]) -> int:
    options = _lessons_parser().parse_args(args)
    if options.action == "check":
        return _check(options.folder or options.dir, options.run)
    catalogue = load_catalogue(options.dir)
    progress = Progress()
    if progress.problem:
        _say(f"smtpshell: {progress.problem}", file=sys.stderr)
    if options.action == "reset":
        return _reset(catalogue, progress, options.lesson, options.all)
    return _list(catalogue, progress)


def _list(catalogue: Catalogue, progress: Progress) -> int:
    if not catalogue.folder.is_dir():
        _say(f"smtpshell: {catalogue.folder} is not a folder of lessons", file=sys.stderr)
        return 2
    if not catalogue.lessons:
        _say(f"No lessons found in {catalogue.folder}.")
        _print_problems(catalogue.errors)
        return 1 if catalogue.errors else 0
    width = max(len(lesson.id) for lesson in catalogue.lessons)
    _say("Guided lessons (smtpshell learn ID opens one):\n")
    for number, lesson in enumerate(catalogue.lessons, 1):
        saved = progress.get(lesson.id)
        if saved.finished:
            state = "done"
        elif saved.started:
            state = f"at step {saved.step + 1} of {len(lesson.steps)}"
        else:
            state = ""
        _say(f"{number:>3}. {lesson.id:<{width}}  {lesson.title}" + (f"  [{state}]" if state else ""))
    upcoming = catalogue.next_unfinished(progress)
    _say()
    if upcoming is None:
        _say("You have finished every lesson. `smtpshell lessons reset --all` starts over.")
    else:
        _say(f"Next: smtpshell learn {upcoming.id}")
    if catalogue.errors:
        _say(file=sys.stderr)
        _say(f"Some lesson files in {catalogue.folder} have problems and were left out:", file=sys.stderr)
        _print_problems(catalogue.errors)
        return 1
    return 0


def _reset(catalogue: Catalogue, progress: Progress, key: str | None, everything: bool) -> int:
    if everything == (key is not None):
        _say("smtpshell lessons reset: give one lesson ID, or --all", file=sys.stderr)
        return 2
    if everything:
        count = progress.reset_all()
        _say(f"Progress reset for {count} lesson(s).")
        return 0
    assert key is not None
    lesson = catalogue.find(key)
    lesson_id = lesson.id if lesson is not None else key
    if progress.reset(lesson_id):
        _say(f"Progress reset for {lesson_id}.")
        return 0
    if lesson is None:
        _say(f"smtpshell: no lesson {key!r}; `smtpshell lessons` lists them", file=sys.stderr)
        return 1
    _say(f"Nothing to reset: {lesson_id} was not started.")
    return 0


def _check(folder: Path | None, run: bool) -> int:
    if folder is not None and folder.is_file():
        return _check_file(folder, run)
    catalogue = load_catalogue(folder)
    if not catalogue.folder.is_dir():
        _say(f"smtpshell: {catalogue.folder} is not a folder of lessons", file=sys.stderr)
        return 2
    problems = list(catalogue.errors)
    if run and catalogue.lessons:
        problems += asyncio.run(_walk_all(catalogue))
    _print_problems(problems)
    files = len({str(lesson.path) for lesson in catalogue.lessons} | {p.path for p in catalogue.errors})
    if problems:
        _say(f"{len(problems)} problem(s) in {catalogue.folder}.", file=sys.stderr)
        return 1
    what = "load, validate and pass their walkthrough" if run else "load and validate"
    _say(f"All {len(catalogue.lessons)} lesson(s) in {catalogue.folder} {what} ({files} file(s)).")
    return 0


def _check_file(path: Path, run: bool) -> int:
    """One lesson file, for a teacher working on it."""
    try:
        lesson = load_lesson_file(path)
    except LessonFileError as error:
        _print_problems(error.errors)
        return 1
    problems = asyncio.run(_walk_all(Catalogue(path.parent, [lesson], []))) if run else []
    _print_problems(problems)
    if problems:
        return 1
    _say(
        f"{path}: lesson {lesson.id!r} ({len(lesson.steps)} steps) "
        + ("passes its walkthrough." if run else "loads and validates.")
    )
    return 0


async def _walk_all(catalogue: Catalogue) -> list[LessonError]:
    from smtpshell.lessons.walkthrough import walk_lesson

    problems: list[LessonError] = []
    # A throw-away data directory: the sandbox's certificate and the shell's history stay out of the user's.
    with tempfile.TemporaryDirectory(prefix="smtpshell-lessons-") as data_dir:
        for lesson in catalogue.lessons:
            problems += await walk_lesson(lesson, Path(data_dir))
    return problems


def _say(*values: object, file: TextIO | None = None) -> None:
    """print(), with control characters escaped: titles, ids and paths come from lesson files anyone can write."""
    print(*(visible_lines(str(value)) for value in values), file=file)


def _print_problems(problems: list[LessonError]) -> None:
    for problem in sorted(problems):
        _say(problem, file=sys.stderr)


# ---- smtpshell learn ----------------------------------------------------------------------------------------


def _learn_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtpshell learn",
        description="Open a guided lesson in the shell: the next one you have not finished, or the one you name.",
    )
    parser.add_argument("lesson", nargs="?", metavar="ID", help="a lesson's id or number (see `smtpshell lessons`)")
    parser.add_argument("--plain", action="store_true", help="a plain prompt instead of the full-screen UI")
    parser.add_argument("--dir", metavar="DIR", type=Path, help="take the lessons from DIR")
    parser.add_argument(
        "--connect", metavar="HOST:PORT", help="run it on a class server (`serve --class`), not the sandbox"
    )
    parser.add_argument("--student", metavar="NAME", help="with --connect: your login there (password asked)")
    return parser


def _learn(args: list[str]) -> int:
    options = _learn_parser().parse_args(args)
    if options.dir is not None:
        # The shell's /lesson loads the catalogue itself; the variable makes it read the same folder.
        os.environ[LESSONS_VARIABLE] = str(options.dir.resolve())
    catalogue = load_catalogue()
    progress = Progress()
    lesson = catalogue.find(options.lesson) if options.lesson else catalogue.next_unfinished(progress)
    if lesson is None:
        if options.lesson:
            known = ", ".join(lesson.id for lesson in catalogue.lessons) or "none"
            _say(f"smtpshell learn: no lesson {options.lesson!r}; lessons: {known}", file=sys.stderr)
            _print_problems(catalogue.errors)
            return 1
        if not catalogue.lessons:
            _say(f"smtpshell learn: no lessons found in {catalogue.folder}", file=sys.stderr)
            _print_problems(catalogue.errors)
            return 1
        _say("You have finished every lesson; starting the first again. (`smtpshell lessons` lists them.)")
        lesson = catalogue.lessons[0]
    if options.connect is not None:
        return _learn_on_class_server(lesson.id, options)
    if not sys.stdin.isatty():
        return _learn_script(lesson.id)
    if not options.plain and importlib.util.find_spec("smtpshell.tui.app") is not None:
        from smtpshell.tui.app import run_app

        return run_app(lesson_id=lesson.id)
    from smtpshell.repl.app import run_repl

    return asyncio.run(run_repl(_lesson_engine(lesson.id)))


def _learn_on_class_server(lesson_id: str, options: argparse.Namespace) -> int:
    """The lesson on a class server: the shell connects there first, its lesson faults go to this student only."""
    from smtpshell.classroom.student_link import ask_password, attach_class_link
    from smtpshell.session.engine import ShellEngine
    from smtpshell.session.target import Target, TargetError, parse_host_port

    try:
        host, port = parse_host_port(options.connect, 25)
    except TargetError as error:
        print(f"smtpshell learn: {error}", file=sys.stderr)
        return 2
    password = None
    if options.student is not None:
        password = ask_password(options.student)
        if password is None:
            return 2
    target = Target("remote", host, port)
    engine = ShellEngine(target)
    attach_class_link(engine, options.student, password)
    engine.startup_lines.append(f"/lesson {lesson_id}")
    if not sys.stdin.isatty():
        from smtpshell.repl.script import run_script

        return asyncio.run(run_script(engine, sys.stdin, sys.stdout))
    if not options.plain and importlib.util.find_spec("smtpshell.tui.app") is not None:
        from smtpshell.tui.app import SMTPShellApp

        result = SMTPShellApp(target, engine=engine).run()
        return result if isinstance(result, int) else 0
    from smtpshell.repl.app import run_repl

    return asyncio.run(run_repl(engine))


def _learn_script(lesson_id: str) -> int:
    """Standard input is not a terminal: run its lines inside the lesson (a teacher's demo, or a test)."""
    from smtpshell.repl.script import run_script

    return asyncio.run(run_script(_lesson_engine(lesson_id), sys.stdin, sys.stdout))


def _lesson_engine(lesson_id: str) -> ShellEngine:
    from smtpshell.session.engine import ShellEngine

    engine = ShellEngine()
    engine.startup_lines.append(f"/lesson {lesson_id}")
    return engine
