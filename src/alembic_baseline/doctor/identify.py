"""Phase 3 of an examination: which revision is the live schema really at? Replay,
fingerprint every state, compare (after :mod:`.facts` and :mod:`.live`).

1. The upgrade order of the whole history gives a chain of states (the empty database, then the
   version table's rows after each revision); each state has a cache key (:mod:`.cache`).
2. States the cache does not know are produced by one ``upgrade heads`` replay on a scratch
   database of production's major, taking the signature after every revision from inside the
   revision's transaction (:mod:`.replay`, :mod:`.shape`). A state whose signature equals
   production's is looked at closely right there, while the replay stands on it: its shape, and
   when the shape is equal too, its full catalog snapshot.
3. Those candidates are compared with production as full snapshots (the comparison ``status``
   uses: column order ignored). Every equal one is an exact match; the earliest is the answer,
   because later schema-identical revisions changed data only and must not be claimed.
4. With no exact match, the states nearest by signature are snapshotted (one more replay when
   the cache lacks them) and the one with the fewest differences is reported with them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline import statedir
from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.diff.render import describe
from alembic_baseline.doctor import shape as sh
from alembic_baseline.doctor.cache import FingerprintCache, State, root_key, states
from alembic_baseline.doctor.live import Live
from alembic_baseline.doctor.model import Identification, Match
from alembic_baseline.doctor.replay import Step, upgrade_order, upgrade_with_hook
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import (
    VersionTable,
    expected_snapshot,
    inspect_options,
)
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.snapshot import inspect

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.snapshot import Snapshot

Progress = Callable[[str], None]
CLOSEST_CONFIRMED = 3
"""How many of the nearest states (by signature) are compared in full when nothing matches."""
UNKNOWN = 1 << 30
"""The shape distance of a state whose shape was not taken (sorted after every known one)."""


@dataclass
class Identifier:
    """One identification: the project, a scratch server on demand, the caches."""

    project: AlembicProject
    history: History
    scratch: Scratch
    version_table: VersionTable
    cache_dir: Path
    """``.alembic-baseline/cache``: fingerprints go to ``fingerprints/``."""
    progress: Progress = field(default=lambda _: None)

    def __post_init__(self) -> None:
        self.cache = FingerprintCache(
            self.cache_dir / statedir.FINGERPRINTS, self.scratch.wanted_major()
        )
        self.options = inspect_options(self.version_table)
        self.signatures: dict[str, sh.Signature] = {}
        self.shapes: dict[str, sh.Shape] = {}
        self.snapshots: dict[str, Snapshot] = {}
        """Taken by this run (the cache file is only for the next one)."""
        self.replayed = 0
        self._chain: list[State] | None = None
        self._database: Future[DatabaseURL] | None = None

    def chain(self) -> list[State]:
        if self._chain is None:
            root = root_key(self.history, self.scratch.wanted_major(), self.version_table)
            self._chain = states(self.history, upgrade_order(self.history), root)
        return self._chain

    def prepare(self) -> None:
        """When the cache lacks states, start creating the replay's database now, on another
        thread: CREATE DATABASE costs tens of milliseconds of the server's time, which the
        caller's own work (reading production) can cover."""
        self.signatures = self.cache.signatures()
        if self._database is not None or all(s.key in self.signatures for s in self.chain()):
            return
        server = self.scratch.server()
        self._database = server.create_database_soon(server.new_name("identify"))

    def _new_database(self) -> DatabaseURL:
        if self._database is not None:
            pending, self._database = self._database, None
            return pending.result()
        server = self.scratch.server()
        return server.create_database(server.new_name("identify"))

    def identify(self, live: Live) -> Identification:
        start = time.perf_counter()
        chain = self.chain()
        self.signatures = self.signatures or self.cache.signatures()
        if not all(self._known(s, live) for s in chain):
            self._replay(chain, live, set())
        exact = [m for m in (self._confirm(s, live) for s in self._candidates(chain, live))]
        exact = [m for m in exact if m.exact]
        closest = None
        if not exact:
            nearest = self._nearest(chain, live)
            # A state the fingerprints missed but the full snapshot finds equal is exact all
            # the same: the snapshot decides (equal states have equal signatures, so they come
            # first among the nearest, in upgrade order).
            exact = [m for m in nearest if m.exact]
            confirmed = [m for m in nearest if m.distance >= 0] or nearest
            if not exact and confirmed:
                closest = min(confirmed, key=lambda m: abs(m.distance))
        return Identification(
            tuple(exact), closest, len(chain), self.replayed, time.perf_counter() - start
        )

    def _shape(self, key: str) -> sh.Shape | None:
        if key not in self.shapes:
            found = self.cache.shape(key)
            if found is None:
                return None
            self.shapes[key] = found
        return self.shapes[key]

    def _known(self, state: State, live: Live) -> bool:
        """Whether the cache holds all this state needs to be judged against ``live``."""
        if state.key not in self.signatures:
            return False
        if self.signatures[state.key] != live.probe.signature:
            return True
        shape = self._shape(state.key)
        if shape is None:
            return False
        return shape.digest != live.probe.shape.digest or self.cache.has_snapshot(state.key)

    def _candidates(self, chain: list[State], live: Live) -> Iterator[State]:
        for state in chain:
            if self.signatures.get(state.key) != live.probe.signature:
                continue
            shape = self._shape(state.key)
            if shape is not None and shape.digest == live.probe.shape.digest:
                yield state

    # -- the replay ------------------------------------------------------------------------
    def _replay(self, chain: list[State], live: Live, wanted: set[str]) -> None:
        """Replay the history once; fingerprint uncached states; look closely at the states
        that resemble ``live`` or are ``wanted`` (snapshots for the nearest ones)."""
        server = self.scratch.server()
        self.progress(
            f"identify: replaying {len(chain) - 1} revision(s) on {server.description} "
            "to fingerprint the schema after each"
        )
        url = self._new_database()
        try:
            base = chain[0]
            if base.key not in self.signatures or base.key in wanted:
                found = sh.probe(url, self.version_table)
                self.signatures[base.key] = found.signature
                self.shapes[base.key] = found.shape
                self.cache.store_shape(base.key, found.shape)
            upgrade_with_hook(self.project, url, self._hook(iter(chain[1:]), live, wanted))
        finally:
            server.drop_database(url.database)
        self.replayed += 1
        self.cache.store_signatures(chain, self.signatures)

    def _hook(
        self, steps: Iterator[State], live: Live, wanted: set[str]
    ) -> Callable[[MigrationContext, Step], None]:
        vt = self.version_table
        installed: list[bool] = []

        def hook(ctx: MigrationContext, step: Step) -> None:
            state = next(steps)
            if (state.revision, state.heads) != (step.revision, step.heads):
                raise BaselineError(
                    f"The replay applied {step.revision} where {state.revision} was expected: "
                    "Alembic's upgrade order differs from the one computed.",
                    hint="Report this as a bug, with the project's revision graph.",
                )
            if not installed:
                for statement in sh.install_functions(vt.name, vt.schema):
                    _execute(ctx, statement)
                installed.append(True)
            if state.key not in self.signatures:
                row = _execute(ctx, sh.CALL_SIGNATURE)[0]
                self.signatures[state.key] = sh.signature_from_row(row)
            close = self.signatures[state.key] == live.probe.signature
            if not close and state.key not in wanted:
                return
            shape = self._shape(state.key)
            if shape is None:
                shape = sh.shape_from_rows(_execute(ctx, sh.CALL_SHAPE))
                self.shapes[state.key] = shape
                self.cache.store_shape(state.key, shape)
            if shape.digest == live.probe.shape.digest or state.key in wanted:
                self._snapshot_here(ctx, state)

        return hook

    def _snapshot_here(self, ctx: MigrationContext, state: State) -> None:
        """The full snapshot of a state, taken inside the revision's transaction (in a savepoint
        rolled back afterwards: the inspector's SET LOCAL must not outlive it)."""
        import psycopg

        if state.key in self.snapshots or self.cache.has_snapshot(state.key):
            return
        if ctx.connection is None:
            return
        raw = ctx.connection.connection.driver_connection
        if not isinstance(raw, psycopg.Connection):
            return  # an async driver: confirmed later from a replay of its own
        with raw.transaction(force_rollback=True):
            snap = inspect(raw, self.options)
        self.snapshots[state.key] = snap
        self.cache.store_snapshot(state.key, snap)

    # -- judging -----------------------------------------------------------------------------
    def _snapshot_of(self, state: State) -> Snapshot | None:
        snap = self.snapshots.get(state.key) or self.cache.snapshot(state.key)
        if snap is None and len(state.heads) == 1:
            # One head means every applied revision is its ancestor: the state is `upgrade R`.
            snap, _ = expected_snapshot(
                self.project, self.history, self.scratch, state.heads[0], self.options,
                self.cache_dir,
            )  # fmt: skip
        return snap

    def _confirm(self, state: State, live: Live) -> Match:

        if state.revision is None:  # the empty database: equal shapes are all there is
            shape = self._shape(state.key) or sh.Shape()
            distance = shape.distance(live.probe.shape)
            return Match((), distance == 0, shape.differences(live.probe.shape), distance)
        expected = self._snapshot_of(state)
        if expected is None:
            return Match(state.heads, False, ("not confirmed by a full snapshot",), -1)
        diff = compare(expected, live.snapshot, CompareOptions(ignore_column_order=True))
        return Match(state.heads, not diff, describe(diff), len(diff.changes))

    def _nearest(self, chain: list[State], live: Live) -> list[Match]:
        """The states nearest to ``live`` by signature (then by shape, where the replay took
        one: every state with production's signature), each compared in full."""

        def distance(state: State) -> tuple[int, int]:
            shape = self._shape(state.key)
            apart = shape.distance(live.probe.shape) if shape is not None else UNKNOWN
            return sh.signature_distance(self.signatures[state.key], live.probe.signature), apart

        # Among equals the earliest state first, as for exact matches: never claim more.
        nearest = sorted(chain, key=distance)[:CLOSEST_CONFIRMED]
        if not nearest:
            return []
        if any(s.revision is not None and not self.cache.has_snapshot(s.key) for s in nearest):
            try:
                self._replay(chain, live, {s.key for s in nearest})
            except SandboxRefusal:
                raise  # refused by the sandbox
            except BaselineError as exc:
                self.progress(f"identify: the nearest states could not be rebuilt: {exc}")
        return [self._confirm(s, live) for s in nearest]


def _execute(ctx: MigrationContext, statement: str) -> list[Any]:
    """Run one statement on the migration's connection: straight on a psycopg connection (the
    hook runs after every revision; SQLAlchemy's execution layer would double its cost), else
    through SQLAlchemy and whatever driver env.py chose."""
    import psycopg

    assert ctx.connection is not None
    raw = ctx.connection.connection.driver_connection
    if isinstance(raw, psycopg.Connection):
        cursor = raw.execute(statement.encode())
        return cursor.fetchall() if cursor.description else []
    result = ctx.connection.exec_driver_sql(statement)
    return list(result.fetchall()) if result.returns_rows else []
