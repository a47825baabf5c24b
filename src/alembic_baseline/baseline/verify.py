"""``baseline verify``: prove that the baseline builds the same schema as the history.

On scratch databases of production's major:

* the whole history (archived + live revisions, the bridge replaced by the real old head) is
  replayed to the old head and then to the current heads;
* a fresh database is built from the baseline (+ bridge) and then to the current heads;
* production, when reachable, is snapshotted too;

and every pair is compared as catalog snapshots (plus the rows the baseline carries: reference
tables and the history's seed rows, see :mod:`.seed_compare`). Equal means exit 0; any
difference is listed and exits 1.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.baseline.manifest import Manifest, find_manifest
from alembic_baseline.baseline.replay import VersionTableName, replay_to
from alembic_baseline.baseline.sanitize import LEFT_OUT_TYPES
from alembic_baseline.baseline.seed_compare import carried_rows
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import Scratch, ScratchServer, scratch_server_soon
from alembic_baseline.pg.server import read_server_version
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:  # imported on first use, or by preload_checks() on a thread meanwhile
    from alembic_baseline.diff.model import CompareOptions
    from alembic_baseline.snapshot import InspectOptions, Snapshot
    from alembic_baseline.snapshot.inventory import Inventory

__all__ = ["VersionTableName", "replay_to", "verify"]

Progress = Callable[[str], None]


def preload_checks() -> None:
    """Import what reads and compares snapshots (the snapshot model, the diff; ~0.1 s) — on a
    thread while the main thread waits for PostgreSQL (a history replaying). A failure is left
    to the first use to report."""
    try:
        # lazy: this is the import that takes it off the critical path
        import alembic_baseline.diff.compare
        import alembic_baseline.diff.render
        import alembic_baseline.expected
        import alembic_baseline.snapshot.inventory
        import alembic_baseline.snapshot.sources  # noqa: F401
    except Exception:  # pragma: no cover - reported where it is used
        return


def from_url(url: DatabaseURL, options: InspectOptions) -> Snapshot:
    """The snapshot of the database at ``url``."""
    # lazy: snapshot and diff are imported by preload_checks() while a history replays
    from alembic_baseline.snapshot.sources import from_url as read

    return read(url, options)


def snapshot_options(version_table: VersionTableName) -> InspectOptions:
    """How a side of the proof is read: env.py's version table left out."""
    # lazy: snapshot and diff are imported by preload_checks() while a history replays
    from alembic_baseline.expected import VersionTable, inspect_options

    return inspect_options(VersionTable(*version_table))


def compare_options(*, cross_version: bool = False) -> CompareOptions:
    # lazy: snapshot and diff are imported by preload_checks() while a history replays
    from alembic_baseline.diff.model import CompareOptions

    return CompareOptions.cross_version() if cross_version else CompareOptions()


