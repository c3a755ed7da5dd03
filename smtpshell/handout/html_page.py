"""A handout as one standalone HTML page: the transcript highlighted by our own pygments lexer, each exchange a
<details> block with its explanation under it, a stylesheet for screens and one for paper.

Rule: the page loads nothing: no web font, no script, no image, no link to a stylesheet. It must open offline in
a lab and print the same anywhere, so everything it needs is inside it and fonts are the reader's own.
"""

from __future__ import annotations

from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.style import Style

from smtpshell.explain.model import Explanation
from smtpshell.handout.model import Handout, HandoutExchange, HandoutNote
from smtpshell.handout.text import one_line, sections, title_of
from smtpshell.highlight.lexers import SMTPTranscriptLexer
from smtpshell.highlight.style import SMTPShellStyle

# The terminal style names the terminal's own colours; on paper and on a white page they need real ones, dark
# enough to read when printed in grey.
_PAPER_COLOURS = {
    "ansibrightblack": "#57606a",
    "ansigreen": "#116329",
    "ansimagenta": "#8250df",
    "ansiyellow": "#7d4e00",
    "ansired": "#b62324",
    "ansicyan": "#0550ae",
}


def _paper(definition: str) -> str:
    return " ".join(_PAPER_COLOURS.get(word, word) for word in definition.split())


class HandoutStyle(Style):  # type: ignore[misc]  # pygments ships no type hints
    """The shell's token colours (highlight/style.py, the one truth for them), in colours a page can show."""

    name = "smtpshell-handout"
    background_color = "#f6f8fa"
    styles = {token: _paper(definition) for token, definition in SMTPShellStyle.styles.items()}


_FORMATTER = HtmlFormatter(style=HandoutStyle, nowrap=True)
_REPLY_CLASS = {2: "ok", 3: "more", 4: "later", 5: "refused"}

PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; line-height: 1.45;
  max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #1f2328; background: #ffffff; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.subtitle { color: #57606a; margin-top: 0; }
