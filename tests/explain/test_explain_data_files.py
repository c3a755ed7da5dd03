"""The knowledge files: read through a cache that is never stale, and shipped inside the wheel."""

from __future__ import annotations

import importlib.metadata
import json
import marshal
import os
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from smtpshell.explain import knowledge

DATA_FILES = sorted(name for name in os.listdir(knowledge.DATA_DIR) if name.endswith(".toml"))


def test_the_data_files_are_the_ones_the_engine_reads() -> None:
    assert DATA_FILES == [
        "auth_results.toml", "commands.toml", "ehlo_keywords.toml", "enhanced_codes.toml", "patterns.toml",
        "reply_codes.toml", "situations.toml",
    ]  # fmt: skip


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "table.toml"
    path.write_text('[codes.250]\nheadline = "OK"\n')
    return path


@pytest.fixture
def writes_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.mark.usefixtures("writes_allowed")
def test_the_cache_holds_exactly_what_tomllib_parses(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for name in DATA_FILES:
        path = os.path.join(knowledge.DATA_DIR, name)
        with open(path, "rb") as handle:
            parsed = tomllib.load(handle)
        assert knowledge.load_table(path, str(cache)) == parsed  # a miss: parsed, then cached
        assert knowledge.load_table(path, str(cache)) == parsed  # a hit
    assert len(os.listdir(cache)) == len(DATA_FILES)


@pytest.mark.usefixtures("writes_allowed")
def test_a_fresh_cache_is_used_and_a_stale_one_is_replaced(table: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert knowledge.load_table(str(table), str(cache)) == {"codes": {"250": {"headline": "OK"}}}
    [cached] = list(cache.iterdir())
    # Prove the cache is what gets read: change it behind the parser's back.
    cached.write_bytes(marshal.dumps({"from": "cache"}))
    assert knowledge.load_table(str(table), str(cache)) == {"from": "cache"}
    # Change the file: the old entry no longer matches and is replaced.
    table.write_text('[codes.250]\nheadline = "OK, changed"\n')
    assert knowledge.load_table(str(table), str(cache)) == {"codes": {"250": {"headline": "OK, changed"}}}
    assert len(list(cache.iterdir())) == 1 and not cached.exists()


@pytest.mark.usefixtures("writes_allowed")
def test_a_damaged_cache_is_ignored(table: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    knowledge.load_table(str(table), str(cache))
    [cached] = list(cache.iterdir())
    cached.write_bytes(b"\x00not marshal")
    assert knowledge.load_table(str(table), str(cache)) == {"codes": {"250": {"headline": "OK"}}}


def test_nothing_is_written_when_python_is_told_not_to(
    table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = tmp_path / "cache"
    assert knowledge.load_table(str(table), str(cache)) == {"codes": {"250": {"headline": "OK"}}}
    assert not cache.exists()


def test_an_unwritable_cache_only_costs_speed(table: Path, tmp_path: Path, writes_allowed: None) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert knowledge.load_table(str(table), str(blocker / "cache")) == {"codes": {"250": {"headline": "OK"}}}


def test_the_cache_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPSHELL_NO_CACHE", "1")
    assert knowledge.cache_dir() is None
    monkeypatch.delenv("SMTPSHELL_NO_CACHE")
    assert knowledge.cache_dir() == os.path.join(knowledge.DATA_DIR, "__pycache__")


def test_a_broken_or_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[codes\n")
    with pytest.raises(knowledge.KnowledgeError, match="cannot read the knowledge file"):
        knowledge.load_table(str(broken), None)
    with pytest.raises(knowledge.KnowledgeError, match="cannot read the knowledge file"):
        knowledge.load_table(str(tmp_path / "missing.toml"), None)


def _wheel_files(tmp_path: Path) -> set[str]:
    """The files of the wheel: from the installed distribution, or built from the tree for an editable install."""
    distribution = importlib.metadata.distribution("smtpshell")
    direct_url = json.loads(distribution.read_text("direct_url.json") or "{}")
    if not direct_url.get("dir_info", {}).get("editable"):
        return {str(path) for path in distribution.files or []}
    wheel_builder = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).resolve().parents[2]
    builder = wheel_builder.WheelBuilder(str(root))
    [wheel] = list(builder.build(directory=str(tmp_path), versions=["standard"]))
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_knowledge_files_are_shipped_in_the_wheel(tmp_path: Path) -> None:
    files = _wheel_files(tmp_path)
    for name in DATA_FILES:
        assert f"smtpshell/explain/data/{name}" in files
    assert not any("__pycache__" in name and "explain/data" in name for name in files)
