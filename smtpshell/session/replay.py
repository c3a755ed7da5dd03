"""Demo scripts for /replay and `smtpshell demo`: a text file whose lines run as if typed, one step at a time.

A line starting with # is a presenter's note, shown to the presenter and not sent (inside a message, after DATA,
it is a message line like any other). Two notes are directives:

  # pause     stop --auto here: the demo waits for the presenter's key
  # explain   open the full explanation of the last reply

A one-word lowercase note is read as a directive, so a misspelt one (# pasue) is an error with its file and
line, not a note nobody meant. A transcript saved with /save (time, TLS, C:/S: columns) replays as the commands
it holds: server lines, notices and timestamps are left out, and redacted credentials become notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from smtpshell.session.redact import HIDDEN

MAX_SCRIPT_LINES = 10_000
DIRECTIVES = {
    "pause": "stop --auto here until the presenter presses a key",
    "explain": "open the full explanation of the last reply",
}

StepKind = Literal["send", "note", "pause", "explain"]

# The columns /save writes before each line ("14:48:32.960 TLS C: ") and the speaker prefixes of other logs.
_STAMP = r"(?:[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?\s+(?:TLS\s+)?)?"
_SERVER_LINE = re.compile(rf"^{_STAMP}S: ?[0-9]{{3}}(?:[ -]|$)")
_CLIENT_LINE = re.compile(rf"^{_STAMP}C: ?(.*)$")
_DIRECTIVE_LIKE = re.compile(r"^[a-z]+$")


class ScriptError(ValueError):
    """A script that cannot be read or run; the message is ``file:line: what is wrong``."""


@dataclass(frozen=True)
class DemoStep:
    kind: StepKind
    text: str  # the line to send, or the note's text
    line: int  # where it is in the file (1-based)


def read_script(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScriptError(f"{path}: a directory, not a demo script") from None
    except UnicodeDecodeError:
        raise ScriptError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise ScriptError(f"{path}: cannot read it ({error.strerror})") from None
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_SCRIPT_LINES:
        raise ScriptError(f"{path}: {len(lines)} lines; a demo script may have at most {MAX_SCRIPT_LINES}")
    return lines


def comment_text(line: str) -> str | None:
    """The comment of a ``# ...`` line, or None when the line is not a comment."""
    stripped = line.lstrip()
    return stripped[1:].strip() if stripped.startswith("#") else None


def is_transcript(lines: list[str]) -> bool:
    """A saved transcript, not a script: it has server lines ("S: 250 ...") that nobody types."""
    return any(_SERVER_LINE.match(line) for line in lines)


def script_steps(lines: list[str], source: str) -> list[DemoStep]:
    """A demo script's steps; a bad directive raises ScriptError naming ``source:line``."""
    steps: list[DemoStep] = []
    in_message = False
    for number, line in enumerate(lines, start=1):
        if in_message:
            steps.append(DemoStep("send", line, number))
            in_message = line != "."
            continue
        note = comment_text(line)
        if note is None:
            if line.strip():
                steps.append(DemoStep("send", line, number))
                in_message = line.strip().upper() == "DATA"
            continue
        if _DIRECTIVE_LIKE.match(note) or note.split(" ", 1)[0] in DIRECTIVES:
            word, _, rest = note.partition(" ")
            if word not in DIRECTIVES:
                known = " and ".join(f"# {name}" for name in DIRECTIVES)
                raise ScriptError(
                    f"{source}:{number}: unknown directive '# {word}': the directives are {known} "
                    "(a note is any other text, such as '# Now we greet the server')"
                )
            if rest.strip():
                raise ScriptError(f"{source}:{number}: '# {word}' takes nothing after it, found {rest.strip()!r}")
            steps.append(DemoStep(word, "", number))  # type: ignore[arg-type]  # checked against DIRECTIVES
        elif note:
            steps.append(DemoStep("note", note, number))
    return steps


def transcript_steps(lines: list[str]) -> list[DemoStep]:
    """The commands a saved transcript holds, in order, as they were typed: a message's lines lose the dot the
    client added on the wire (dot-stuffing, RFC 5321 §4.5.2), since the shell adds it again when it sends them."""
    steps: list[DemoStep] = []
    phase: Literal["command", "data-sent", "message"] = "command"
    for number, line in enumerate(lines, start=1):
        if _SERVER_LINE.match(line):
            if phase == "data-sent":
                phase = "message" if re.search(r"S: ?354", line) else "command"
            continue
        match = _CLIENT_LINE.match(line)
        if match is None:
            continue
        sent = match[1]
        if phase == "message":
            if sent == ".":
                phase = "command"
            elif sent.startswith("."):
                sent = sent[1:]
        elif HIDDEN in sent:
            steps.append(
                DemoStep("note", f"Here the transcript has {sent.strip()}: type it yourself (/auth helps).", number)
            )
            continue
        elif sent.strip().upper() == "DATA":
            phase = "data-sent"
        steps.append(DemoStep("send", sent, number))
    return steps


def read_demo(path: Path) -> list[DemoStep]:
    """The steps of a demo script or a saved transcript; ScriptError when it cannot be read or is wrong."""
    lines = read_script(path)
    steps = transcript_steps(lines) if is_transcript(lines) else script_steps(lines, str(path))
    if not any(step.kind == "send" for step in steps):
        raise ScriptError(f"{path}: nothing to send: a demo script has one line per command (# lines are notes)")
    return steps
