"""No dead code: every function, class, attribute and constant of the package is used somewhere in it.

What is used out of vulture's sight (a framework's hooks, what only the tests call) is named in
tests/vulture_whitelist.py and pyproject.toml's [tool.vulture].
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _vulture(*paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vulture", *paths], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_package_has_no_dead_code() -> None:
    result = _vulture("smtpshell", "tests/vulture_whitelist.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_reports_an_unused_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def used() -> int:\n    return 1\n\n\ndef forgotten() -> int:\n    return 2\n\n\nused()\n")
    result = _vulture(str(sample))
    assert result.returncode != 0 and "forgotten" in result.stdout and "'used'" not in result.stdout
