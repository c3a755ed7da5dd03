"""The direction of imports is part of the design: front ends -> session -> proto/explain; net -> proto.

Each check imports a layer in a fresh interpreter and looks at what came along with it.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import smtpshell

UI_TOOLKITS = {"textual", "prompt_toolkit", "rich"}
IO_MODULES = {"asyncio", "socket", "ssl", "selectors"}


def _modules_of(package: str) -> list[str]:
    root = smtpshell.__path__[0] + "/" + package.split(".", 1)[1].replace(".", "/")
    return [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules([root])]


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout))


def test_proto_imports_only_the_standard_library_and_no_io() -> None:
    loaded = _loaded_after_importing(_modules_of("smtpshell.proto"))
    assert not loaded & (UI_TOOLKITS | IO_MODULES | {"pygments", "cryptography", "dns"})


@pytest.mark.parametrize("package", ["smtpshell.explain", "smtpshell.session", "smtpshell.net", "smtpshell.lessons"])
def test_layers_below_the_front_ends_never_import_a_ui_toolkit(package: str) -> None:
    modules = [m for m in _modules_of(package) if not m.endswith(".command")]
    assert not _loaded_after_importing(modules) & UI_TOOLKITS


def test_explain_command_starts_without_ui_or_network_libraries() -> None:
    loaded = _loaded_after_importing(["smtpshell.cli", "smtpshell.explain.command"])
    assert not loaded & (UI_TOOLKITS | {"pygments", "asyncio", "cryptography"})
