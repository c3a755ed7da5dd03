"""Any transcript as a handout: smtpshell's saved files, "C:"/"S:" logs (a Postfix excerpt pasted in that form),
swaks' arrows, bare reply lines, and bounces' Status:/Diagnostic-Code: fields.

Rule: the reading is explain/annotate.py's (one reader for every transcript); this module only cuts the text into
blocks, one per explained reply, so each block shows what led to the reply and the reply itself.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from smtpshell.explain.annotate import Annotation, annotate_text
from smtpshell.handout.model import Handout, HandoutExchange, HandoutItem, HandoutNote
from smtpshell.proto.client_state import AUTH_RESPONSE, DATA_END, GREETING

EXPECTED_FORMATS = (
    "a session transcript with C:/S: prefixes (as smtpshell's /save writes it, or a log excerpt in that form), "
    "swaks output (-> and <- arrows), bare reply lines such as '250 2.1.0 Ok', or a bounce with Status: and "
    "Diagnostic-Code: fields"
)

# smtpshell's own time column ("14:48:32.960 TLS "): shown on screen, noise on a handout.
_STAMP = re.compile(r"^[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)? (?:(TLS)|   ) ?")
_HEADER = re.compile(r"^# (smtpshell transcript|columns):")


class UnknownTranscript(ValueError):
    """The text holds no reply or status code; the message says what was expected."""


def _titles(annotation: Annotation) -> tuple[str, bool]:
    command = annotation.command
    if annotation.kind != "reply":
        first = annotation.text.strip().splitlines()[0] if annotation.text.strip() else annotation.kind
        return (first if len(first) <= 72 else first[:71].rstrip() + "…"), False
    if command is None:
        return "A reply (the command it answered is not in the transcript)", False
    return {
        GREETING: ("Greeting", False),
        DATA_END: ("End of message (<CRLF>.<CRLF>)", False),
        AUTH_RESPONSE: ("AUTH response", False),
    }.get(command, (command, True))


def _clean(raw: str) -> tuple[str, bool]:
    """A line without smtpshell's time column, and whether that column said TLS."""
    match = _STAMP.match(raw)
    if match is None:
        return raw.rstrip(), False
    return raw[match.end() :].rstrip(), match[1] == "TLS"


def text_handout(text: str, source: str) -> Handout:
    """The transcript ``text`` (from ``source``, a file name or "standard input") cut into explained blocks."""
    annotations = annotate_text(text)
    if not annotations:
        raise UnknownTranscript(f"no SMTP reply or status code found in {source}; expected {EXPECTED_FORMATS}")
    raw_lines = text.splitlines()
    items: list[HandoutItem] = []
    start = 0  # the first line (0-based) not yet in a block
    for annotation in annotations:
        first = annotation.line - 1
        end = max(first + len(annotation.text.splitlines() or [""]), start)
        block = [_clean(raw) for raw in raw_lines[start:end] if not _HEADER.match(raw)]
        lines = tuple(line for line, _ in block)
        while lines and not lines[0].strip():
            lines = lines[1:]
        title, is_command = _titles(annotation)
        tls = any(tls for _, tls in block)
        session = annotation.kind == "reply"
        items.append(HandoutExchange(title, lines, annotation.explanation, None, tls, is_command, session))
        start = end
    rest = tuple(line for line, _ in (_clean(raw) for raw in raw_lines[start:]) if line.strip())
    if rest:
        items.append(HandoutNote("info", rest))
    name = PurePath(source).name if source != "standard input" else source
    count = len(annotations)
    return Handout(
        f"SMTP transcript: {name}",
        f"{count} repl{'ies' if count != 1 else 'y'} and status codes explained by smtpshell.",
        items,
    )
