"""Fixtures for the client tests: one private CA per run and the server certificates it signs."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tls_helpers import Issued, issue, make_ca


@dataclass(frozen=True)
class PKI:
    directory: Path
    ca: Issued
    cafile: Path
    leaf: Issued  # for localhost, 127.0.0.1 and ::1

    def context(self, issued: Issued, stem: str) -> ssl.SSLContext:
        return issued.server_context(self.directory, stem)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    cafile, _ = ca.write(directory, "ca")
    return PKI(directory, ca, cafile, issue(ca))
