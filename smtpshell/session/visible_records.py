"""Records as every front end and report may show them: what the server (or any peer) wrote, made visible.

Rule: the engine passes each record through ``visible_record`` before anyone sees it, so the reply lines, the
explanation quoting them, the sandbox's reason and every notice reach a terminal, a TUI or a saved transcript
with their control characters escaped (proto/visible_text.py). What the user typed (the command and a message's
lines) is left as typed: each front end draws it its own way, and session/transcript.py escapes it for text.
"""

from __future__ import annotations

import dataclasses

from smtpshell.proto.replies import Reply
from smtpshell.proto.visible_text import visible, visible_data
from smtpshell.session.records import Exchange, Record


def visible_reply(reply: Reply) -> Reply:
    if all(line.isprintable() for line in reply.lines):
        return reply
    return dataclasses.replace(reply, lines=tuple(visible(line) for line in reply.lines))


def visible_record(record: Record) -> Record:
    if isinstance(record, Exchange):
        return dataclasses.replace(
            record,
            reply=None if record.reply is None else visible_reply(record.reply),
            explanation=visible_data(record.explanation),
            server_reason=visible_data(record.server_reason),
        )
    return visible_data(record)  # a Notice or a ConnectionChange: every string in it
