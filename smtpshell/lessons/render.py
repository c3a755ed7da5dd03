"""The lesson pane as Markdown: goals, the steps passed, the current step with its hints, the summary at the end.

Nothing here knows a UI toolkit; the TUI feeds the Markdown to its Markdown widget. (Plain text for the plain
shell: summary.render_summary.)
"""

from __future__ import annotations

from smtpshell.lessons.model import Lesson
from smtpshell.lessons.runner import LessonRunner
from smtpshell.lessons.setup import describe_setup
from smtpshell.lessons.summary import LessonSummary


def step_heading(lesson: Lesson, index: int) -> str:
    return f"Step {index + 1} of {len(lesson.steps)}: {lesson.steps[index].title}"


def summary_markdown(summary: LessonSummary) -> str:
    def verbs(items: tuple[tuple[str, int], ...]) -> str:
        return ", ".join(f"`{verb}`×{n}" if n > 1 else f"`{verb}`" for verb, n in items) or "none"

    lines = [
        f"## Lesson finished: {summary.title}",
        "",
        f"- **Commands you used** ({summary.commands_total}): {verbs(summary.commands_used)}",
        f"- **The reference solution** ({summary.reference_total}): {verbs(summary.reference)}",
        "",
        "| Reply | Meaning |",
        "|---|---|",
    ]
    lines += [f"| {note.code} | {note.meaning} |" for note in summary.replies]
    if summary.enhanced:
        lines += ["", "| Enhanced code | Meaning |", "|---|---|"]
        lines += [f"| {note.code} | {note.meaning} |" for note in summary.enhanced]
    lines += ["", f"Hints used: {summary.hints_used}; solutions shown: {summary.solutions_shown}."]
    return "\n".join(lines)


def pane_markdown(runner: LessonRunner, last_why: str | None = None, number: int | None = None) -> str:
    """The whole lesson pane: goals, steps passed, the current step with the hints shown so far."""
    lesson = runner.lesson
    title = f"{number}. {lesson.title}" if number else lesson.title
    lines = [f"# {title}", ""]
    if runner.step_index == 0:
        lines += ["**You will be able to:**", ""] + [f"- {goal}" for goal in lesson.goals] + [""]
        setup = describe_setup(lesson.setup)
        if setup:
            lines += ["**The sandbox for this lesson:** " + "; ".join(setup) + ".", ""]
        if lesson.intro:
            lines += [lesson.intro, ""]
    for index in range(min(runner.step_index, len(lesson.steps))):
        lines.append(f"- ✓ {lesson.steps[index].title}")
    if runner.step_index:
        lines.append("")
    why = last_why if last_why is not None else runner.last_why
    if why:
        lines += [f"> **Why:** {why}", ""]
    if runner.finished:
        lines.append(summary_markdown(runner.summary()))
        return "\n".join(lines)
    step = lesson.steps[runner.step_index]
    lines += [f"## {step_heading(lesson, runner.step_index)}", "", step.instruction, ""]
    for number_, hint in enumerate(runner.hints_shown, 1):
        lines.append(f"**Hint {number_}/{len(step.hints)}:** {hint}")
        lines.append("")
    lines.append("*/hint for a hint · /showme to type the next line for you*")
    return "\n".join(lines)
