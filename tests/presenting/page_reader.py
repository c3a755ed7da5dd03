"""Reading a handout page back with the standard library's HTML parser, as a test sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Attributes through which a page would fetch something; a link (<a href>) only navigates when clicked.
_LOADING = {
    ("img", "src"),
    ("script", "src"),
    ("link", "href"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("image", "href"),
}
_URL = re.compile(r"(?:https?:)?//", re.IGNORECASE)


@dataclass
class ExchangeBlock:
    summary: str = ""
    code: str = ""
    explanation: str = ""


@dataclass
class Page:
    exchanges: list[ExchangeBlock] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)  # every resource the page would load (should stay empty)
    tags: set[str] = field(default_factory=set)
    styles: str = ""
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, str]] = []  # (tag, class)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.page.tags.add(tag)
        for name, value in values.items():
            if (tag, name) in _LOADING or (name == "style" and "url(" in value) or name == "srcset":
                self.page.loaded.append(f"<{tag} {name}={value!r}>")
        if tag == "details" and "exchange" in values.get("class", ""):
            self.page.exchanges.append(ExchangeBlock())
        self.stack.append((tag, values.get("class", "")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def _inside(self, tag: str, css: str | None = None) -> bool:
        return any(t == tag and (css is None or css in c.split()) for t, c in self.stack)

    def handle_data(self, data: str) -> None:
        self.page.text += data
        if self._inside("style"):
            self.page.styles += data
            return
        if self._inside("div", "note"):
            self.page.notes.append(data)
        if not self._inside("details", "exchange") or not self.page.exchanges:
            return
        block = self.page.exchanges[-1]
        if self._inside("summary"):
            block.summary += data
        elif self._inside("pre", "smtp"):
            block.code += data
        elif self._inside("div", "explanation") or self._inside("p", "brief"):
            block.explanation += data


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page = reader.page
    # CSS can fetch too: @import and url(...) in the page's own stylesheet.
    for match in re.finditer(r"@import[^;]*|url\([^)]*\)", page.styles):
        page.loaded.append(match[0])
    return page


def external_references(html: str) -> list[str]:
    """Anything that would make the browser fetch from the network, found by the parser or in the CSS."""
    page = read_page(html)
    return [item for item in page.loaded if _URL.search(item) or "url(" in item or "@import" in item]
