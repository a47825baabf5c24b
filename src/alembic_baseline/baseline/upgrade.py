"""``alembic-baseline upgrade``: like ``alembic upgrade``, and it also reaches archived revisions.

A database recorded at a revision that a baseline archived cannot be upgraded by plain Alembic
("Can't locate revision"). This runs the archived revisions from there to the old head (the
bridge's id) with the project's own env.py, then continues with the live revisions as usual.

Before replaying any archived revision it proves that the schema is at the recorded one (see
:mod:`.archived`): a version table stamped at an archived id over a schema that is elsewhere is
refused (exit 3) with what differs, and the database is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.baseline.archived import check_archived
from alembic_baseline.baseline.manifest import find_manifest
from alembic_baseline.errors import MigrationError, UnsafeError
from alembic_baseline.expected import Scratch, VersionTable, inspect_options, live_snapshot
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.connect import connection, server_major
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

DOCTOR_HINT = (
    "Run `alembic-baseline doctor`: it identifies the revision the schema is really at and "
    "gives the fix (usually a restamp, not an upgrade)."
)


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
    *,
    scratch_url: str | None = None,
    cache_dir: Path | None = None,
    server: ScratchServer | None = None,
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
        cache = cache_dir or project.settings.state.cache
        require_recorded_schema(project, history, url, start, scratch_url, cache, server, progress)
        progress(
            f"{', '.join(start)} is archived: running the archived revisions up to "
            f"{manifest.old_head} first"
        )
        archived = project.with_version_locations(*history.archive_dirs)
        archived_steps = archived.upgrade(url, manifest.old_head).steps
    steps = project.upgrade(url, target).steps
    return UpgradeResult(start, project.current_heads(url), archived_steps, steps)


def require_recorded_schema(
    project: AlembicProject,
    history: History,
    url: DatabaseURL,
    start: tuple[str, ...],
    scratch_url: str | None,
    cache_dir: Path,
    server: ScratchServer | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Refuse (:class:`UnsafeError`, nothing touched) unless the schema equals the expected
    schema of the one recorded archived revision, replayed on the database's major."""
    if len(start) != 1:
        raise UnsafeError(
            f"Refused: the version table records {', '.join(start)}, archived and other "
            "revisions together; replaying the archive from there is not safe. Nothing was done.",
            hint=DOCTOR_HINT,
        )
    (recorded,) = start
    with connection(url) as conn:
        major = server_major(conn)
    name, schema = project.version_table(url)
    options = inspect_options(VersionTable(name, schema))
    actual = live_snapshot(url, options)
    progress(f"checking that the schema is at {recorded} (replayed on PostgreSQL {major})")
    with Scratch(major, scratch_url, server) as scratch:
        check = check_archived(project, history, scratch, recorded, actual, options, cache_dir)
    if check.matches is None:
        raise UnsafeError(
            f"Refused: the schema could not be compared with archived revision {recorded} "
            f"({check.detail}), and replaying archived revisions without that proof is not "
            "safe. Nothing was done.",
            hint=f"Make a scratch PostgreSQL {major} available (`alembic-baseline scratch "
            f"install {major}`, or --scratch-url), then run this again.",
        )
    if not check.matches:
        raise UnsafeError(
            f"Refused: the version table says {recorded} (archived), but the schema is not "
            f"that revision's ({check.detail}); replaying the archived revisions from there "
            "would re-run changes the schema already has or never had. Nothing was done.",
            hint=DOCTOR_HINT,
            context={f"difference {i}": line for i, line in enumerate(check.differences, 1)},
        )
