"""A reference solution (or a wrong attempt) read as the learner would type it, input by input.

Rule: what an input is depends on where the session is — after DATA it is a message, after "AUTH LOGIN" an
answer to a challenge, after "BDAT n" a chunk — so the inputs are classified in order, carrying that context
from one step to the next.
"""

from __future__ import annotations

from smtpshell.lessons.model import SolutionItem
from smtpshell.lessons.table_reader import TableReader
from smtpshell.proto.commands import lookup
from smtpshell.proto.grammar import is_ascii_digits, split_command
from smtpshell.session.meta_table import META_COMMANDS, META_PREFIX, lookup_meta

# RFC 2920 §3.1: commands whose reply changes what may follow end a pipelined group.
PIPELINE_LAST = {"EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP", "STARTTLS", "AUTH"}


def read_inputs(
    r: TableReader, key: str, texts: list[str], context: str, *, strict: bool = True
) -> tuple[list[SolutionItem], str]:
    """Classify each input by where the session is: a command, a message after DATA, an AUTH answer, a
    BDAT chunk, or a shell command. ``strict`` (solutions, not mistakes) also checks BDAT chunk sizes."""
    items: list[SolutionItem] = []
    chunk_size = 0
    for index, raw in enumerate(texts):
        line = r.source.line_of(*r.where, key, index)
        where = f"'{key}' item {index + 1}"
        text = raw.strip("\n")
        if context == "data":
            if text.split("\n")[-1] != "." and strict:  # a wrong attempt may forget the dot
                r.report(line, f"{where}: a message after DATA must end with a line holding only '.'")
            items.append(SolutionItem(text, "message"))
            context = "command"
            continue
        if "\n" in text:
            pipeline = _pipeline(r, line, where, text, strict)
            if pipeline is not None:
                items.append(pipeline)
                context = "data" if split_command(text.split("\n")[-1]).verb == "DATA" else "command"
            continue
        if context == "bdat":
            size = len(text.encode("utf-8"))
            if strict and size != chunk_size:
                r.report(line, f"{where}: the chunk has {size} octets but BDAT announced {chunk_size}")
            items.append(SolutionItem(text, "chunk"))
            context = "command"
            continue
        if text.startswith(META_PREFIX):
            if lookup_meta(text.split()[0]) is None:
                r.report(
                    line,
                    f"{where}: {text.split()[0]!r} is not a shell command; known: "
                    + ", ".join(META_PREFIX + name for name in META_COMMANDS),
                )
            items.append(SolutionItem(text, "meta"))
            continue
        verb = split_command(text).verb
        if context == "auth" and lookup(verb) is None:
            items.append(SolutionItem(text, "auth-response"))
            continue
        if lookup(verb) is None and strict:  # a wrong attempt may well use a verb that does not exist
            r.report(line, f"{where}: {verb!r} is not an SMTP command")
            context = "command"
            continue
        items.append(SolutionItem(text, "command"))
        words = text.split()
        context = "command"
        if verb == "DATA":
            context = "data"
        elif verb == "AUTH" and len(words) == 2:
            context = "auth"  # no initial response on the AUTH line: the server will ask
        elif verb == "BDAT" and len(words) >= 2 and is_ascii_digits(words[1]):
            context, chunk_size = "bdat", int(words[1])
    return items, context


def _pipeline(r: TableReader, line: int, where: str, text: str, strict: bool) -> SolutionItem | None:
    """Several commands sent in one go (RFC 2920): each must be a command, and only the last may change
    the state of the session in a way the client must wait for."""
    commands = text.split("\n")
    for number, command in enumerate(commands, 1):
        verb = split_command(command).verb
        if lookup(verb) is None and strict:
            r.report(line, f"{where}: line {number} of the group, {verb!r}, is not an SMTP command")
            return None
        if verb in PIPELINE_LAST and number < len(commands) and strict:
            r.report(
                line,
                f"{where}: {verb} may only be the last command of a pipelined group "
                "(RFC 2920 §3.1): the client must read its reply before going on",
            )
            return None
    return SolutionItem(text, "pipeline")