@dataclass(frozen=True)
class Comparison:
    """One pair compared: what, and the differences (empty when equal)."""

    name: str
    differences: tuple[str, ...]
    notes: tuple[str, ...] = ()  # volatile seed columns; kinds compared by name only

    @property
    def equal(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class VerifyResult:
    revision: str
    old_head: str
    pg_version: int
    comparisons: tuple[Comparison, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return all(c.equal for c in self.comparisons)


@contextlib.contextmanager
def whole_history(
    project: AlembicProject, manifest: Manifest, history: History
) -> Iterator[AlembicProject]:
    """The project as it was before the baseline plus what came after: archive + live revisions,
    without the baseline and the bridge (the archived old head takes the bridge's place).

    The archived revisions are read where they are, once (``history`` need not have read them;
    their compiled bytecode is reused between runs); only the live revisions after the baseline
    are copied to a temporary folder, away from the baseline and the bridge."""
    missing = ConfigError(
        f"The archived revision {manifest.old_head} (the pre-baseline head) was not found.",
        hint="The archive must stay in the repository: restore versions/archive/ from git.",
    )
    if not history.archive_dirs:
        raise missing
    newer = [r for r in history.live.values() if r.id not in (manifest.revision, manifest.old_head)]
    tmp = Path(tempfile.mkdtemp(prefix="ab-history-")) if newer else None
    try:
        locations = list(history.archive_dirs)
        if tmp is not None:
            for rev in newer:
                shutil.copy2(rev.path, tmp / rev.path.name)
            locations.append(tmp)
        full = project.with_version_locations(*locations)
        if manifest.old_head not in History(full, archive=False).live:
            raise missing
        yield full
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _carried(found: Inventory | None) -> Inventory | None:
    return None if found is None else found.without(LEFT_OUT_TYPES)


def _pair(name: str, a: Snapshot, b: Snapshot, options: CompareOptions) -> Comparison:
    # lazy: snapshot and diff are imported by preload_checks() while a history replays
    from alembic_baseline.diff.compare import compare
    from alembic_baseline.diff.render import describe
    from alembic_baseline.snapshot import inventory

    lines = describe(compare(a, b, options), None, {}, values=True)
    # every object by name, any kind — but user mappings and subscriptions, which a baseline
    # never carries (their options hold credentials; sanitize leaves them out with a warning):
    # they are counted in a note, never named (a mapping names a login role)
    found = inventory.check(_carried(a.inventory), _carried(b.inventory))
    notes = [found.name_only_line()]
    skipped = sum(
        1
        for side in (a.inventory, b.inventory)
        if side is not None
        for e in side.entries
        if e.type in LEFT_OUT_TYPES
    )
    if skipped:
        notes.append(
            f"not compared: {skipped} user mapping/subscription object(s), never carried by a "
            "baseline (credentials)"
        )
    kept = tuple(n for n in notes if n)
    return Comparison(name, lines + found.lines(modelled=not lines), kept)


Early = tuple[int, Future[ScratchServer], Sequence[Future[DatabaseURL]]]
"""A scratch server opened before the manifest was read (for the major guessed from it) and
the history's and the baseline's databases it is creating: used when the major is right."""


def verify(
    project: AlembicProject,
    *,
    url: DatabaseURL | None = None,
    revision: str | None = None,
    pg_major: int | None = None,
    scratch_url: str | None = None,
    progress: Progress = lambda _: None,
    server: ScratchServer | None = None,
    early: Early | None = None,
) -> VerifyResult:
    """Compare history, baseline (and production) at the old head and at the current heads."""
    manifest = find_manifest(project.script_location, revision)
    major = pg_major or _major_of(url) or int(manifest.server_version.split(".")[0])
    databases: Sequence[Future[DatabaseURL]] = ()
    if server is None and early is not None and early[0] == major:
        server, databases = early[1].result(), early[2]
    with contextlib.ExitStack() as stack:
        if server is None:  # found (or started) while the history is read
            soon = stack.enter_context(scratch_server_soon(major=major, scratch_url=scratch_url))
        history = History(project, archive=False)  # the archive is read once, by whole_history
        full = stack.enter_context(whole_history(project, manifest, history))
        return _verify(
            project, full, manifest, history.heads(), url, major, scratch_url, progress,
            server or soon.result(), databases,
        )  # fmt: skip


def _verify(
    project: AlembicProject,
    full: AlembicProject,
    manifest: Manifest,
    heads: tuple[str, ...],
    url: DatabaseURL | None,
    major: int,
    scratch_url: str | None,
    progress: Progress,
    server: ScratchServer,
    databases: Sequence[Future[DatabaseURL]] = (),
) -> VerifyResult:
    """``databases``: the history's and the baseline's, which ``server`` is creating."""
    post = heads != (manifest.old_head,)
    seconds: dict[str, float] = {}
    comparisons: list[Comparison] = []
    options = compare_options()
    with (
        Scratch(major, scratch_url, server) as scratch,
        # snapshots are read here while the main thread builds the next database; leaving the
        # pool waits for them (before the scratch databases are dropped), also on an error
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="ab-verify") as pool,
    ):
        given = scratch.server() is server and len(databases) == 2
        server = scratch.server()
        # the server creates the databases while the history is read and replays
        hist_db = databases[0] if given else None
        base_db = (
            databases[1] if given else server.create_database_soon(server.new_name("baseline"))
        )
        pool.submit(preload_checks)  # while the history replays
        build = (server, manifest.old_head, heads, post, progress, seconds, pool)
        hist = _build(full, "history", *build, url=hist_db.result() if hist_db else None)
        vt = hist.version_table
        base = _build(project, "baseline", *build, url=base_db.result(), vt=vt)
        # the rows are compared while the baseline's snapshot is read
        carried = carried_rows(full, manifest, server, hist.at_old_copy, base.at_old_copy, vt)
        hist_snaps = (hist.at_old.result(), hist.at_heads.result(), hist.at_old_copy)
        hist.drop_soon(server)  # each DROP waits for a checkpoint: beside what is left to do
        base_snaps = (base.at_old.result(), base.at_heads.result(), base.at_old_copy)
        base.drop_soon(server)
        comparisons.append(
            _pair(
                f"history ≡ baseline at {manifest.old_head}", hist_snaps[0], base_snaps[0], options
            )
        )
        comparisons += [Comparison(c.name, c.differences, c.notes) for c in carried]
        if post:
            name = f"history ≡ baseline after the new revisions ({', '.join(heads)})"
            comparisons.append(_pair(name, hist_snaps[1], base_snaps[1], options))
        if url is not None:
            comparisons.append(_production(project, url, manifest, heads, hist_snaps, vt, server))
        version = server.version_num
    return VerifyResult(manifest.revision, manifest.old_head, version, tuple(comparisons), seconds)


def _major_of(url: DatabaseURL | None) -> int | None:
    return None if url is None else read_server_version(url).major


@dataclass(frozen=True)
class _Built:
    """One side of the proof: its snapshots (being read) and the copy kept at the old head."""

    at_old: Future[Snapshot]
    at_heads: Future[Snapshot]
    at_old_copy: DatabaseURL
    version_table: VersionTableName
    url: DatabaseURL
    """The database built to the heads (``at_old_copy`` too when there are no new revisions)."""

    def drop_soon(self, server: ScratchServer) -> None:
        """Its databases dropped on threads of the server (waited for when it closes)."""
        for name in dict.fromkeys((self.url.database, self.at_old_copy.database)):
            server.drop_database_soon(name)


def _build(
    project: AlembicProject,
    label: str,
    server: ScratchServer,
    old_head: str,
    heads: tuple[str, ...],
    post: bool,
    progress: Progress,
    seconds: dict[str, float],
    pool: ThreadPoolExecutor,
    url: DatabaseURL | None = None,
    vt: VersionTableName | None = None,
) -> _Built:
    """Build ``label`` to the old head (snapshot), keep a copy, then to the heads (snapshot), on
    ``url`` (a new database of ``server``, made here if not given). The last snapshot is read
    on ``pool`` while the caller goes on; ``vt``: the version table (else as env.py configured
    it for this build)."""
    url = url or server.create_database(server.new_name(label))
    progress(f"building the {label} to {old_head}")
    start = time.perf_counter()
    result = project.upgrade(url, old_head, scratch=True)
    seconds[f"{label}_build"] = time.perf_counter() - start
    if vt is None:
        seen = result.sandbox.version_table if result.sandbox is not None else None
        vt = seen or project.version_table(url, scratch=True)
    options = snapshot_options(vt)
    if not post:
        at_old = pool.submit(from_url, url, options)
        return _Built(at_old, at_old, url, vt, url)
    # read before the copy: CREATE DATABASE … TEMPLATE ends the template's other sessions
    read: Future[Snapshot] = Future()
    read.set_result(from_url(url, options))
    at_old_copy = server.create_database(server.new_name(label), template=url.database)
    progress(f"applying the new revisions on the {label}")
    start = time.perf_counter()
    project.upgrade(url, "heads", scratch=True)
    seconds[f"{label}_post"] = time.perf_counter() - start
    return _Built(read, pool.submit(from_url, url, options), at_old_copy, vt, url)


def _production(
    project: AlembicProject,
    url: DatabaseURL,
    manifest: Manifest,
    heads: tuple[str, ...],
    hist_snaps: tuple[Snapshot, Snapshot, DatabaseURL],
    vt: tuple[str, str | None],
    server: ScratchServer,
) -> Comparison:
    current = project.current_heads(url)
    prod = from_url(url, snapshot_options(vt))
    options = compare_options()
    if server.major != (_major_of(url) or server.major):
        options = compare_options(cross_version=True)
    if current == (manifest.old_head,):
        return _pair(f"production ≡ history at {manifest.old_head}", hist_snaps[0], prod, options)
    if current == heads:
        return _pair(f"production ≡ history at {', '.join(heads)}", hist_snaps[1], prod, options)
    return Comparison(
        "production",
        (f"production is at {', '.join(current) or 'no revision'}, neither the old head "
         f"{manifest.old_head} nor the heads {', '.join(heads)}: apply or diagnose first",),
    )  # fmt: skip


def drift_lines(
    project: AlembicProject,
    prod: DatabaseURL,
    major: int,
    scratch_url: str | None,
    server: ScratchServer | None = None,
    on_replay: Callable[[DatabaseURL, int, VersionTableName], object] | None = None,
    version_table: VersionTableName | None = None,
) -> tuple[str, ...]:
    """Differences between production and the history replayed on a scratch server of
    production's ``major`` — never another one: a newer major prints definitions differently
    and its dump is not valid on production's; a missing major is a :class:`ScratchError`
    whose hint offers ``scratch install`` (``on_replay(url, major, version_table)`` sees the
    replay before it goes, e.g. to read its seed rows). ``version_table``: production's, when
    the caller knows it already."""

    options = compare_options()
    with Scratch(major, scratch_url, server) as scratch:
        srv = scratch.server()
        prod_vt = version_table or project.version_table(prod)
        snap_options = snapshot_options(prod_vt)
        replayed, replayed_vt = replay_to(project, srv, "heads")
        if on_replay is not None:
            on_replay(replayed, srv.major, replayed_vt)
        history_side = from_url(replayed, snap_options)
        return _pair("drift", history_side, from_url(prod, snap_options), options).differences