code, pre, kbd { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; }
details.exchange { border: 1px solid #d0d7de; border-radius: 6px; margin: 0.8rem 0; }
details.exchange > summary { cursor: pointer; padding: 0.45rem 0.7rem; background: #f6f8fa; border-radius: 6px;
  font-weight: 600; }
details.exchange[open] > summary { border-bottom: 1px solid #d0d7de; border-radius: 6px 6px 0 0; }
summary .number { color: #57606a; margin-right: 0.3rem; }
summary .verdict { font-weight: normal; margin-left: 0.6rem; }
summary .tls { font-size: 0.8em; border: 1px solid #116329; color: #116329; border-radius: 3px; padding: 0 0.3em;
  margin-left: 0.4rem; font-weight: normal; }
.ok { color: #116329; } .more { color: #8250df; } .later { color: #7d4e00; } .refused { color: #b62324; }
pre.smtp { margin: 0; padding: 0.6rem 0.8rem; background: #f6f8fa; overflow-x: auto; white-space: pre-wrap;
  word-break: break-word; }
.explanation { padding: 0.3rem 0.9rem 0.6rem; }
.explanation .headline { font-weight: 600; margin: 0.4rem 0; }
.explanation dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0.4rem 0; }
.explanation dt { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-weight: 600; }
.explanation dd { margin: 0; }
.explanation table { border-collapse: collapse; margin: 0.4rem 0; }
.explanation th, .explanation td { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem; text-align: left;
  vertical-align: top; }
.reason { border-left: 3px solid #0550ae; padding-left: 0.6rem; }
.brief { margin: 0.4rem 0.9rem 0.6rem; }
.note { margin: 0.6rem 0; padding: 0.3rem 0.8rem; border-left: 4px solid #57606a; background: #f6f8fa;
  white-space: pre-wrap; font-size: 0.95em; }
.note.warning { border-color: #7d4e00; } .note.error { border-color: #b62324; } .note.connection { color: #57606a; }
.references { color: #57606a; font-size: 0.9em; }
footer { color: #57606a; font-size: 0.85em; margin-top: 2rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  details.exchange { break-inside: avoid; border-color: #999999; }
  details.exchange > summary { list-style: none; background: none; }
  details.exchange > summary::-webkit-details-marker { display: none; }
  details::details-content { content-visibility: visible; display: contents; }
  pre.smtp, .note { background: none; border: 1px solid #cccccc; }
  .screen-only { display: none; }
}
"""


def render_html(handout: Handout, *, brief: bool = False) -> str:
    """The whole page; every text in it is escaped, so a transcript cannot inject markup."""
    body: list[str] = []
    number = 0
    for item in handout.items:
        if isinstance(item, HandoutNote):
            text = escape("\n".join(line.strip() for line in item.lines if line.strip()))
            if text:
                body.append(f'<div class="note {item.level}">{text}</div>')
            continue
        number += 1
        body.append(_exchange(number, item, brief))
    if number == 0:
        body.append('<p class="note">No exchange with a server in this transcript.</p>')
    css = PAGE_CSS + _FORMATTER.get_style_defs("pre.smtp")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="smtpshell">',
            f"<title>{escape(handout.title)}</title>",
            f"<style>{css}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>{escape(handout.title)}</h1>",
            f'<p class="subtitle">{escape(handout.subtitle)}</p>',
            '<p class="screen-only subtitle">Click an exchange\'s title to fold it away or open it again.</p>',
            "</header>",
            "<main>",
            *body,
            "</main>",
            "<footer>Made with smtpshell. C: is what the client sent, S: what the server answered.</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _exchange(number: int, item: HandoutExchange, brief: bool) -> str:
    title = f"<code>{escape(item.title)}</code>" if item.is_command else escape(item.title)
    verdict = ""
    explanation = item.explanation
    if explanation is not None:
        hue = _REPLY_CLASS.get((explanation.code or 0) // 100, "")
        verdict = f'<span class="verdict {hue}">{escape(title_of(explanation))}</span>'
    tls = '<span class="tls" title="sent over TLS">TLS</span>' if item.tls else ""
    text = "\n".join(item.lines) + "\n"
    code = highlight(text, SMTPTranscriptLexer(), _FORMATTER) if item.is_session else escape(text)
    parts = [
        f'<details class="exchange" id="exchange-{number}" open>',
        f'<summary><span class="number">{number}.</span>{title}{tls}{verdict}</summary>',
        f'<pre class="smtp">{code.rstrip(chr(10))}</pre>',
    ]
    if brief:
        line = one_line(explanation, item.server_reason)
        if line:
            parts.append(f'<p class="brief explanation-brief">{escape(line)}</p>')
    elif explanation is not None:
        parts.append(explanation_html(explanation, item.server_reason))
    elif item.server_reason:
        parts.append(
            f'<div class="explanation"><p class="reason"><strong>Server\'s reason:</strong> '
            f"{escape(item.server_reason)}</p></div>"
        )
    parts.append("</details>")
    return "\n".join(parts)


def _paragraphs(text: str) -> list[str]:
    return [f"<p>{escape(' '.join(p.split()))}</p>" for p in text.split("\n\n") if p.strip()]


def explanation_html(explanation: Explanation, reason: str | None = None) -> str:
    hue = _REPLY_CLASS.get((explanation.code or 0) // 100, "")
    out = ['<div class="explanation">', f'<p class="headline {hue}">{escape(title_of(explanation))}</p>']
    if explanation.anatomy:
        out.append('<dl class="anatomy">')
        out += [f"<dt>{escape(part)}</dt><dd>{escape(meaning)}</dd>" for part, meaning in explanation.anatomy]
        out.append("</dl>")
    for label, text in sections(explanation, reason):
        if label == "Server's reason":
            out.append(f'<p class="reason"><strong>Server\'s reason:</strong> {escape(text)}</p>')
        elif label:
            out.append(f"<p><strong>{escape(label)}:</strong> {escape(' '.join(text.split()))}</p>")
        else:
            out += _paragraphs(text)
    if explanation.keywords:
        out.append('<table class="keywords"><tr><th>Extension</th><th>Parameters</th><th>Meaning</th></tr>')
        for note in explanation.keywords:
            meaning = note.meaning + (f" ({note.reading})" if note.reading else "")
            out.append(
                f"<tr><td><code>{escape(note.keyword)}</code></td><td>{escape(note.params or '')}</td>"
                f"<td>{escape(meaning)}</td></tr>"
            )
        out.append("</table>")
    if explanation.next_steps:
        out.append("<p><strong>Next:</strong></p><ul>")
        out += [f"<li>{escape(step)}</li>" for step in explanation.next_steps]
        out.append("</ul>")
    if explanation.references:
        out.append(f'<p class="references">See {escape(", ".join(explanation.references))}.</p>')
    out.append("</div>")
    return "\n".join(out)
