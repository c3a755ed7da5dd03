"""An app on a real engine and a real sandbox, with its own user data directory and the shipped lessons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smtpshell.lessons.shell_link import ShellLessons
from smtpshell.session.engine import ShellEngine
from smtpshell.session.target import Target
from smtpshell.tui.app import SMTPShellApp


@pytest.fixture
def make_app(smtpshell_home: Path) -> Callable[..., SMTPShellApp]:
    def make(target: Target | None = None, lesson_id: str | None = None, **options: Any) -> SMTPShellApp:
        engine = ShellEngine(target, data_dir=smtpshell_home, lessons=ShellLessons())
        if lesson_id is not None:
            engine.startup_lines.append(f"/lesson {lesson_id}")
        return SMTPShellApp(target, engine=engine, **options)

    return make
