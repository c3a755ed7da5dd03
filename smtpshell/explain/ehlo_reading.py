"""EHLO keywords read for a learner: one KeywordNote per advertised line, its parameters turned into words.

Rule: every line after the first of a 250 answer to EHLO is `KEYWORD [parameters]` (RFC 5321 §4.1.1.1); what the
parameters mean depends on the keyword, so each keyword names a reader in the knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.explain import knowledge
from smtpshell.explain.model import KeywordNote
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.proto.replies import Reply

MIB = 1024 * 1024


def format_size(octets: int) -> str:
    """35882577 -> "34.2 MiB"; below one MiB, KiB; always one decimal."""
    if octets >= MIB:
        return f"{octets / MIB:.1f} MiB"
    return f"{octets / 1024:.1f} KiB"


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds} seconds"


def read_size(params: str, tls: bool | None) -> str:
    words = params.split()
    if not words:
        return "no fixed limit announced (SIZE without a number): declare SIZE= anyway, the server may still refuse"
    if not is_ascii_digits(words[0]):
        return f"{words[0]!r} is not a number: RFC 1870 wants the limit in octets"
    octets = int(words[0])
    if octets == 0:
        return "no fixed limit (SIZE 0)"
    return f"limit {format_size(octets)} ({octets:,} octets)"


def read_auth(params: str, tls: bool | None) -> str:
    names = params.upper().split()
    if not names:
        return "no mechanism listed: the server advertises AUTH but names no way to log in"
    parts = []
    for name in names:
        mechanism = knowledge.mechanisms().get(name)
        parts.append(f"{name} ({mechanism.meaning})" if mechanism else f"{name} (a mechanism this shell does not know)")
    reading = f"{len(names)} mechanism{'s' if len(names) != 1 else ''}: " + "; ".join(parts)
    if tls is False and {"PLAIN", "LOGIN"} & set(names):
        reading += ". Offered before TLS: a password sent now could be read on the way; STARTTLS first if you can"
    return reading


def read_deliverby(params: str, tls: bool | None) -> str:
    words = params.split()
    if not words:
        return "no minimum time announced"
    if not is_ascii_digits(words[0].removeprefix("-")):
        return f"{words[0]!r} is not a number of seconds"
    seconds = int(words[0])
    return f"shortest delivery time you may ask for: {seconds} s ({_duration(seconds)})"


def read_futurerelease(params: str, tls: bool | None) -> str:
    words = params.split()
    if len(words) != 2 or not is_ascii_digits(words[0]):
        return f"expected two values (longest hold in seconds, latest release date), got {params!r}"
    seconds = int(words[0])
    return f"longest hold {seconds} s ({_duration(seconds)}); release no later than {words[1]}"


def read_mt_priority(params: str, tls: bool | None) -> str:
    words = params.split()
    if not words:
        return "no priority assignment policy named"
    return f"priority assignment policy: {words[0]}"


LIMIT_NAMES = {
    "RCPTMAX": "at most {} recipients per transaction",
    "MAILMAX": "at most {} transactions (messages) per session",
    "RCPTDOMAINMAX": "at most {} different recipient domains per transaction",
}


def read_limits(params: str, tls: bool | None) -> str:
    if not params.split():
        return "no limits listed"
    parts = []
    for word in params.split():
        name, _, value = word.partition("=")
        template = LIMIT_NAMES.get(name.upper())
        parts.append(template.format(value) if template and value else f"{word} (a limit this shell does not know)")
    return "; ".join(parts)


def _read_words(info: knowledge.KeywordInfo) -> Callable[[str, bool | None], str | None]:
    def read(params: str, tls: bool | None) -> str | None:
        words = params.split()
        return f"{info.words_are}: {', '.join(words)}" if words else None

    return read


def _read_none(params: str, tls: bool | None) -> str | None:
    return f"unexpected parameters {params!r}: this keyword normally has none" if params.strip() else None


READERS: dict[str, Callable[[str, bool | None], str | None]] = {
    "size": read_size,
    "auth": read_auth,
    "deliverby": read_deliverby,
    "futurerelease": read_futurerelease,
    "mt-priority": read_mt_priority,
    "limits": read_limits,
    "none": _read_none,
}


def _lookup(keyword: str, params: str) -> tuple[knowledge.KeywordInfo | None, str]:
    """The knowledge entry for a keyword as sent; ``AUTH=LOGIN PLAIN`` is the old-style AUTH line."""
    info = knowledge.keyword(keyword)
    if info is None and "=" in keyword:
        name, _, first = keyword.partition("=")
        info = knowledge.keyword(name + "=") or knowledge.keyword(name)
        params = f"{first} {params}".strip()
    return info, params


def read_keyword(keyword: str, params: str = "", *, tls: bool | None = None) -> KeywordNote:
    """One advertised keyword, read. ``tls`` (when known) says whether the connection is encrypted."""
    info, params_read = _lookup(keyword, params)
    if info is None:
        return KeywordNote(
            keyword=keyword,
            params=params,
            meaning=unknown_keyword_meaning(keyword),
            reading=None,
            rfc=None,
            known=False,
        )
    reader = READERS.get(info.reader) or _read_words(info)
    meaning = info.meaning
    if info.status in ("obsolete", "historic"):
        meaning = f"({info.status}) {meaning}"
    return KeywordNote(
        keyword=keyword,
        params=params,
        meaning=meaning,
        reading=reader(params_read, tls),
        rfc=info.rfc or info.reference,
        known=True,
    )


def unknown_keyword_meaning(keyword: str) -> str:
    if keyword.upper().startswith("X"):
        return (
            f"{keyword} is not in this shell's knowledge base. Its name starts with X, the mark of a private "
            "extension (RFC 5321 §2.2.2): see the server's own documentation."
        )
    return (
        f"{keyword} is not in this shell's knowledge base: it is not a registered extension this shell knows. "
        "Do not use it unless you know what the server means by it."
    )


def ehlo_lines(reply: Reply) -> list[tuple[str, str]]:
    """(keyword, parameters) for every line after the first, in the order sent."""
    found = []
    for line in reply.lines[1:]:
        keyword, _, params = line.strip().partition(" ")
        if keyword:
            found.append((keyword, params.strip()))
    return found


def looks_like_ehlo(reply: Reply) -> bool:
    """A 250 reply of several lines whose later lines each start with a keyword-like word."""
    if reply.code != 250 or len(reply.lines) < 2:
        return False
    for keyword, _ in ehlo_lines(reply):
        name = keyword.partition("=")[0]
        if not name or not all(c.isalnum() or c in "-_" for c in name) or not name[0].isalnum():
            return False
    return True


def read_ehlo(reply: Reply, *, tls: bool | None = None) -> list[KeywordNote]:
    return [read_keyword(keyword, params, tls=tls) for keyword, params in ehlo_lines(reply)]
