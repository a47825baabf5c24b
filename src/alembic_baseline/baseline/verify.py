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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from alembic_baseline.baseline.manifest import Manifest, find_manifest
from alembic_baseline.baseline.sanitize import LEFT_OUT_TYPES
from alembic_baseline.baseline.seed_compare import carried_rows
from alembic_baseline.diff.compare import compare
from alembic_baseline.diff.model import CompareOptions
from alembic_baseline.diff.render import describe
from alembic_baseline.errors import ConfigError
from alembic_baseline.expected import VersionTable, inspect_options
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import Scratch, ScratchServer, scratch_server_soon
from alembic_baseline.pg.server import read_server_version
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import Snapshot, inventory
from alembic_baseline.snapshot.inventory import Inventory
from alembic_baseline.snapshot.sources import from_url

Progress = Callable[[str], None]
VersionTableName = tuple[str, str | None]
"""(name, schema) of a version table, as env.py configures it."""


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


def verify(
    project: AlembicProject,
    *,
    url: DatabaseURL | None = None,
    revision: str | None = None,
    pg_major: int | None = None,
    scratch_url: str | None = None,
    progress: Progress = lambda _: None,
    server: ScratchServer | None = None,
) -> VerifyResult:
    """Compare history, baseline (and production) at the old head and at the current heads."""
    manifest = find_manifest(project.script_location, revision)
    major = pg_major or _major_of(url) or int(manifest.server_version.split(".")[0])
    with contextlib.ExitStack() as stack:
        if server is None:  # found (or started) while the history is read
            soon = stack.enter_context(scratch_server_soon(major=major, scratch_url=scratch_url))
        history = History(project, archive=False)  # the archive is read once, by whole_history
        full = stack.enter_context(whole_history(project, manifest, history))
        return _verify(
            project, full, manifest, history.heads(), url, major, scratch_url, progress,
            server or soon.result(),
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
) -> VerifyResult:
    post = heads != (manifest.old_head,)
    seconds: dict[str, float] = {}
    comparisons: list[Comparison] = []
    options = CompareOptions()
    with (
        Scratch(major, scratch_url, server) as scratch,
        # snapshots are read here while the main thread builds the next database; leaving the
        # pool waits for them (before the scratch databases are dropped), also on an error
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="ab-verify") as pool,
    ):
        server = scratch.server()
        # the server creates the baseline's database while the history replays
        base_db = server.create_database_soon(server.new_name("baseline"))
        build = (server, manifest.old_head, heads, post, progress, seconds, pool)
        hist = _build(full, "history", *build)
        vt = hist.version_table
        base = _build(project, "baseline", *build, url=base_db.result(), vt=vt)
        # the rows are compared while the baseline's snapshot is read
        carried = carried_rows(full, manifest, server, hist.at_old_copy, base.at_old_copy, vt)
        hist_snaps = (hist.at_old.result(), hist.at_heads.result(), hist.at_old_copy)
        base_snaps = (base.at_old.result(), base.at_heads.result(), base.at_old_copy)
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
    options = inspect_options(VersionTable(*vt))
    if not post:
        at_old = pool.submit(from_url, url, options)
        return _Built(at_old, at_old, url, vt)
    # read before the copy: CREATE DATABASE … TEMPLATE ends the template's other sessions
    read: Future[Snapshot] = Future()
    read.set_result(from_url(url, options))
    at_old_copy = server.create_database(server.new_name(label), template=url.database)
    progress(f"applying the new revisions on the {label}")
    start = time.perf_counter()
    project.upgrade(url, "heads", scratch=True)
    seconds[f"{label}_post"] = time.perf_counter() - start
    return _Built(read, pool.submit(from_url, url, options), at_old_copy, vt)


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
    prod = from_url(url, inspect_options(VersionTable(*vt)))
    options = CompareOptions()
    if server.major != (_major_of(url) or server.major):
        options = CompareOptions.cross_version()
    if current == (manifest.old_head,):
        return _pair(f"production ≡ history at {manifest.old_head}", hist_snaps[0], prod, options)
    if current == heads:
        return _pair(f"production ≡ history at {', '.join(heads)}", hist_snaps[1], prod, options)
    return Comparison(
        "production",
        (f"production is at {', '.join(current) or 'no revision'}, neither the old head "
         f"{manifest.old_head} nor the heads {', '.join(heads)}: apply or diagnose first",),
    )  # fmt: skip


def replay_to(
    project: AlembicProject,
    server: ScratchServer,
    revision: str,
    url: DatabaseURL | None = None,
) -> tuple[DatabaseURL, VersionTableName]:
    """A new database of ``server`` (``url``: an empty one it made) with the history replayed
    to ``revision`` (never a cached template), and the version table env.py configured there —
    as the replay's sandbox saw it, so env.py does not run once more only to say it."""
    url = url or server.create_database(server.new_name("replay"))
    result = project.upgrade(url, revision, scratch=True)
    seen = result.sandbox.version_table if result.sandbox is not None else None
    return url, seen or project.version_table(url, scratch=True)


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

    options = CompareOptions()
    with Scratch(major, scratch_url, server) as scratch:
        srv = scratch.server()
        prod_vt = version_table or project.version_table(prod)
        snap_options = inspect_options(VersionTable(*prod_vt))
        replayed, replayed_vt = replay_to(project, srv, "heads")
        if on_replay is not None:
            on_replay(replayed, srv.major, replayed_vt)
        history_side = from_url(replayed, snap_options)
        return _pair("drift", history_side, from_url(prod, snap_options), options).differences
