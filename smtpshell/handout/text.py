"""Pieces of an explanation as handout text, shared by the HTML and Markdown writers."""

from __future__ import annotations

from smtpshell.explain.model import Explanation


def title_of(explanation: Explanation) -> str:
    """ "250 2.1.0 Sender accepted": the code, the enhanced code and the headline."""
    parts = [str(explanation.code) if explanation.code is not None else "", explanation.enhanced or ""]
    prefix = " ".join(part for part in parts if part)
    return f"{prefix} {explanation.headline}" if prefix else explanation.headline


def one_line(explanation: Explanation | None, reason: str | None) -> str:
    """The --brief form: the headline, and the server's reason when it gave one."""
    text = title_of(explanation) if explanation is not None else ""
    if reason:
        text = f"{text} (server's reason: {reason})" if text else f"Server's reason: {reason}"
    return text


def sections(explanation: Explanation, reason: str | None) -> list[tuple[str, str]]:
    """(label, text) paragraphs of a full explanation, in reading order; the reason given to the writer wins."""
    server_reason = reason or explanation.server_reason
    found = [
        ("", explanation.meaning),
        ("Server's reason", server_reason),
        ("Decoded", repr(explanation.decoded) if explanation.decoded is not None else None),
        ("Known pattern", explanation.pattern),
        ("Retry", explanation.retry if _is_failure(explanation) else None),
    ]
    return [(label, text) for label, text in found if text]


def _is_failure(explanation: Explanation) -> bool:
    if explanation.code is not None:
        return explanation.code // 100 in (4, 5)
    return not (explanation.enhanced or "").startswith("2")
