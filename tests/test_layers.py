"""The direction of imports is part of the design: front ends -> session -> proto/explain; net -> proto;
lessons -> session; and no cycle between packages.

The first checks import a layer in a fresh interpreter and look at what came along with it; the graph checks
read every import statement of the package.
"""

from __future__ import annotations

import ast
import itertools
import json
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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
    loaded = _loaded_after_importing(["smtpshell.cli", "smtpshell.explain_command"])
    assert not loaded & (UI_TOOLKITS | {"pygments", "asyncio", "cryptography"})


# ---- the package graph ----------------------------------------------------------------------------------------
# Every import counts: at the top of a module, inside a function, under TYPE_CHECKING, and a module named in full
# by a string (importlib.import_module, find_spec). A node is a subpackage (smtpshell.session) or a top-level
# module (smtpshell.cli, smtpshell.paths), or the package root itself (smtpshell/__init__.py).

PACKAGE_ROOT = Path(smtpshell.__path__[0])
MODULE_NAME = re.compile(r"smtpshell(\.\w+)+")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _node(module: str) -> str | None:
    """The graph node ``module`` belongs to; None outside the package."""
    parts = module.split(".")
    if parts[0] != "smtpshell":
        return None
    if len(parts) == 1:
        return "smtpshell"
    if (PACKAGE_ROOT / parts[1]).is_dir() or (PACKAGE_ROOT / f"{parts[1]}.py").is_file():
        return parts[1]
    return "smtpshell"  # a name defined in smtpshell/__init__.py (``from smtpshell import __version__``)


def _names_a_module(text: str) -> bool:
    """Whether ``text`` is the full name of one of the package's modules, as importlib is given one."""
    if not MODULE_NAME.fullmatch(text):
        return False
    where = PACKAGE_ROOT.parent.joinpath(*text.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """(module, line) for every import in the file, wherever it stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # ``from smtpshell import paths`` imports the module smtpshell.paths
                yield f"{base}.{alias.name}" if base == "smtpshell" else base, node.lineno
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_a_module(node.value):
            yield node.value, node.lineno


def package_graph() -> dict[str, dict[str, list[str]]]:
    """node -> {imported node: ["file:line", ...]}, edges between different nodes only."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        source = _node(_module_name(path))
        assert source is not None
        graph.setdefault(source, {})
        for imported, line in _imported_modules(path):
            target = _node(imported)
            if target is not None and target != source:
                where = f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}"
                graph[source].setdefault(target, []).append(where)
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes (first == last), or None when it has none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, {})):
            found = visit(target)
            if found is not None:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle is not None:
            return cycle
    return None


def test_the_package_graph_has_no_cycle() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    if cycle is not None:
        edges = [f"{a} -> {b} ({', '.join(graph[a][b])})" for a, b in itertools.pairwise(cycle)]
        pytest.fail("import cycle between packages:\n  " + "\n  ".join(edges))


def test_the_cycle_finder_sees_a_cycle_and_its_absence() -> None:
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": [], "c": []}, "b": {"c": []}, "c": {}}) is None


def test_the_graph_counts_imports_inside_functions_and_under_type_checking() -> None:
    graph = package_graph()
    # shell_command imports the engine only inside functions and under TYPE_CHECKING, and lessons only inside
    # a function: both must be edges all the same.
    assert {"session", "lessons", "tui", "repl"} <= set(graph["shell_command"])
    assert "lessons" in graph["cli"]  # named by a string for importlib.import_module


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("proto", "explain"),
        ("explain", "session"),
        ("proto", "net"),
        ("net", "session"),
        ("session", "lessons"),
        ("explain", "handout"),
        ("highlight", "session"),  # the lexer reads the shell's command table (smtpshell/meta_table.py), not the shell
        ("handout", "session"),
        ("session", "classroom"),  # a class channel plugs in through session/class_port.py
        *(
            (low, front_end)
            for low in ("session", "lessons", "highlight", "classroom")
            for front_end in ("tui", "repl", "cli")
        ),
    ],
)
def test_lower_layers_never_import_higher_ones(low: str, high: str) -> None:
    graph = package_graph()
    reachable, todo = set(), [low]
    while todo:
        for target in graph.get(todo.pop(), {}):
            if target not in reachable:
                reachable.add(target)
                todo.append(target)
    assert high not in reachable, f"{low} reaches {high}"


def _any_annotated_attributes(path: Path) -> Iterator[int]:
    """Attributes and fields annotated ``Any`` (or ``Any | None``): a type from another package, hidden."""

    def is_any(annotation: ast.expr) -> bool:
        if isinstance(annotation, ast.Name | ast.Attribute):
            return (annotation.id if isinstance(annotation, ast.Name) else annotation.attr) == "Any"
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return is_any(annotation.left) or is_any(annotation.right)
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
            return annotation.value.id == "Optional" and is_any(annotation.slice)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return is_any(ast.parse(annotation.value, mode="eval").body)
        return False

    tree = ast.parse(path.read_text(), str(path))
    fields = [n for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for n in c.body if isinstance(n, ast.AnnAssign)]
    attributes = [n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Attribute)]
    for node in fields + attributes:
        if is_any(node.annotation):
            yield node.lineno


def test_no_attribute_hides_its_type_behind_any(tmp_path: Path) -> None:
    found = [
        f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}"
        for path in sorted(PACKAGE_ROOT.rglob("*.py"))
        for line in _any_annotated_attributes(path)
    ]
    assert not found, found
    sample = tmp_path / "sample.py"  # ... and the check does see one
    sample.write_text(
        "class A:\n    x: 'Any | None'\n    z: int\n    def __init__(self):\n        self.y: typing.Any = None\n"
    )
    assert list(_any_annotated_attributes(sample)) == [2, 5]
