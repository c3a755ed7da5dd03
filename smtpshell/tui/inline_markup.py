"""Inline Markdown spans (session/markdown_text.py) as Textual styles, where a Markdown widget would be too slow
(help) or too heavy (one transcript entry per notice).

Rule: the markers never reach the screen; what they mark keeps its words (a link keeps its text).
"""

from __future__ import annotations

from textual.content import Content

from smtpshell.session.markdown_text import inline_spans

CODE_STYLE = "$text-accent"
SPAN_STYLES = {"bold": "bold", "code": CODE_STYLE, "em": "italic", "link": "underline"}


def inline_markup(text: str, style: str = "") -> Content:
    """``text`` with its inline Markdown turned into styles (``style`` under all of it)."""
    parts = [
        Content(words).stylize(SPAN_STYLES[kind]) if kind else Content(words) for kind, words in inline_spans(text)
    ]
    content = Content.assemble(*parts)
    return content.stylize_before(style) if style else content
