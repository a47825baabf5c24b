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


Tracked = dict[Path, set[str]]
"""Per source folder, the names of its files git tracks (see :func:`tracked_files`)."""


def move_files(moves: Iterable[Move], tracked: Tracked | None = None) -> list[Move]:
    """Move files (git mv when tracked); returns the moves done, for :func:`undo`.

    Files tracked by git move with one ``git mv`` per source and target folder (and one ``git
    ls-files`` to learn which are tracked, unless ``tracked`` says it: see
    :func:`tracked_files`), not one process per file; the others with :func:`shutil.move`. A
    failure undoes what was moved."""
    todo = list(moves)
    done: list[Move] = []
    try:
        _move(todo, done, tracked)
    except BaseException:
        undo(done)
        raise
    return done


def tracked_files(moves: Iterable[Move]) -> Tracked:
    """Which of the moves' source files git tracks, asked ahead of :func:`move_files` (e.g.
    while something else is waited for); nothing is moved."""
    todo = list(moves)
    if not todo or not tools.in_git_worktree(todo[0].source.parent):
        return {m.source.parent: set() for m in todo}
    folders: dict[Path, list[str]] = {}
    for move in todo:
        folders.setdefault(move.source.parent, []).append(move.source.name)
    return {folder: tools.git_tracked_names(folder, names) for folder, names in folders.items()}


def _move(moves: list[Move], done: list[Move], known: Tracked | None = None) -> None:
    if not moves:
        return
    if known is None or any(m.source.parent not in known for m in moves):
        known = tracked_files(moves)
    groups: dict[tuple[Path, Path], list[Move]] = {}
    for move in moves:
        groups.setdefault((move.source.parent, move.target.parent), []).append(move)
    for (source_dir, target_dir), group in groups.items():
        target_dir.mkdir(parents=True, exist_ok=True)
        tracked = known[source_dir]
        by_git = [m for m in group if m.source.name in tracked and m.target.name == m.source.name]
        try:
            if by_git:
                tools.git_mv_into([m.source for m in by_git], target_dir)
        finally:  # what git moved before a failure is undone with the rest
            done.extend(m for m in by_git if m.target.exists() and not m.source.exists())
        moved = {m.source for m in by_git}
        for move in group:
            if move.source not in moved:
                shutil.move(move.source, move.target)
                done.append(move)


def undo(done: Iterable[Move]) -> None:
    """Reverse moves made by :func:`move_files` (best effort)."""
    back = [Move(m.target, m.source) for m in reversed(list(done)) if m.target.exists()]
    _move(back, [])


def plan_archive(project: AlembicProject, files: Iterable[Path]) -> list[Move]:
    """Moves that archive ``files`` (revision files in a version location)."""
    recursive = recursive_scan(project)
    return [Move(f, archive_dir_for(f.parent, recursive=recursive) / f.name) for f in files]
