"""Piped input must start fast: the script runner and the command module load no UI toolkit."""

from __future__ import annotations

import json
import subprocess
import sys


def test_script_mode_imports_no_ui_toolkit() -> None:
    code = (
        "import json, sys\n"
        "import smtpshell.shell_command, smtpshell.repl.script\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert not loaded & {"prompt_toolkit", "textual", "rich"}
