"""Read a whole session transcript or a bounce message and explain every reply and status code in it.

Rule: the reader is tolerant. It takes smtpshell's saved transcripts ("12:00:01.123 TLS C: EHLO x"), "C:"/"S:"
logs, swaks-style arrows ("-> EHLO x", "<- 250 ok"), bare reply lines ("250-SIZE 1000"), and bounces (DSN fields
Status: and Diagnostic-Code:, Postfix's "said: ... (in reply to RCPT TO command)", Exim's "SMTP error from remote
mail server after RCPT TO:<x>:"). It follows the session with a ClientState, so each reply is explained for the
command it answered; anything it cannot place is explained on its own.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Literal

from smtpshell.explain import knowledge
from smtpshell.explain.engine import explain_reply, pattern_text
from smtpshell.explain.model import Explanation
from smtpshell.explain.topics import explain_topic, reply_from_text
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING, ClientState
from smtpshell.proto.commands import COMMANDS
from smtpshell.proto.grammar import split_command
from smtpshell.proto.replies import Reply

ItemKind = Literal["reply", "status", "diagnostic"]


@dataclass(frozen=True)
class Annotation:
    line: int  # 1-based number of the line where it starts
    kind: ItemKind
    text: str  # the reply or field as found (lines joined by newlines)
    command: str | None  # the command it answered, when known
    explanation: Explanation


_TIME = re.compile(r"^\s*\[?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[.,][0-9]+)?\]?\s+")
_CLIENT = re.compile(r"^\s*(?:TLS\s+)?(?:C:|CLIENT:|>>>|-->|\*\*>|~>|->)\s?", re.IGNORECASE)
_SERVER = re.compile(r"^\s*(?:TLS\s+)?(?:S:|SERVER:|<<<|<--|<\*\*|<~\*|<~|<-)\s?", re.IGNORECASE)
_REPLY = re.compile(r"^([0-9]{3})([ -]|$)")
_FIELD = re.compile(
    r"^(Status|Diagnostic-Code|Final-Recipient|Original-Recipient|Action|Remote-MTA|"
    r"Reporting-MTA)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_SAID = re.compile(r"\bsaid:\s*([0-9]{3}[ -].*)$", re.IGNORECASE)
_IN_REPLY_TO = re.compile(r"\s*\(in reply to (.+?) command\)\s*$", re.IGNORECASE)
_EXIM_AFTER = re.compile(
    r"SMTP error from remote (?:mail )?server (?:for|after) (?:pipelined )?(.*?):\s*"
    r"([0-9]{3}[ -].*)?$",
    re.IGNORECASE,
)


def _hint_command(text: str) -> str:
    """Postfix/Exim's words for the command ("RCPT TO", "end of DATA") as a command the engine knows."""
    words = text.strip()
    if re.fullmatch(r"end of (data|message)", words, re.IGNORECASE):
        return DATA_END
    return words


@dataclass
class _Line:
    number: int
    who: Literal["client", "server", "other"]
    text: str


def _classify(raw: str, number: int, marked: bool) -> _Line:
    line = _TIME.sub("", raw.rstrip("\r\n"))
    if (match := _SERVER.match(line)) and _REPLY.match(line[match.end() :].lstrip()):
        return _Line(number, "server", line[match.end() :].strip())
    if match := _CLIENT.match(line):
        return _Line(number, "client", line[match.end() :].rstrip())
    if (match := _SERVER.match(line)) and line[: match.end()].strip():
        return _Line(number, "other", line[match.end() :].strip())
    return _Line(number, "other", line)


class _SessionReader:
    """Follows a conversation: pairs each reply with the command it answered (pipelining included)."""

    def __init__(self) -> None:
        self.state = ClientState()
        self.pending: deque[str] = deque()
        self.mode: Literal["command", "data", "bdat", "auth"] = "command"
        self.replies_seen = 0
        self.greeted = False  # the greeting was seen, so the state is the session's real state
        self.hint: str | None = None  # a command named by bounce prose, for the next reply

    def client(self, text: str) -> None:
        if self.mode == "data":
            if text.strip() == ".":
                self.pending.append(DATA_END)
                self.mode = "command"
            return
        if self.mode == "bdat":
            return  # chunk content: the reply to BDAT ends it
        if self.mode == "auth":
            self.pending.append(AUTH_RESPONSE)
            return
        self.pending.append(text.strip())
        if split_command(text).verb == "BDAT":
            self.mode = "bdat"

    def reply(self, reply: Reply, line: int, source: str) -> Annotation:
        from_prose = self.hint is not None
        if self.hint is not None:
            command: str | None = self.hint
            self.hint = None
        elif self.pending:
            command = self.pending.popleft()
        elif self.replies_seen == 0:
            command = GREETING
            self.greeted = True
        else:
            command = None
        self.replies_seen += 1
        # A state is only worth passing when the session was followed from its greeting.
        state = self.state if self.greeted and not from_prose else None
        explanation = explain_reply(reply, command, state)
        if command is not None:
            self.state.apply(command, reply)
        if reply.code == 354:
            self.mode = "data"
        elif reply.code == 334:
            self.mode = "auth"
        elif self.mode in ("auth", "bdat"):
            self.mode = "command"
        if self.state.closed:
            self.state = ClientState()  # a new connection may follow in the same file
            self.pending.clear()
            self.replies_seen = 0
            self.greeted = False
        return Annotation(line, "reply", source, command, explanation)


