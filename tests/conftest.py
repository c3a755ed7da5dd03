"""Fixtures shared by every test package: a private user data directory, a running sandbox, test certificates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell.net.sandbox import SandboxThread
from smtpshell.paths import HOME_VARIABLE
from tests.tls_helpers import ServerCertificates, make_pki


@pytest.fixture
def smtpshell_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user data directory (SMTPSHELL_HOME) so no test reads or writes the real one."""
    home = tmp_path / "smtpshell-home"
    monkeypatch.setenv(HOME_VARIABLE, str(home))
    return home


@pytest.fixture
def sandbox(smtpshell_home: Path) -> Iterator[SandboxThread]:
    """The sandbox with its default policy on 127.0.0.1 and a free port, on its own thread; stopped after."""
    with SandboxThread(data_dir=smtpshell_home) as running:
        yield running


@pytest.fixture
def certificates(tmp_path: Path) -> ServerCertificates:
    """A CA made for this test and a server certificate it signed for localhost, sandbox.test and 127.0.0.1."""
    return make_pki(tmp_path / "pki")
