"""Themes: Textual's built-in ones, plus a high-contrast theme that stays readable on a classroom projector
(pure black and white, saturated colours, nothing faint)."""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "textual-dark"
HIGH_CONTRAST = "smtpshell-high-contrast"

HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FF8CFF",
    warning="#FFB000",
    error="#FF4040",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    boost="#303030",
    dark=True,
    luminosity_spread=0.25,
    text_alpha=1.0,
    variables={
        "text-muted": "#E0E0E0",  # projectors wash out grey: "muted" text stays near white
        "border": "#FFFFFF",
        "border-blurred": "#C0C0C0",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "input-selection-background": "#0050FF",
        "footer-key-foreground": "#FFFF00",
        "footer-description-foreground": "#FFFFFF",
        "scrollbar": "#C0C0C0",
    },
)

THEMES = (HIGH_CONTRAST_THEME,)

# Names a user types (--theme high-contrast) for the themes' registered names.
THEME_ALIASES = {"high-contrast": HIGH_CONTRAST, "contrast": HIGH_CONTRAST, "default": DEFAULT_THEME}


def theme_name(name: str) -> str:
    return THEME_ALIASES.get(name.strip().lower(), name.strip())


# In high contrast nothing is dark grey on black: panes are outlined in light grey (white when focused) instead of
# the default theme's 30 % foreground, and the command line's placeholder (the theme's text-disabled) is bright.
HIGH_CONTRAST_CSS = """
App.-high-contrast .pane { border: round $border-blurred; }
App.-high-contrast .pane:focus, App.-high-contrast .pane:focus-within { border: double $border; }
App.-high-contrast #command-input > .input--placeholder { color: $text-muted; text-style: italic; }
"""