def _raw_command(text: str) -> bool:
    """An unmarked line that is an SMTP command (raw transcripts with no C:/S: markers)."""
    verb = text.strip().split(" ", 1)[0].upper()
    return verb in COMMANDS and text.strip()[: len(verb)].isupper()


def _diagnostic(value: str, line: int, source: str) -> Annotation | None:
    """A DSN Diagnostic-Code value: "smtp; 550 5.1.1 ..." (possibly folded, repeating its code per line)."""
    kind, _, text = value.partition(";")
    text = text.strip() if text else kind.strip()
    match = _REPLY.match(text)
    if match:
        code = match[1]
        # Folded multi-line replies repeat "550-5.1.1" on every line: keep the first, drop the rest.
        status = re.match(rf"{code}[ -]([245]\.[0-9]{{1,3}}\.[0-9]{{1,3}})\s", text)
        rest = text
        if status:
            rest = re.sub(rf"\s*\b{code}[ -]{re.escape(status[1])}\s", " ", " " + text).strip()
            rest = f"{code} {status[1]} {rest}"
        else:
            rest = re.sub(rf"\s*\b{code}-", " ", " " + text).strip()
            rest = rest if rest.startswith(code) else f"{code} {rest}"
        reply = reply_from_text(rest)
        if reply is not None:
            return Annotation(line, "diagnostic", source, None, explain_reply(reply))
    pattern = knowledge.match_pattern(text)
    if pattern is None:
        return None
    return Annotation(
        line,
        "diagnostic",
        source,
        None,
        Explanation(headline=pattern.name, pattern=pattern_text(pattern), next_steps=[pattern.advice]),
    )


def annotate_text(text: str) -> list[Annotation]:
    """Every reply and status code in a transcript or bounce, explained, in the order they appear."""
    raw_lines = text.splitlines()
    marked = any(_CLIENT.match(_TIME.sub("", raw)) or _SERVER.match(_TIME.sub("", raw)) for raw in raw_lines)
    lines = [_classify(raw, number, marked) for number, raw in enumerate(raw_lines, start=1)]
    reader = _SessionReader()
    found: list[Annotation] = []
    index = 0
    while index < len(lines):
        item = lines[index]
        stripped = item.text.strip()
        if item.who == "client" or (item.who == "other" and not marked and reader.mode in ("data", "bdat")):
            reader.client(item.text)
            index += 1
            continue
        if item.who == "other" and (field := _FIELD.match(stripped)):
            value, end = field[2], index + 1
            while (
                end < len(lines)
                and lines[end].who == "other"
                and lines[end].text[:1] in (" ", "\t")
                and lines[end].text.strip()
            ):
                value += " " + lines[end].text.strip()
                end += 1
            name = field[1].lower()
            source = "\n".join(raw_lines[index:end])
            if name == "status" and value.strip():
                code = value.split()[0]
                found.append(Annotation(item.number, "status", source, None, explain_topic(code)))
            elif name == "diagnostic-code" and value.strip():
                annotation = _diagnostic(value, item.number, source)
                if annotation is not None:
                    found.append(annotation)
            index = end
            continue
        if item.who == "other" and (said := _SAID.search(stripped)):
            text_said, end = said[1], index + 1
            while (
                _IN_REPLY_TO.search(text_said) is None
                and end < len(lines)
                and lines[end].text.strip()
                and lines[end].text[:1] in (" ", "\t")
                and lines[end].who == "other"
            ):
                text_said += " " + lines[end].text.strip()
                end += 1
            in_reply = _IN_REPLY_TO.search(text_said)
            if in_reply:
                reader.hint = _hint_command(in_reply[1])
                text_said = text_said[: in_reply.start()]
            reply = reply_from_text(text_said)
            if reply is not None:
                found.append(reader.reply(reply, item.number, "\n".join(raw_lines[index:end])))
            index = end
            continue
        if item.who == "other" and (exim := _EXIM_AFTER.search(stripped)):
            reader.hint = _hint_command(exim[1])
            if exim[2]:
                reply = reply_from_text(exim[2])
                if reply is not None:
                    found.append(reader.reply(reply, item.number, raw_lines[index]))
            index += 1
            continue
        if item.who == "server" or (item.who == "other" and _REPLY.match(stripped)):
            end, reply_lines = index, []
            code = stripped[:3]
            while end < len(lines) and lines[end].who in ("server", "other"):
                candidate = lines[end].text.strip()
                if not candidate.startswith(code) or not _REPLY.match(candidate):
                    break
                reply_lines.append(candidate)
                end += 1
                if candidate[3:4] != "-":
                    break
            reply = reply_from_text("\n".join(reply_lines))
            if reply is not None:
                found.append(reader.reply(reply, item.number, "\n".join(raw_lines[index:end])))
            index = max(end, index + 1)
            continue
        if item.who == "other" and not marked and stripped and (reader.mode == "auth" or _raw_command(item.text)):
            reader.client(item.text)
        index += 1
    return found
