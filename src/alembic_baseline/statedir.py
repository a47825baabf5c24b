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

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
