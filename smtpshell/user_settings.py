"""The user's remembered choices (the theme, for now) in one small JSON file in the user data directory.

Rule: a missing, unreadable or damaged file means "nothing remembered", never an error at start-up; a value that
cannot be written is simply not remembered. SMTPSHELL_HOME moves the file with everything else (paths.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smtpshell.paths import data_dir

SETTINGS_FILE = "settings.json"


def settings_path(base: Path | None = None) -> Path:
    return (base if base is not None else data_dir()) / SETTINGS_FILE


def load_settings(base: Path | None = None) -> dict[str, str]:
    try:
        data = json.loads(settings_path(base).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(key): value for key, value in data.items() if isinstance(value, str)}


def save_setting(key: str, value: str, base: Path | None = None) -> bool:
    """Remember ``key``; False when the file could not be written. Written whole, then renamed: never half a file."""
    path = settings_path(base)
    settings = load_settings(base)
    if settings.get(key) == value:
        return True
    settings[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        return False
    return True
