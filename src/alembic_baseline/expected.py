"""The schema a database *should* have at a revision, and whether it has it.

The expected schema of revision R is the snapshot of a scratch database built by replaying the
history up to R (``history.replay.build_at``) on the production's major version. It depends only
on the revision files up to R and env.py (``History.fingerprint(R)``), the major and the snapshot
options, so it is cached on disk under ``<project>/.alembic-baseline/cache/``: a repeated
``status`` reads a JSON file instead of starting a server and replaying fifty revisions.

An archived revision (behind a baseline) has an expected schema too: the archive replayed with
the project's env.py, cached the same way — the evidence ``alembic-baseline upgrade`` and
``doctor`` need before anything replays archived revisions.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline import statedir
from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.diff.render import describe
from alembic_baseline.errors import BaselineError
from alembic_baseline.history.graph import History
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.snapshot import FORMAT_VERSION, InspectOptions, Snapshot
from alembic_baseline.snapshot.sources import from_replay, from_url

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg.scratch import ScratchServer
    from alembic_baseline.pg.url import DatabaseURL


@dataclass(frozen=True)
class VersionTable:
    """Where env.py keeps the version table (left out of schema comparisons)."""

    name: str = "alembic_version"
    schema: str | None = None


@dataclass(frozen=True)
class SchemaCheck:
    """Whether a database's schema equals the expected schema of ``revision``."""

    revision: str
    matches: bool | None
    """None when it could not be checked (``detail`` says why)."""
    differences: tuple[str, ...] = ()
    detail: str = ""
    cached: bool = False
    seconds: float = 0.0


def inspect_options(version_table: VersionTable) -> InspectOptions:
    return InspectOptions(
        version_table=version_table.name, version_table_schema=version_table.schema
    )


def _cache_file(
    cache_dir: Path, fingerprint: str, revision: str, major: int, options: InspectOptions
) -> Path:
    key = json.dumps([fingerprint, revision, major, options.describe(), FORMAT_VERSION])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir / f"expected-{revision[:16]}-pg{major}-{digest}.json"


