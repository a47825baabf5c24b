"""Phase 2 of an examination: the live state — production as identification and the schema
checks see it (after phase 1, :mod:`.facts`).

Its fingerprints (signature and shape) are read at once; its full catalog snapshot, the costly
part, is read on another thread while the replay runs (the catalog queries wait on
production's server, not on this process), or on first use. INVALID indexes that belong to no
applied revision are left out of both: they are leftovers (diagnosed by :mod:`.leftovers`), not
schema drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING

from alembic_baseline.doctor import leftovers
from alembic_baseline.doctor import shape as sh
from alembic_baseline.expected import inspect_options
from alembic_baseline.snapshot.sources import from_url

if TYPE_CHECKING:
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.expected import VersionTable
    from alembic_baseline.history.graph import History
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.snapshot import Snapshot

SETTLE_S = 60.0
"""How long the end of a command waits for an unused background snapshot (its queries have
statement timeouts of their own)."""


@dataclass(frozen=True)
class Live:
    """Production now: its fingerprints, and its snapshot (read once, when first asked for)."""

    probe: sh.Probe
    leftovers: frozenset[str]
    """INVALID indexes (``schema.name``) left out of the fingerprints and the snapshot."""
    read: Callable[[], Snapshot] = field(compare=False, repr=False)
    """Reads the snapshot (or waits for the thread reading it); called once."""
    reading: Future[Snapshot] | None = field(default=None, compare=False, repr=False)
    """The thread reading it, when it is read in the background."""

    def settle(self, timeout: float = SETTLE_S) -> None:
        """Wait for the background read (its result unused, its errors not raised): a thread
        left reading after the command returned would outlive the command that started it."""
        if self.reading is not None:
            wait([self.reading], timeout)

    @cached_property
    def snapshot(self) -> Snapshot:
        return self.read()

    def without_index(self, qualified: str) -> Snapshot:
        """The snapshot with one more index left out (what a repair that drops it leaves)."""
        snap = self.snapshot
        return snap.with_objects(
            indexes=[i for i in snap.indexes if f"{i.schema}.{i.name}" != qualified]
        )


def _snapshot(url: DatabaseURL, version_table: VersionTable, invalid: frozenset[str]) -> Snapshot:
    snap = from_url(url, inspect_options(version_table))
    if invalid:
        snap = snap.with_objects(
            indexes=[i for i in snap.indexes if f"{i.schema}.{i.name}" not in invalid]
        )
    return snap


def live_state(
    url: DatabaseURL,
    version_table: VersionTable,
    invalid: Iterable[str],
    *,
    background: bool = True,
) -> Live:
    """Production's fingerprints now, its snapshot in the background (``invalid``: INVALID
    indexes, as ``schema.name``, left out of both)."""
    left = frozenset(invalid)
    probe = sh.probe(url, version_table, tuple(sorted(left)))
    read = partial(_snapshot, url, version_table, left)
    if background:
        # Not a `with` block: leaving one waits for the thread, which is what this avoids.
        pool = ThreadPoolExecutor(1, thread_name_prefix="ab-live-snapshot")
        pending = pool.submit(read)
        pool.shutdown(wait=False)
        return Live(probe, left, pending.result, pending)
    return Live(probe, left, read)


def leftover_names(facts: Facts, history: History) -> set[str]:
    """INVALID indexes that belong to no applied revision (left out of schema checks); one
    whose revision is recorded as applied stays in: the revision's schema has that index."""
    done = leftovers.applied(history, facts.recorded)
    names = set()
    for index in facts.invalid_indexes:
        rev = leftovers.origin(history, index)
        if rev is None or rev.id not in done:
            names.add(index.qualified)
    return names


def read_live(facts: Facts, history: History, *, background: bool = True) -> Live:
    """Phase 2: the live state of the database ``facts`` describe."""
    return live_state(
        facts.url, facts.version_table, leftover_names(facts, history), background=background
    )
