"""The class server's modules keep the layers: no UI toolkit in what `serve` imports, no aiohttp in the shell's."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout))


def test_the_class_server_imports_no_ui_toolkit() -> None:
    modules = [
        "smtpshell.classroom.serve_command",
        "smtpshell.classroom.running",
        "smtpshell.classroom.channel",
        "smtpshell.classroom.feed",
    ]
    assert not _loaded_after_importing(modules) & {"textual", "prompt_toolkit", "rich"}


def test_the_shell_loads_aiohttp_only_once_a_class_channel_is_found() -> None:
    loaded = _loaded_after_importing(["smtpshell.session.engine", "smtpshell.classroom.student_link"])
    assert "aiohttp" not in loaded
