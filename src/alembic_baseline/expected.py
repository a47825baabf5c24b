"""The schema a database *should* have at a revision, and whether it has it.

The expected schema of revision R is the snapshot of a scratch database built by replaying the
history up to R (``history.replay.build_at``) on the production's major version. It depends only
on the revision files up to R and env.py (``History.fingerprint(R)``), the major and the snapshot
options, so it is cached on disk under ``<project>/.alembic-baseline/cache/``: a repeated
``status`` reads a JSON file instead of starting a server and replaying fifty revisions.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from alembic_baseline import statedir
from alembic_baseline.diff import CompareOptions, SchemaDiff, compare
from alembic_baseline.errors import BaselineError
from alembic_baseline.history.replay import build_at
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer, open_server
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import FORMAT_VERSION, InspectOptions, Snapshot, inspect

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History

MAX_LISTED = 20


class Scratch:
    """A scratch server of one major, started on first use only (a warm cache needs none)."""

    def __init__(
        self, major: int, scratch_url: str | None = None, server: ScratchServer | None = None
    ) -> None:
        self.major = major
        self.scratch_url = scratch_url
        self._server = server
        self._owned = server is None

    def server(self) -> ScratchServer:
        if self._server is None:
            self._server = open_server(major=self.major, scratch_url=self.scratch_url)
        return self._server

    def close(self) -> None:
        if self._owned and self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


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


def live_snapshot(url: DatabaseURL, options: InspectOptions) -> Snapshot:
    with connection(url) as conn:
        return inspect(conn, options)


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
) -> tuple[Snapshot, bool]:
    """The snapshot of ``revision`` replayed on a scratch database; ``(snapshot, from_cache)``."""
    path = _cache_file(cache_dir, history.fingerprint(revision), revision, scratch.major, options)
    if path.is_file():
        try:
            return _decoded(path), True
        except (ValueError, KeyError, TypeError):
            path.unlink()  # an unreadable cache entry is rebuilt, never trusted
    server = scratch.server()
    url = build_at(project, server, revision, history=history)
    try:
        snap = live_snapshot(url, options)
    finally:
        server.drop_database(url.database)
    statedir.makedirs(cache_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(snap.to_json(), encoding="utf-8")
    tmp.replace(path)  # atomic: a concurrent status never reads half a file
    return snap, False


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


DRIFT_WORDS = {
    # compare(expected, actual): "added" exists only in the database, "removed" only in history.
    "added": "extra in the database",
    "removed": "missing in the database",
    "changed": "differs",
}
CHANGE_WORDS = {"added": "created", "removed": "dropped", "changed": "altered"}


def describe_diff(
    diff: SchemaDiff, limit: int = MAX_LISTED, words: dict[str, str] = DRIFT_WORDS
) -> tuple[str, ...]:
    """One line per difference (``words`` phrase added / removed / changed)."""
    lines = []
    for change in diff.changes[:limit]:
        attrs = ", ".join(a.name for a in change.attributes)
        line = f"{change.key}: {words.get(change.kind.value, change.kind.value)}"
        lines.append(f"{line} ({attrs})" if attrs else line)
    if len(diff.changes) > limit:
        lines.append(f"… and {len(diff.changes) - limit} more")
    return tuple(lines)


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
    start = time.perf_counter()
    if history.locate(revision) != "live":
        return SchemaCheck(
            revision,
            None,
            detail=f"schema not compared: {revision} is not a live revision of the "
            "project; run `alembic-baseline doctor`.",
        )
    options = inspect_options(version_table)
    try:
        expected, cached = expected_snapshot(
            project, history, scratch, revision, options, cache_dir
        )
    except SandboxRefusal:
        raise  # env.py reached for another database, or the replay did not run: never hidden
    except BaselineError as exc:
        hint = f" Hint: {exc.hint}" if exc.hint else ""  # e.g. transaction_per_migration
        return SchemaCheck(
            revision,
            None,
            detail=f"schema not compared: the expected schema could not be built: "
            f"{exc.message}{hint}",
        )
    actual = live_snapshot(url, options)
    # Column order is not compared: ADD COLUMN can only append, so a database whose revisions
    # were downgraded and applied again legitimately has another order than a fresh replay.
    diff = compare(expected, actual, CompareOptions(ignore_column_order=True))
    lines = describe_diff(diff)
    detail = (
        f"schema equals revision {revision}"
        if not diff
        else f"{len(diff.changes)} difference(s) from revision {revision}"
    )
    return SchemaCheck(revision, not diff, lines, detail, cached, time.perf_counter() - start)
