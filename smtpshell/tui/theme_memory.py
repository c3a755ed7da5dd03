"""The theme follows the user from one launch to the next, and high contrast restyles what a theme cannot.

Rule: whatever sets the theme (--theme, Ctrl+T, the command palette), the choice is written to the settings file
(user_settings.py) and read at the next start; an explicit --theme wins over the remembered one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.theme import Theme

from smtpshell.tui.themes import DEFAULT_THEME, HIGH_CONTRAST
from smtpshell.user_settings import load_settings, save_setting

THEME_KEY = "theme"


def remembered_theme(base: Path | None = None) -> str | None:
    return load_settings(base).get(THEME_KEY)


def follow_theme(app: App[Any], base: Path | None = None) -> None:
    """From now on, remember every theme the app takes; mark the app when the theme is high contrast."""

    def changed(theme: Theme) -> None:
        app.set_class(theme.name == HIGH_CONTRAST, "-high-contrast")
        save_setting(THEME_KEY, theme.name, base)

    app.theme_changed_signal.subscribe(app, changed)
    app.set_class(app.theme == HIGH_CONTRAST, "-high-contrast")
    # The theme the app started with may already differ from the remembered one (--theme): remember it now,
    # not only at the next change. A first launch on the default theme writes nothing.
    remembered = remembered_theme(base)
    if remembered != app.theme and (remembered is not None or app.theme != DEFAULT_THEME):
        save_setting(THEME_KEY, app.theme, base)
