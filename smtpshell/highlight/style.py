"""smtpshell's pygments style: replies coloured by class, the rest in bold, underline and two accents.

Rule: only the terminal's own ANSI colours (and bold/italic/underline), never fixed RGB, so the terminal's
theme decides the exact shades and the text stays readable on dark and light backgrounds alike. Green, magenta,
yellow and red are kept for the four reply classes; verbs and addresses use weight and underline instead.
"""

from __future__ import annotations

from pygments.style import Style
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, Punctuation, String, Token

from smtpshell.highlight import tokens as t


class SMTPShellStyle(Style):  # type: ignore[misc]  # pygments ships no type hints
    name = "smtpshell"
    background_color = None  # the terminal's own

    styles = {
        Token: "",
        # reply codes by first digit; their enhanced codes in the same colour, without the weight
        t.REPLY_CLASS[2]: "bold ansigreen",
        t.REPLY_CLASS[3]: "bold ansimagenta",
        t.REPLY_CLASS[4]: "bold ansiyellow",
        t.REPLY_CLASS[5]: "bold ansired",
        t.ENHANCED_CLASS[2]: "nobold ansigreen",
        t.ENHANCED_CLASS[3]: "nobold ansimagenta",
        t.ENHANCED_CLASS[4]: "nobold ansiyellow",
        t.ENHANCED_CLASS[5]: "nobold ansired",
        # command lines
        Keyword: "bold",
        t.OBSOLETE_VERB: "italic",
        Keyword.Pseudo: "bold",
        Name.Label: "underline",
        Name.Attribute: "ansicyan",
        Name.Constant: "bold ansicyan",
        Number: "ansicyan",
        Operator: "",
        String: "",
        String.Other: "italic",
        String.Escape: "bold ansiyellow",
        Name.Builtin: "bold ansicyan",
        Name.Other: "ansicyan",
        Error: "ansired underline",
        # transcripts
        Generic.Prompt: "ansibrightblack",
        Comment: "italic ansibrightblack",
        Name.Tag: "bold",
        Punctuation.Marker: "bold",
    }
