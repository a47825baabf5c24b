"""Where scratch clusters go: the explicit setting, TMPDIR, RAM when it has room, else temp."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from alembic_baseline.pg import cluster

needs_shm = pytest.mark.skipif(
    not cluster._is_tmpfs(Path("/dev/shm")), reason="/dev/shm is not a tmpfs on this machine"
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("ALEMBIC_BASELINE_SCRATCH_DIR", raising=False)
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_explicit_directory_wins(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    monkeypatch.setenv("ALEMBIC_BASELINE_SCRATCH_DIR", "/somewhere/else")
    assert cluster.scratch_root() == Path("/somewhere/else")
    assert cluster._search_roots() == [Path("/somewhere/else")]


def test_an_explicit_tmpdir_is_respected(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    monkeypatch.setenv("TMPDIR", str(clean_env))
    assert cluster.scratch_root() == clean_env


@needs_shm
def test_ram_is_the_default_when_it_has_room(clean_env: Path) -> None:
    assert cluster.scratch_root() == Path("/dev/shm")
    assert cluster._search_roots() == [Path("/dev/shm"), clean_env]


@needs_shm
def test_ram_without_room_falls_back_to_temp(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    monkeypatch.setattr(cluster, "RAM_MIN_FREE_BYTES", 1 << 62)
    assert cluster.scratch_root() == clean_env


def test_ram_dir_must_be_a_tmpfs(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    if cluster._is_tmpfs(clean_env):
        pytest.skip("pytest's temp dir is itself on a tmpfs here")
    monkeypatch.setattr(cluster, "RAM_DIR", clean_env)
    assert cluster.ram_dir() is None
    monkeypatch.setattr(cluster, "RAM_DIR", clean_env / "missing")
    assert cluster.ram_dir() is None
