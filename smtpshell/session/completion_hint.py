"""Why Tab found nothing to complete: one line a learner can act on, from the same reading of the line as the
completer (completion_suggest.suggest) and the session state.

Rule: this only explains an empty completion; it never decides what the candidates are.
"""

from __future__ import annotations

import re

from smtpshell.meta_table import META_PREFIX
from smtpshell.proto.client_state import ClientState
from smtpshell.proto.commands import COMMANDS, lookup
from smtpshell.session.completion_suggest import (
    Address,
    ArgumentExample,
    EsmtpParameter,
    EsmtpValue,
    Mechanism,
    MetaArgument,
    MetaName,
    Verb,
    suggest,
)


def nothing_to_complete(text: str, state: ClientState) -> str:
    """One line saying why nothing completes at the end of ``text`` (the text before the cursor)."""
    if state.in_data:
        return "the server is reading the message: these lines are text, nothing to complete"
    if state.auth_mechanism:
        return "the server waits for one base64 line (or * to give up): nothing to complete"
    line = re.split(r"[\r\n]", text)[-1].lstrip(" \t")
    for kind in suggest(text, state):
        match kind:
            case Verb(word=word) if word:
                command = lookup(word)
                if command is not None and command.takes_argument:
                    return f"type a space for {command.verb}'s argument ({command.syntax})"
                if command is not None:
                    return f"{command.verb} is complete: Enter sends it"
                return f"no SMTP command starts with {word!r}: Tab on an empty line lists them all"
            case MetaName(word=word):
                return f"no shell command starts with {word!r}: /help lists them"
            case Mechanism():
                return _why_no_mechanism(state)
            case EsmtpParameter(verb=verb):
                return _why_no_parameter(verb, state)
            case EsmtpValue(param=param):
                return f"no value of {param} starts so: see /help {line.split()[0].upper()}"
            case Address(verb=verb, bracket=bracket):
                where = "a mailbox" if bracket else "<, then a mailbox"
                return f"{verb} wants {where}: nothing known starts so (the sandbox's mailboxes end @sandbox.test)"
            case ArgumentExample(verb=verb):
                return f"{verb} takes {COMMANDS[verb].syntax.partition(' ')[2] or 'an argument'}: type it"
            case MetaArgument(meta=meta):
                return f"nothing known fits here: /help {META_PREFIX}{meta} says what it takes"
    return _why_nothing_fits(line)


def _why_no_mechanism(state: ClientState) -> str:
    if not state.esmtp:
        return "send EHLO first: its reply lists the AUTH mechanisms"
    if not state.advertised("AUTH"):
        if state.advertised("STARTTLS") and not state.tls:
            return "AUTH is offered only after STARTTLS: send STARTTLS, then EHLO again"
        return "this server did not offer AUTH in its EHLO reply"
    return "no mechanism the server offered starts so"


def _why_no_parameter(verb: str, state: ClientState) -> str:
    if not state.esmtp:
        return f"parameters of {verb} need EHLO: HELO enables none"
    return f"no parameter of {verb} that this server advertised starts so"


def _why_nothing_fits(line: str) -> str:
    verb, _, rest = line.partition(" ")
    command = lookup(verb)
    if command is not None and not command.takes_argument:
        return f"{command.verb} takes no argument: Enter sends it"
    if command is not None and command.prefix and rest.rstrip().endswith(">"):
        return f"type a space for {command.verb}'s parameters (SIZE=, BODY=, …), or Enter to send"
    if line.startswith(META_PREFIX):
        return "nothing to complete here: Enter runs the command"
    return "nothing to complete here"
