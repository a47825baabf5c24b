"""Archive moves: tracked files move with git (history follows), in batches; others by rename;
a failure part-way undoes every move made."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from alembic_baseline.baseline import archive
from alembic_baseline.errors import ToolError
from alembic_baseline.pg import tools


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def _repo(tmp_path: Path, tracked: int, untracked: int) -> tuple[Path, list[Path]]:
    repo = tmp_path / "project"
    versions = repo / "migrations" / "versions"
    versions.mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    files = []
    for i in range(tracked + untracked):
        f = versions / f"{i:04d}_a revision with spaces and ünïcode.py"
        f.write_text(f"revision = {i!r}\n")
        files.append(f)
    _git(repo, "add", "--", *(str(f) for f in files[:tracked]))
    _git(repo, "commit", "-q", "-m", "history")
    return repo, files


def test_tracked_files_move_with_git_and_the_rest_by_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tools, "_GIT_BATCH", 7)  # several batches with a small history
    repo, files = _repo(tmp_path, tracked=20, untracked=3)
    moves = [archive.Move(f, f.parent / "archive" / f.name) for f in files]
    done = archive.move_files(moves)
    assert done and {m.source for m in done} == set(files)
    assert all(m.target.is_file() and not m.source.exists() for m in moves)
    status = _git(repo, "status", "--porcelain", "-z").split("\0")
    renamed = [s for s in status if s.startswith("R ")]
    assert len(renamed) == 20  # staged as renames: git keeps their history
    assert sum(1 for s in status if s.startswith("??")) == 3  # the untracked ones, renamed
    archive.undo(done)
    assert all(f.is_file() for f in files)
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_failed_git_move_undoes_every_move(tmp_path: Path) -> None:
    repo, files = _repo(tmp_path, tracked=5, untracked=2)
    target = files[0].parent / "archive"
    target.mkdir()
    (target / files[3].name).write_text("already here\n")  # git mv refuses to overwrite
    moves = [archive.Move(f, target / f.name) for f in files]
    with pytest.raises(ToolError):
        archive.move_files(moves)
    assert all(f.is_file() for f in files)
    assert (target / files[3].name).read_text() == "already here\n"
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_outside_git_files_are_renamed(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    files = [versions / f"r{i}.py" for i in range(3)]
    for f in files:
        f.write_text("x = 1\n")
    done = archive.move_files([archive.Move(f, versions / "archive" / f.name) for f in files])
    assert sorted(p.name for p in (versions / "archive").iterdir()) == ["r0.py", "r1.py", "r2.py"]
    archive.undo(done)
    assert all(f.is_file() for f in files)
