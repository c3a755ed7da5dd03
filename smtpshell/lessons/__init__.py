"""Guided lessons: lesson files (Markdown + TOML checks), a pure runner that advances on transcript records,
saved progress, and the end-of-lesson summary.

How the engine's /lesson, /hint and /showme (or any front end) use it::

    catalogue = load_catalogue()                  # the shipped lessons; $SMTPSHELL_LESSONS points elsewhere
    progress = Progress()                         # in the user data dir; $SMTPSHELL_HOME overrides it
    lesson = catalogue.find("3") or catalogue.next_unfinished(progress)   # id, number or unique id prefix
    policy = lesson_policy(lesson)                # a fresh sandbox policy: limits, users, faults
    runner = LessonRunner(lesson, step=saved_step, view=SandboxView.of(engine.state, engine.mailbox()))
    for every record:
        for event in runner.observe(record, SandboxView.of(engine.state, engine.mailbox())):
            StepPassed(index, step, why, next_step) | MistakeSpotted(index, note) | StepMissed(index, reason)
            | LessonFinished(summary)
            (render_summary(summary) is the plain-text summary; save with progress.save_step / finish)
    /hint:   runner.hint() -> Hint(text, number, total) or None when none are left
    /showme: runner.show_me(engine.mode) -> ShowMe: put .text on the command line, unsent (a message: give it
             to send_message); .shell_commands lists shell commands such as "/raw on" the step needs first
    a pane:  pane_markdown(runner, None, catalogue.number(lesson))

LessonGuide wraps a runner with the saving of progress and resuming, for a front end that wants both in one.
"""

from smtpshell.lessons.catalogue import Catalogue, lessons_dir, load_catalogue
from smtpshell.lessons.guide import LessonGuide
from smtpshell.lessons.loader import LessonError, LessonFileError, load_folder, load_lesson_file
from smtpshell.lessons.model import Lesson, Step
from smtpshell.lessons.progress import LessonProgress, Progress
from smtpshell.lessons.render import pane_markdown
from smtpshell.lessons.runner import (
    Hint,
    LessonEvent,
    LessonFinished,
    LessonRunner,
    MistakeSpotted,
    SandboxView,
    ShowMe,
    StepMissed,
    StepPassed,
)
from smtpshell.lessons.setup import lesson_policy, sandbox_policy
from smtpshell.lessons.summary import LessonSummary, render_summary

__all__ = [
    "Catalogue",
    "Hint",
    "Lesson",
    "LessonError",
    "LessonEvent",
    "LessonFileError",
    "LessonFinished",
    "LessonGuide",
    "LessonProgress",
    "LessonRunner",
    "LessonSummary",
    "MistakeSpotted",
    "Progress",
    "SandboxView",
    "ShowMe",
    "Step",
    "StepMissed",
    "StepPassed",
    "lesson_policy",
    "lessons_dir",
    "load_catalogue",
    "load_folder",
    "load_lesson_file",
    "pane_markdown",
    "render_summary",
    "sandbox_policy",
]
