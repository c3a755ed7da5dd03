"""The little Markdown that lesson texts and help texts use inline — **bold**, `code`, [a link](address) — shown as
styled text where a Markdown widget would be too slow (help) or too heavy (one transcript entry per notice).

Rule: the markers never reach the screen; what they mark keeps its words (a link keeps its text).
"""

from __future__ import annotations

import re

from textual.content import Content

_INLINE = re.compile(r"\*\*(?P<bold>[^*\n]+)\*\*|`(?P<code>[^`\n]+)`|\[(?P<link>[^\]\n]+)\]\([^)\s]+\)")
CODE_STYLE = "$text-accent"


def inline_markup(text: str, style: str = "") -> Content:
    """``text`` with its inline Markdown turned into styles (``style`` under all of it)."""
    parts: list[Content] = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(Content(text[position : match.start()]))
        if match["bold"] is not None:
            parts.append(Content(match["bold"]).stylize("bold"))
        elif match["code"] is not None:
            parts.append(Content(match["code"]).stylize(CODE_STYLE))
        else:
            parts.append(Content(match["link"]).stylize("underline"))
        position = match.end()
    parts.append(Content(text[position:]))
    content = Content.assemble(*parts)
    return content.stylize_before(style) if style else content
