"""``alembic-baseline upgrade``: like ``alembic upgrade``, and it also reaches archived revisions.

A database recorded at a revision that a baseline archived cannot be upgraded by plain Alembic
("Can't locate revision"). This runs the archived revisions from there to the old head (the
bridge's id) with the project's own env.py, then continues with the live revisions as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alembic_baseline.baseline.manifest import find_manifest
from alembic_baseline.errors import MigrationError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.url import DatabaseURL


@dataclass(frozen=True)
class UpgradeResult:
    start: tuple[str, ...]
    end: tuple[str, ...]
    archived_steps: tuple[str, ...]
    steps: tuple[str, ...]


def upgrade(
    project: AlembicProject,
    url: DatabaseURL,
    target: str = "heads",
    progress: Callable[[str], None] = lambda _: None,
) -> UpgradeResult:
    history = History(project)
    start = project.current_heads(url)
    unknown = [c for c in start if history.locate(c) is None]
    if unknown:
        raise MigrationError(
            f"The database is at {', '.join(unknown)}, which is neither a live nor an archived "
            "revision of this project.",
            hint="Run `alembic-baseline doctor` to find which revision its schema really is.",
        )
    archived_steps: tuple[str, ...] = ()
    if any(history.locate(c) == "archived" for c in start):
        manifest = find_manifest(project.script_location)
        progress(
            f"{', '.join(start)} is archived: running the archived revisions up to "
            f"{manifest.old_head} first"
        )
        archived = project.with_version_locations(*history.archive_dirs)
        archived_steps = archived.upgrade(url, manifest.old_head).steps
    steps = project.upgrade(url, target).steps
    return UpgradeResult(start, project.current_heads(url), archived_steps, steps)
