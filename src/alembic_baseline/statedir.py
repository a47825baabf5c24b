"""The tool's state directory: where backups, run records and caches go — defined here only.

Layout (``state_dir``, default ``<project>/.alembic-baseline``)::

    <state_dir>/
        .gitignore            written when the tool creates the directory (content: GITIGNORE;
                              it goes into the topmost directory the tool had to create)
        runs/<run-id>/        run records of deploy apply / rollback / doctor repair
        backups/              pg_dump backups taken before apply (``backup_dir`` moves them)
        cache/                safe to delete at any time:
            lint/               per-file lint results, version-dirs.json
            fingerprints/pg<N>/ doctor's schema fingerprints per revision
            pgstat/             doctor's counters between two checks
            expected-*.json     the expected schema at a revision (deploy, doctor, baseline)
            checksums.json      revision-file checksums by size/mtime/inode (status, apply)
            revision-headers.json  revision-file headers by size/mtime/inode (status)

Where it is, weakest first: ``state_dir`` in ``[tool.alembic-baseline]`` (relative to
pyproject.toml's directory), ``ALEMBIC_BASELINE_STATE_DIR`` (relative to the working directory),
the global flag ``--state-dir``. Backups alone can live elsewhere: ``backup_dir`` in
``[tool.alembic-baseline]`` or ``[tool.alembic-baseline.deploy]``, ``ALEMBIC_BASELINE_BACKUP_DIR``,
then ``--backup-dir`` of the command.

The accepted-findings file of ``lint`` (``.alembic-baseline/lint-baseline.json``) is project
content meant for git, not state: it stays in the project whatever ``state_dir`` says.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline.errors import ConfigError

DEFAULT_NAME = ".alembic-baseline"
STATE_ENV = "ALEMBIC_BASELINE_STATE_DIR"
BACKUP_ENV = "ALEMBIC_BASELINE_BACKUP_DIR"
RUNS, BACKUPS, CACHE = "runs", "backups", "cache"
LINT_CACHE, FINGERPRINTS, PGSTAT = "lint", "fingerprints", "pgstat"  # under CACHE
LINT_BASELINE = f"{DEFAULT_NAME}/lint-baseline.json"
"""Default of ``[tool.alembic-baseline.lint] baseline``, relative to the project."""

GITIGNORE = (
    "# Written by alembic-baseline: its backups, run records and caches never go into git.\n"
    "# Only lint-baseline.json (the accepted lint findings, docs/lint.md) is meant for git.\n"
    "*\n"
    "!lint-baseline.json\n"
)


@dataclass(frozen=True)
class Layout:
    """Resolved paths of the state directory (nothing is created by computing them)."""

    root: Path
    backup_override: Path | None = None

    @property
    def runs(self) -> Path:
        return self.root / RUNS

    @property
    def backups(self) -> Path:
        return self.backup_override or self.root / BACKUPS

    @property
    def cache(self) -> Path:
        return self.root / CACHE

    @property
    def lint_cache(self) -> Path:
        return self.cache / LINT_CACHE

    @property
    def fingerprints(self) -> Path:
        return self.cache / FINGERPRINTS

    @property
    def pgstat(self) -> Path:
        return self.cache / PGSTAT


def layout(project_dir: Path, state_dir: Path | None, backup_dir: Path | None) -> Layout:
    return Layout(state_dir or project_dir / DEFAULT_NAME, backup_dir)


def _path(value: object, base: Path, what: str) -> Path:
    text = str(value).strip()
    if not text:
        raise ConfigError(
            f"{what} is empty.", hint=f"Set {what} to a directory, or remove it for the default."
        )
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def resolve(
    table: Mapping[str, object],
    env: Mapping[str, str],
    *,
    base: Path,
    cwd: Path,
    state_flag: str | None = None,
) -> tuple[Path | None, Path | None]:
    """``(state_dir, backup_dir)`` from pyproject (``base``: its directory) < env < flag."""
    state: Path | None = None
    backup: Path | None = None
    if "state_dir" in table:
        state = _path(table["state_dir"], base, "[tool.alembic-baseline] state_dir")
    deploy = table.get("deploy")
    if isinstance(deploy, Mapping) and "backup_dir" in deploy:
        backup = _path(deploy["backup_dir"], base, "[tool.alembic-baseline.deploy] backup_dir")
    if "backup_dir" in table:
        backup = _path(table["backup_dir"], base, "[tool.alembic-baseline] backup_dir")
    if env.get(STATE_ENV):
        state = _path(env[STATE_ENV], cwd, STATE_ENV)
    if env.get(BACKUP_ENV):
        backup = _path(env[BACKUP_ENV], cwd, BACKUP_ENV)
    if state_flag is not None:
        state = _path(state_flag, cwd, "--state-dir")
    return state, backup


def makedirs(directory: Path, mode: int = 0o777) -> None:
    """``mkdir -p`` that drops :data:`GITIGNORE` into the topmost directory it creates.

    Whatever the tool creates for its state (the state directory itself, or a backup directory
    elsewhere) thereby never shows up in ``git status``; existing directories are left as they
    are (a user's own .gitignore is never overwritten), and a directory already covered by our
    .gitignore higher up gets none.
    """
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(parents=True, exist_ok=True, mode=mode)
    if missing and not _covered(missing[-1]):
        marker = missing[-1] / ".gitignore"
        if not marker.exists():
            marker.write_text(GITIGNORE, encoding="utf-8")


def _covered(directory: Path) -> bool:
    """Whether a directory above already carries our .gitignore (e.g. runs/ in the state dir)."""
    for parent in directory.parents:
        marker = parent / ".gitignore"
        try:
            if marker.is_file() and marker.read_text(encoding="utf-8") == GITIGNORE:
                return True
        except OSError:
            return False
    return False


class IdentityCache:
    """Facts about files remembered by file identity (size, mtime_ns, inode), as git's index
    does, in a JSON file of the state directory (safe to delete): :attr:`entries` maps a file's
    path to what a subclass keeps. A fact is only kept for a file last modified more than
    :data:`RACY_NS` before it was learnt (a file written in the same clock tick may change again
    without its mtime moving: git's "racy" case). A missing, damaged or other-format file is an
    empty cache; a failed write only costs the next run the slow path."""

    RACY_NS = 2_000_000_000
    FORMAT = 1

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list[Any]] = {}
        self.dirty = False
        if path is not None and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == self.FORMAT:
                    self.entries = dict(data.get("files") or {})

    @staticmethod
    def identity(path: Path) -> list[int]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def settled(self, identity: list[int]) -> bool:
        """Whether a file of this identity was last modified long enough ago to be kept."""
        return time.time_ns() - identity[1] > self.RACY_NS

    def save(self) -> None:
        """Write the cache if it changed (whole, through a rename: never half a file)."""
        if self.path is None or not self.dirty:
            return
        with contextlib.suppress(OSError):
            makedirs(self.path.parent)  # with its .gitignore when the tool creates it
            partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
            partial.write_text(json.dumps({"version": self.FORMAT, "files": self.entries}), "utf-8")
            partial.replace(self.path)
            self.dirty = False


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing) where the platform has ``flock``;
    elsewhere nothing (callers keep their files whole by renaming, the lock only orders them)."""
    try:
        import fcntl  # lazy: POSIX only
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
