"""Move pre-baseline revision files out of Alembic's sight, and back.

Archived files go to ``versions/archive/``. Alembic does not look into sub-folders unless
``recursive_version_locations`` is on; then the archive is placed beside ``versions`` instead
(``<script_location>/archive/``), because a scanned archive would give every revision id twice.
Files tracked by git are moved with ``git mv`` so their history follows them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import ARCHIVE_DIR
from alembic_baseline.pg import tools


@dataclass(frozen=True)
class Move:
    source: Path
    target: Path


def recursive_scan(project: AlembicProject) -> bool:
    value = project.config().get_main_option("recursive_version_locations", "false") or "false"
    return value.strip().lower() in ("true", "1", "yes", "on")


def archive_dir_for(versions_dir: Path, *, recursive: bool) -> Path:
    """Where archived revisions of ``versions_dir`` go (outside the scan when it is recursive)."""
    return versions_dir.parent / ARCHIVE_DIR if recursive else versions_dir / ARCHIVE_DIR


def move_files(moves: Iterable[Move]) -> list[Move]:
    """Move files (git mv when tracked); returns the moves done, for :func:`undo`."""
    done: list[Move] = []
    git: bool | None = None
    try:
        for move in moves:
            move.target.parent.mkdir(parents=True, exist_ok=True)
            if git is None:
                git = tools.in_git_worktree(move.source.parent)
            if git and tools.git_tracked(move.source):
                tools.git_mv(move.source, move.target)
            else:
                shutil.move(move.source, move.target)
            done.append(move)
    except BaseException:
        undo(done)
        raise
    return done


def undo(done: Iterable[Move]) -> None:
    """Reverse moves made by :func:`move_files` (best effort, newest first)."""
    moves = list(done)
    back = [Move(m.target, m.source) for m in reversed(moves)]
    git = bool(back) and tools.in_git_worktree(back[0].source.parent)
    for move in back:
        if not move.source.exists():
            continue
        if git and tools.git_tracked(move.source):
            tools.git_mv(move.source, move.target)
        else:
            shutil.move(move.source, move.target)


def plan_archive(project: AlembicProject, files: Iterable[Path]) -> list[Move]:
    """Moves that archive ``files`` (revision files in a version location)."""
    recursive = recursive_scan(project)
    return [Move(f, archive_dir_for(f.parent, recursive=recursive) / f.name) for f in files]
