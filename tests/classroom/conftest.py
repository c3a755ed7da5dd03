"""A class server on its own thread, for the classroom tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smtpshell.classroom.faults import ClassFaults, GreylistKey
from smtpshell.classroom.roster import numbered_roster
from smtpshell.classroom.running import ClassServer, ClassServerThread
from smtpshell.classroom.server import ClassSandbox
from smtpshell.net.sandbox import SandboxThread
from smtpshell.proto.policy import SandboxPolicy

MakeClass = Callable[..., SandboxThread]


@pytest.fixture
def make_class(smtpshell_home: Path) -> Iterator[MakeClass]:
    """make_class(students=30, maildir=..., policy=...) -> a started SandboxThread running a ClassSandbox."""
    started: list[SandboxThread] = []

    def make(students: int = 3, *, policy: SandboxPolicy | None = None, **options: object) -> SandboxThread:
        chosen = policy if policy is not None else SandboxPolicy(auth_over_plaintext=True)
        sandbox = ClassSandbox(chosen, numbered_roster(students), data_dir=smtpshell_home, **options)  # type: ignore[arg-type]
        thread = SandboxThread(sandbox=sandbox).start()
        started.append(thread)
        return thread

    yield make
    for thread in started:
        thread.stop()


@pytest.fixture
def class_server(smtpshell_home: Path) -> Iterator[Callable[..., ClassServerThread]]:
    """class_server(students=3, faults=[...], greylist_key=...) -> a started class server with its channel."""
    started: list[ClassServerThread] = []

    def make(students: int = 3, *, greylist_key: GreylistKey = "helo", **options: object) -> ClassServerThread:
        policy = SandboxPolicy(auth_over_plaintext=True)
        faults = ClassFaults([], greylist_key)
        sandbox = ClassSandbox(policy, numbered_roster(students), faults=faults, data_dir=smtpshell_home, **options)  # type: ignore[arg-type]
        thread = ClassServerThread(ClassServer(sandbox, teacher_token="teacher-secret")).start()
        started.append(thread)
        return thread

    yield make
    for thread in started:
        thread.stop()