def expected_snapshot(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    revision: str,
    options: InspectOptions,
    cache_dir: Path,
    build: Callable[[], Snapshot] | None = None,
) -> tuple[Snapshot, bool]:
    """The snapshot of ``revision`` replayed on a scratch database (``build`` makes it when
    another replay is meant, e.g. into a tenant schema); cached by the revision files up to
    ``revision``, the major and ``options``; ``(snapshot, from_cache)``."""
    major = scratch.wanted_major()
    path = _cache_file(cache_dir, history.fingerprint(revision), revision, major, options)
    if path.is_file():
        try:
            return _decoded(path), True
        except (ValueError, KeyError, TypeError):
            path.unlink()  # an unreadable cache entry is rebuilt, never trusted
    if build is None:
        snap = from_replay(project, scratch.server(), revision, options, history=history)
    else:
        snap = build()
    statedir.makedirs(cache_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(snap.to_json(), encoding="utf-8")
    tmp.replace(path)  # atomic: a concurrent status never reads half a file
    return snap, False


def archived_project(project: AlembicProject, history: History) -> AlembicProject:
    """The project reading the archived revisions only (same env.py, same settings)."""
    return project.with_version_locations(*history.archive_dirs)


_DECODED: dict[Path, tuple[int, Snapshot]] = {}


def _decoded(path: Path) -> Snapshot:
    """A cache file decoded once per process (``fleet apply`` compares hundreds of targets with
    the same few revisions); a file replaced since is read again."""
    stamp = path.stat().st_mtime_ns
    known = _DECODED.get(path)
    if known is None or known[0] != stamp:
        known = (stamp, Snapshot.from_json(path.read_text(encoding="utf-8")))
        _DECODED[path] = known
    return known[1]


def _check(
    revision: str,
    what: str,
    expected: Callable[[], tuple[Snapshot, bool]],
    actual: Callable[[], Snapshot],
    unbuilt: str = "schema not compared: the expected schema could not be built",
) -> SchemaCheck:
    """``actual`` against ``expected`` (``what``: "revision R", "archived revision R";
    ``unbuilt``: the detail's start when the expected schema cannot be built)."""
    start = time.perf_counter()
    try:
        snap, cached = expected()
    except SandboxRefusal:
        raise  # env.py reached for another database, or the replay did not run: never hidden
    except BaselineError as exc:
        hint = f" Hint: {exc.hint}" if exc.hint else ""  # e.g. transaction_per_migration
        return SchemaCheck(
            revision,
            None,
            detail=f"{unbuilt}: {exc.message}{hint}",
        )
    # Column order is not compared: ADD COLUMN can only append, so a database whose revisions
    # were downgraded and applied again legitimately has another order than a fresh replay.
    diff = compare(snap, actual(), CompareOptions(ignore_column_order=True))
    detail = (
        f"schema equals {what}" if not diff else f"{len(diff.changes)} difference(s) from {what}"
    )
    return SchemaCheck(
        revision, not diff, describe(diff), detail, cached, time.perf_counter() - start
    )


def compare_with_expected(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    url: DatabaseURL,
    revision: str,
    version_table: VersionTable,
    cache_dir: Path,
) -> SchemaCheck:
    """Snapshot ``url`` and compare it with the expected schema of ``revision``."""
    if history.locate(revision) != "live":
        return _not_live(revision)
    options = inspect_options(version_table)
    return _check(
        revision,
        f"revision {revision}",
        lambda: expected_snapshot(project, history, scratch, revision, options, cache_dir),
        lambda: from_url(url, options),
    )


def compare_with_cached(
    history: History,
    major: int,
    url: DatabaseURL,
    revision: str,
    version_table: VersionTable,
    cache_dir: Path,
) -> SchemaCheck | None:
    """:func:`compare_with_expected` when the expected schema of live ``revision`` is in the
    cache and decodes; None otherwise (nothing is built here: the caller takes the full path)."""
    if history.locate(revision) != "live":
        return None
    options = inspect_options(version_table)
    path = _cache_file(cache_dir, history.fingerprint(revision), revision, major, options)
    if not path.is_file():
        return None
    try:
        snap = _decoded(path)
    except (ValueError, KeyError, TypeError):
        return None  # the full path removes and rebuilds it
    return _check(
        revision, f"revision {revision}", lambda: (snap, True), lambda: from_url(url, options)
    )


def _not_live(revision: str) -> SchemaCheck:
    return SchemaCheck(
        revision,
        None,
        detail=f"schema not compared: {revision} is not a live revision of the project; run "
        "`alembic-baseline doctor`.",
    )


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
    archived = archived_project(project, history)
    return _check(
        revision,
        f"archived revision {revision}",
        lambda: expected_snapshot(
            archived, History(archived, archive=False), scratch, revision, options, cache_dir
        ),
        lambda: actual,
        f"the expected schema of {revision} could not be built",
    )


# -- schema per tenant -----------------------------------------------------------------------

TENANT_SCRATCH_SCHEMA = "alembic_baseline_expected_tenant"
"""The schema a tenant's history is replayed into on a scratch database (``-x tenant=`` this):
one replay per revision serves every tenant, compared under the mapping of this name to the
tenant's (:func:`as_tenant`). Distinctive, so that it names nothing else in a snapshot."""


_CREATE_SCRATCH_SCHEMA = "CREATE SCHEMA alembic_baseline_expected_tenant"  # the name above


def tenant_inspect_options(version_table: str, schema: str) -> InspectOptions:
    """The snapshot of one tenant schema: that schema only, its own version table left out."""
    return InspectOptions(
        include_schemas=(schema,), version_table=version_table, version_table_schema=schema
    )


def expected_tenant_snapshot(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    revision: str,
    version_table: str,
    cache_dir: Path,
) -> tuple[Snapshot, bool]:
    """The expected schema of a tenant at ``revision``: the history replayed on a new scratch
    database with ``-x tenant=`` :data:`TENANT_SCRATCH_SCHEMA` (``project`` must pass it),
    that schema inspected; cached like the database case (the options name the schema, so
    the cache entries never mix). ``(snapshot, from_cache)``."""
    options = tenant_inspect_options(version_table, TENANT_SCRATCH_SCHEMA)
    replay = lambda: _replay_tenant(project, scratch.server(), revision, options)  # noqa: E731
    return expected_snapshot(project, history, scratch, revision, options, cache_dir, replay)


def _replay_tenant(
    project: AlembicProject, server: ScratchServer, revision: str, options: InspectOptions
) -> Snapshot:
    """A new scratch database of this tool's own, the scratch tenant's schema created (env.py
    never creates one: the tenant contract), the history replayed into it; dropped after."""
    # lazy: psycopg only where a tenant is replayed
    from alembic_baseline.pg.connect import connection

    url = server.create_database(server.new_name("tenant"))
    try:
        with connection(url) as conn:
            conn.execute(_CREATE_SCRATCH_SCHEMA)
            conn.commit()
        project.upgrade(url, revision, scratch=True)
        return from_url(url, options)
    finally:
        server.drop_database(url.database)


def as_tenant(snapshot: Snapshot, tenant: str, quoted: str) -> Snapshot:
    """``snapshot`` of :data:`TENANT_SCRATCH_SCHEMA` as if it were of schema ``tenant``
    (``quoted``: the name as the server quotes it in SQL, ``quote_ident``).

    A value that is the scratch name (a ``schema`` field) becomes ``tenant``; inside a text
    (definitions, defaults, types: the inspection prints every name qualified) the scratch
    name followed by a dot becomes ``quoted``. The mapping goes from the scratch name, which
    names nothing else, to the tenant's: the tenant's own snapshot is never rewritten, so a
    tenant named like a table or a word in a literal compares as it is."""
    qualified = re.compile(r"(?<![A-Za-z0-9_$\"])" + re.escape(TENANT_SCRATCH_SCHEMA) + r"(?=\.)")

    def mapped(value: object) -> object:
        if isinstance(value, str):
            if value == TENANT_SCRATCH_SCHEMA:
                return tenant
            if TENANT_SCRATCH_SCHEMA in value:
                return qualified.sub(lambda _: quoted, value)
            return value
        if isinstance(value, dict):
            return {mapped(k): mapped(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mapped(v) for v in value]
        return value

    data = mapped(snapshot.to_dict())
    assert isinstance(data, dict)
    return Snapshot.from_dict(data)


_QUOTE_IDENT = "SELECT quote_ident(%s)"


def compare_tenant_with_expected(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    url: DatabaseURL,
    tenant: str,
    revision: str,
    version_table: str,
    cache_dir: Path,
) -> SchemaCheck:
    """Snapshot tenant schema ``tenant`` of ``url`` and compare it with the expected tenant
    schema of ``revision`` (``project``: replaying into :data:`TENANT_SCRATCH_SCHEMA`)."""
    if history.locate(revision) != "live":
        return _not_live(revision)
    # lazy: psycopg only where a tenant is compared
    from alembic_baseline.pg.connect import connection
    from alembic_baseline.snapshot.inspect import inspect

    quoted: list[str] = []

    def actual() -> Snapshot:
        with connection(url) as conn:
            row = conn.execute(_QUOTE_IDENT, (tenant,)).fetchone()
            quoted.append(str(row[0]) if row else tenant)
            conn.commit()
            return inspect(conn, tenant_inspect_options(version_table, tenant))

    found = actual()

    def expected() -> tuple[Snapshot, bool]:
        snap, cached = expected_tenant_snapshot(
            project, history, scratch, revision, version_table, cache_dir
        )
        return as_tenant(snap, tenant, quoted[0]), cached

    return _check(
        revision,
        f"revision {revision} (tenant schema {tenant})",
        expected,
        lambda: found,
    )
