"""A browser tab's shell: its files stay in its own folder, and what it saves is downloaded by the browser.

Rule: a tab must not read or write the server's files (a student typing /save ~/.bashrc on the teacher's
machine), so /save and /replay take plain names inside the tab's data directory, which goes with the tab.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smtpshell.paths import data_dir
from smtpshell.session.engine import ShellEngine

MIME_TYPES = {".html": "text/html", ".htm": "text/html", ".md": "text/markdown", ".markdown": "text/markdown"}


def confine_files(engine: ShellEngine, app: Any) -> None:
    """Give the engine its folder, and hand every saved file to the browser through Textual's file delivery."""
    root = data_dir(create=True) / "files"
    root.mkdir(exist_ok=True)
    engine.file_root = root

    def deliver(path: Path) -> None:
        mime = MIME_TYPES.get(path.suffix.lower(), "text/plain")
        app.deliver_binary(path, save_filename=path.name, mime_type=f"{mime}; charset=utf-8")

    engine.file_delivery = deliver
