"""Evidence before anything replays archived revisions: is the schema really at the archived
revision its version table records?

``alembic-baseline upgrade`` runs the archived revisions that follow the recorded one. On a
database whose version table was stamped at an archived id while its schema is elsewhere (at
the head, or at another archived revision), that replay re-runs long-committed migrations (a
table dropped years ago comes back) and records yet another wrong revision. The expected schema
of the recorded archived revision is replayed on a scratch database of the database's own major
(from the archive, with the project's env.py; cached like every expected schema) and compared
with the database first: only an exact match is evidence enough to replay.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import (
    SchemaCheck,
    Scratch,
    describe_diff,
    expected_snapshot,
)
from alembic_baseline.history.graph import History

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.snapshot import InspectOptions, Snapshot


def archived_project(project: AlembicProject, history: History) -> AlembicProject:
    """The project reading the archived revisions only (same env.py, same settings)."""
    return project.with_version_locations(*history.archive_dirs)


def expected_archived(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    revision: str,
    options: InspectOptions,
    cache_dir: Path,
) -> Snapshot:
    """The snapshot of archived ``revision`` replayed on scratch (cached on disk)."""
    archived = archived_project(project, history)
    snap, _ = expected_snapshot(
        archived, History(archived, archive=False), scratch, revision, options, cache_dir
    )
    return snap


def check_archived(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    revision: str,
    actual: Snapshot,
    options: InspectOptions,
    cache_dir: Path,
) -> SchemaCheck:
    """Whether ``actual`` equals the expected schema of archived ``revision`` (``matches`` None:
    the expected schema could not be built here; ``detail`` says why)."""
    from alembic_baseline.diff import CompareOptions, compare

    start = time.perf_counter()
    try:
        expected = expected_archived(project, history, scratch, revision, options, cache_dir)
    except BaselineError as exc:
        return SchemaCheck(
            revision, None, detail=f"the expected schema of {revision} could not be built: "
            f"{exc.message}",
        )  # fmt: skip
    diff = compare(expected, actual, CompareOptions(ignore_column_order=True))
    detail = (
        f"schema equals archived revision {revision}"
        if not diff
        else f"{len(diff.changes)} difference(s) from archived revision {revision}"
    )
    return SchemaCheck(
        revision, not diff, describe_diff(diff), detail, False, time.perf_counter() - start
    )
