"""The shell's own commands. They start with "/" so they can never be mistaken for an SMTP verb.

This table is the one truth for them: the engine dispatches on it, the completer offers it, /help and the TUI's
command palette list it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

META_PREFIX = "/"

ArgKind = Literal["none", "host", "topic", "mechanism", "path", "lesson", "on-off", "fault", "number", "meta"]


@dataclass(frozen=True)
class MetaCommand:
    name: str  # without the prefix
    usage: str
    summary: str
    arg: ArgKind = "none"


META_COMMANDS: dict[str, MetaCommand] = {
    m.name: m
    for m in (
        MetaCommand(
            "connect",
            "/connect HOST[:PORT] [--starttls|--tls] [--insecure|--cafile FILE] [--tls-version 1.2|1.3] [--sni NAME] "
            "[--verify-name NAME] [--helo NAME] [--lmtp] [--proxy-protocol v1|v2] [--mx DOMAIN]",
            "talk to a real SMTP server instead of the sandbox; /connect --mx DOMAIN lists a domain's mail "
            "servers, then /connect N picks one",
            "host",
        ),
        MetaCommand("sandbox", "/sandbox", "go back to the built-in sandbox server"),
        MetaCommand(
            "explain",
            "/explain [CODE|ENHANCED|KEYWORD|VERB]",
            "explain a reply code, an enhanced code, an extension or a command; alone: the last reply",
            "topic",
        ),
        MetaCommand(
            "auth",
            "/auth PLAIN|LOGIN|CRAM-MD5 [USER]",
            "log in step by step; asks for the password without echo and shows each base64 line",
            "mechanism",
        ),
        MetaCommand(
            "message",
            "/message [--dkim DOMAIN [--tamper] [--arc SEALER]]",
            "start a message for DATA with From, To, Subject, Date, Message-ID; --dkim signs it with a lab key",
        ),
        MetaCommand(
            "dns",
            '/dns [on|off] | /dns set NAME TYPE "VALUE" | /dns del NAME [TYPE]',
            "the sandbox's DNS zone for the authentication lab (SPF, DKIM, DMARC): show, edit, switch on or off",
        ),
        MetaCommand(
            "mailbox",
            "/mailbox [N [FILE]]",
            "show the messages the sandbox captured (or message N; with FILE, save it whole)",
            "number",
        ),
        MetaCommand("server", "/server", "show the sandbox's side: each reply and the rule that produced it"),
        MetaCommand("state", "/state", "show the session as the client sees it"),
        MetaCommand("tls", "/tls", "show the TLS version, cipher and certificate of this connection"),
        MetaCommand(
            "save",
            "/save [--brief] FILE",
            "save the transcript (credentials redacted); .html makes a handout page, .md Markdown, both with the "
            "explanations (--brief: one line each)",
            "path",
        ),
        MetaCommand(
            "replay",
            "/replay [--auto SECONDS] [--typing] FILE",
            "run a demo script (or a saved transcript's commands) step by step: Enter sends the next line, "
            "Esc ends; # lines are notes, # pause and # explain directives",
            "path",
        ),
        MetaCommand("raw", "/raw on|off", "send lines exactly as typed, without the shell's safety checks", "on-off"),
        MetaCommand("explanations", "/explanations on|off", "show or hide the explanation under each reply", "on-off"),
        MetaCommand(
            "faults", "/faults [SPEC|clear]", "list, add or clear the sandbox's faults (greylist, ...)", "fault"
        ),
        MetaCommand(
            "lesson", "/lesson [ID|stop]", "start a guided lesson (the next unfinished one by default)", "lesson"
        ),
        MetaCommand("hint", "/hint", "the next hint for the current lesson step"),
        MetaCommand("showme", "/showme", "put the current step's solution on the command line, unsent"),
        MetaCommand("help", "/help [COMMAND]", "help on the shell, or on an SMTP or shell command", "meta"),
        MetaCommand("quit", "/quit", "leave smtpshell"),
    )
}


def lookup_meta(name: str) -> MetaCommand | None:
    return META_COMMANDS.get(name.lower().lstrip(META_PREFIX))
