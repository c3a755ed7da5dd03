"""Where smtpshell keeps its own files: the sandbox's certificate, lesson progress, saved transcripts.

Rule: everything lives under one user data directory (platformdirs); SMTPSHELL_HOME overrides it, so tests and
throw-away sessions never touch the real one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HOME_VARIABLE = "SMTPSHELL_HOME"


def data_dir(*, create: bool = False) -> Path:
    """The user data directory: $SMTPSHELL_HOME when set, else the platform's (~/.local/share/smtpshell, ...)."""
    override = os.environ.get(HOME_VARIABLE)
    if override:
        path = Path(override).expanduser()
    elif sys.platform.startswith("linux"):
        # platformdirs' own rule for Linux (XDG Base Directory), without importing it: it pulls in tempfile,
        # shutil and the compression modules, milliseconds every start of the shell would pay.
        base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.expanduser("~/.local/share")
        path = Path(base) / "smtpshell"
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("smtpshell", False))
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
