"""Syntax highlighting for SMTP: pygments lexers for command lines and whole sessions, and a style.

Nothing in the package imports this one; the front ends and pygments (through its plugin entry points) do.
"""

from smtpshell.highlight.lexers import SMTPCommandLexer, SMTPTranscriptLexer
from smtpshell.highlight.style import SMTPShellStyle

__all__ = ["SMTPCommandLexer", "SMTPShellStyle", "SMTPTranscriptLexer"]
