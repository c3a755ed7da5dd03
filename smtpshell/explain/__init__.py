"""Explanations: knowledge of SMTP as data files, and `explain(...)` turning a reply into a lesson.

The three entry points are importable from here; they load lazily, so importing `smtpshell.explain.model` alone
stays cheap:

    explain_reply(reply, command=None, state=None, server_reason=None) -> Explanation
    explain_topic(text) -> Explanation
    render_text(explanation, width=80) -> str
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpshell.explain.engine import explain_reply as explain_reply
    from smtpshell.explain.render import render_text as render_text
    from smtpshell.explain.topics import explain_topic as explain_topic

__all__ = ["explain_reply", "explain_topic", "render_text"]


def __getattr__(name: str) -> Any:
    if name == "explain_reply":
        from smtpshell.explain.engine import explain_reply

        return explain_reply
    if name == "explain_topic":
        from smtpshell.explain.topics import explain_topic

        return explain_topic
    if name == "render_text":
        from smtpshell.explain.render import render_text

        return render_text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
