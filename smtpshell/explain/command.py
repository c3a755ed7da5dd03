"""`smtpshell explain`: explain a code, an enhanced code, a reply, a keyword or a command; or annotate a transcript.

Rule: this must start fast, so it imports only the explain engine (no UI toolkit, no asyncio) and parses its few
options by hand; the knowledge files are read only when an explanation needs them.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, TextIO

from smtpshell.proto.grammar import is_ascii_digits

USAGE = """usage: smtpshell explain [--json] [--width N] [--color|--no-color] TOPIC...
       smtpshell explain [--json] [--full] FILE|-
       smtpshell explain --html [--brief] FILE|- > page.html

Explain an SMTP reply code, enhanced status code, whole reply, EHLO keyword or command:
  smtpshell explain 550
  smtpshell explain 550 5.7.1
  smtpshell explain "550 5.7.1 Relay access denied"
  smtpshell explain 5.7.26
  smtpshell explain SIZE 35882577
  smtpshell explain RCPT

Or annotate every reply and status code of a session transcript or a bounce message (DSN), read from FILE or
from standard input (-): smtpshell's saved transcripts, "C:"/"S:" logs, swaks output, bare reply lines,
Status: and Diagnostic-Code: fields.

options:
  --json          print the structured explanation(s) as JSON, with whether each code and keyword was found
  --width N       wrap text at N columns (default: the terminal's width, or 80)
  --color         colour the output even when it is not a terminal; --no-color never colours it
  --full          with a FILE: the full explanation of every reply, not the short form
  --html          with a FILE: a standalone HTML handout page (highlighted, every reply explained, no
                  external resources, prints well); --brief: one line per explanation
  --file FILE     read FILE even if its name looks like a topic
  -h, --help      show this help

Exit status: 0 when everything was found in the knowledge base, 1 when something was not, 2 for bad usage."""

_TOPIC_LIKE = re.compile(r"^([0-9]{3}|[245Xx]\.[0-9]{1,3}(\.[0-9]{1,3})?)$")
_PATH_SUFFIXES = (".txt", ".log", ".eml", ".md", ".msg", ".mbox", ".dsn")


class UsageError(Exception):
    pass


def _options(args: list[str]) -> tuple[dict[str, Any], list[str]]:
    options: dict[str, Any] = {
        "json": False,
        "width": None,
        "color": None,
        "full": False,
        "file": None,
        "html": False,
        "brief": False,
    }
    words: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            words += args[index + 1 :]
            break
        if arg in ("-h", "--help"):
            options["help"] = True
        elif arg == "--json":
            options["json"] = True
        elif arg == "--full":
            options["full"] = True
        elif arg in ("--html", "--brief"):
            options[arg[2:]] = True
        elif arg in ("--color", "--colour"):
            options["color"] = True
        elif arg in ("--no-color", "--no-colour"):
            options["color"] = False
        elif arg in ("--width", "--file") or arg.startswith(("--width=", "--file=")):
            name, _, value = arg.partition("=")
            if not value:
                index += 1
                if index >= len(args):
                    raise UsageError(f"{name} needs a value")
                value = args[index]
            if name == "--width":
                if not is_ascii_digits(value) or int(value) < 20:
                    raise UsageError(f"--width wants a number of columns (20 or more), not {value!r}")
                options["width"] = int(value)
            else:
                options["file"] = value
        elif arg.startswith("--") or (arg.startswith("-") and arg != "-" and not is_ascii_digits(arg[1:2])):
            raise UsageError(f"unknown option {arg!r}")
        else:
            words.append(arg)
        index += 1
    return options, words


def _is_known_topic(word: str) -> bool:
    from smtpshell.explain import knowledge
    from smtpshell.proto.commands import COMMANDS

    return bool(_TOPIC_LIKE.match(word)) or word.upper() in COMMANDS or knowledge.keyword(word) is not None


def _file_argument(words: list[str]) -> str | None:
    """The one argument names a file to annotate: "-", or an existing file that is not also a topic.

    Anything else is text to explain, even with a "/" in it (a pasted reply often ends in a URL); only a single
    word that looks like a path and names nothing gets "no such file".
    """
    if len(words) != 1:
        return None
    word = words[0]
    if word == "-":
        return word
    if os.path.isfile(word) and not _is_known_topic(word):
        return word
    looks_like_path = not any(char.isspace() for char in word) and "://" not in word
    if looks_like_path and (os.sep in word or word.lower().endswith(_PATH_SUFFIXES)) and not os.path.exists(word):
        raise UsageError(f"no such file: {word}")
    return None


# A transcript or a bounce worth reading by eye fits in far less; past this, 50 MB piped in took minutes and GBs.
MAX_INPUT = 1024 * 1024


def _read(path: str, stdin: TextIO) -> str:
    """The text of ``path`` (or standard input for "-"), at most MAX_INPUT of it, cut at the end of a line; past
    the bound, standard error says so (standard output keeps its form, JSON included)."""
    name = "standard input" if path == "-" else path
    if path == "-":
        if stdin.isatty():
            print("Reading a transcript or bounce from standard input; end it with Ctrl-D.", file=sys.stderr)
        text = stdin.read(MAX_INPUT + 1)
    else:
        if os.path.isdir(path):
            raise UsageError(f"{path} is a directory, not a file")
        try:
            with open(path, "rb") as handle:
                text = handle.read(MAX_INPUT + 1).decode("utf-8", "replace")
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    if len(text) <= MAX_INPUT:
        return text
    text = text[:MAX_INPUT]
    end = text.rfind("\n")
    text = text[: end + 1] if end > 0 else text
    print(
        f"smtpshell explain: only the first {len(text):,} characters of {name} were read "
        f"(at most {MAX_INPUT // 1024} KiB, cut at a line end).",
        file=sys.stderr,
    )
    return text


def found_report(explanation: Any, topic: str | None = None) -> dict[str, Any]:
    """Which parts of an explanation were found in the knowledge base, for --json."""
    from smtpshell.explain import knowledge
    from smtpshell.proto.commands import COMMANDS

    report: dict[str, Any] = {"known": explanation.known}
    if explanation.code is not None:
        report["code"] = {"value": explanation.code, "known": knowledge.reply_code(explanation.code) is not None}
    enhanced = explanation.enhanced
    if enhanced and enhanced.count(".") == 2:
        _, subject, detail = enhanced.split(".")
        key = f"X.{int(subject)}.{int(detail)}"
        report["enhanced"] = {"value": enhanced, "known": knowledge.enhanced_code(key) is not None}
    if explanation.keywords:
        report["keywords"] = [{"keyword": note.keyword, "known": note.known} for note in explanation.keywords]
    if topic:
        word = topic.split()[0] if topic.split() else ""
        if word.upper() in COMMANDS:
            report["command"] = {"value": word.upper(), "known": True}
        elif not is_ascii_digits(word[:1]) and not _TOPIC_LIKE.match(word) and "\n" not in topic.strip():
            info = knowledge.keyword(word) or (knowledge.keyword(word.partition("=")[0] + "=") if "=" in word else None)
            if info is not None or " " not in topic.strip():
                report["keyword"] = {"value": word, "known": info is not None}
    return report


def _use_color(choice: bool | None, stream: TextIO) -> bool:
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def _width(choice: int | None, stream: TextIO) -> int:
    if choice is not None:
        return choice
    if stream.isatty():
        try:
            return max(40, min(os.get_terminal_size(stream.fileno()).columns, 120))
        except (OSError, ValueError):
            pass
    return 80


# Candidates for escaping in JSON written with ensure_ascii off: anything but printable ASCII and the line feeds
# of the indentation; visible() decides which of them a terminal would obey.
_NOT_PLAIN_ASCII = re.compile("[^\n -~]")


def _dump(data: Any, stream: TextIO) -> None:
    """JSON that keeps "café" readable but writes every control character (C1, DEL, bidi overrides: the JSON
    encoder escapes only C0) as a \\u escape, so what a server wrote cannot drive the terminal."""
    import json

    from smtpshell.proto.visible_text import visible

    text = json.dumps(data, indent=2, ensure_ascii=False)
    text = _NOT_PLAIN_ASCII.sub(lambda m: m[0] if visible(m[0]) == m[0] else json.dumps(m[0])[1:-1], text)
    stream.write(text + "\n")


def _explain_topic(topic: str, options: dict[str, Any], out: TextIO) -> int:
    from smtpshell.explain.render import render_text
    from smtpshell.explain.topics import explain_topic

    explanation = explain_topic(topic)
    if options["json"]:
        _dump({"topic": topic, "found": found_report(explanation, topic), "explanation": explanation.to_dict()}, out)
    else:
        out.write(render_text(explanation, _width(options["width"], out), color=_use_color(options["color"], out)))
    return 0 if explanation.known else 1


def _annotate(path: str, options: dict[str, Any], out: TextIO, stdin: TextIO) -> int:
    from smtpshell.explain.annotate import annotate_text
    from smtpshell.explain.render import render_brief, render_text
    from smtpshell.proto.visible_text import visible_data

    text = _read(path, stdin)
    name = "standard input" if path == "-" else path
    if options["html"]:
        return _page(text, name, options, out)
    annotations = annotate_text(text)
    if options["json"]:
        _dump(
            {
                "source": name,
                "items": [
                    {
                        "line": item.line,
                        "kind": item.kind,
                        "text": item.text,
                        "command": item.command,
                        "found": found_report(item.explanation),
                        "explanation": item.explanation.to_dict(),
                    }
                    for item in annotations
                ],
            },
            out,
        )
        return 0 if annotations and all(item.explanation.known for item in annotations) else 1
    if not annotations:
        out.write(f"No SMTP reply or status code found in {name}.\n")
        return 1
    width, color = _width(options["width"], out), _use_color(options["color"], out)
    for item in visible_data(annotations):  # a bounce or transcript is anyone's text: no control reaches the terminal
        source = item.text.splitlines() or [""]
        out.write(f"line {item.line}: {source[0].strip()}\n")
        for extra in source[1:]:
            out.write(f"{' ' * (len(str(item.line)) + 7)}{extra.strip()}\n")
        if item.command:
            out.write(f"    (answer to {item.command})\n")
        if options["full"]:
            body = render_text(item.explanation, width - 4, color=color)
            out.write("".join(f"    {line}\n" if line else "\n" for line in body.splitlines()))
        else:
            out.write(render_brief(item.explanation, width, color=color))
        out.write("\n")
    unknown = sum(1 for item in annotations if not item.explanation.known)
    out.write(
        f"{len(annotations)} repl{'ies' if len(annotations) != 1 else 'y'} and status codes explained"
        + (f"; {unknown} not fully in the knowledge base.\n" if unknown else ".\n")
    )
    return 0 if not unknown else 1


def _page(text: str, name: str, options: dict[str, Any], out: TextIO) -> int:
    """--html: the transcript as a handout page on standard output."""
    from smtpshell.handout.from_text import UnknownTranscript, text_handout
    from smtpshell.handout.html_page import render_html

    try:
        handout = text_handout(text, name)
    except UnknownTranscript as error:
        print(f"smtpshell explain: {error}.", file=sys.stderr)
        return 1
    out.write(render_html(handout, brief=options["brief"]))
    return 0 if all(item.explanation is None or item.explanation.known for item in handout.exchanges()) else 1


def main(argv: list[str] | None = None, *, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Entry point; ``argv[0]`` is the subcommand name ("explain")."""
    args = (sys.argv[1:] if argv is None else argv)[1:]
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    try:
        options, words = _options(args)
        if options.get("help"):
            out.write(USAGE + "\n")
            return 0
        path = options["file"] or _file_argument(words)
        if (options["html"] or options["brief"]) and path is None:
            raise UsageError("--html and --brief make a page from a transcript: give a FILE, or - for standard input")
        if path is not None:
            if options["file"] and words:
                raise UsageError("give either --file FILE or a topic, not both")
            return _annotate(path, options, out, stdin)
        if not words:
            raise UsageError("what should I explain? Give a code, a keyword, a command, or a FILE")
        return _explain_topic(" ".join(words), options, out)
    except UsageError as error:
        print(
            f"smtpshell explain: {error}\n{USAGE.splitlines()[0]}\n{USAGE.splitlines()[1]}\n"
            "Run `smtpshell explain --help` for more.",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        return 0
    except ValueError as error:
        from smtpshell.explain.knowledge import KnowledgeError

        if not isinstance(error, KnowledgeError):
            raise
        print(f"smtpshell explain: the knowledge base is damaged: {error}", file=sys.stderr)
        return 2
