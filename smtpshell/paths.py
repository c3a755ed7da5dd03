"""Where smtpshell keeps its own files: the sandbox's certificate, lesson progress, saved transcripts.

Rule: everything lives under one user data directory (platformdirs); SMTPSHELL_HOME overrides it, so tests and
throw-away sessions never touch the real one.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_VARIABLE = "SMTPSHELL_HOME"


def data_dir(*, create: bool = False) -> Path:
    """The user data directory: $SMTPSHELL_HOME when set, else the platform's (~/.local/share/smtpshell, ...)."""
    override = os.environ.get(HOME_VARIABLE)
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("smtpshell", False))
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
