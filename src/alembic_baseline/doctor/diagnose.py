"""``doctor``: every diagnosis for one database, in one pass.

Order of work: the environment (scratch server, pg_dump) and the project's graph cost nothing;
the database is read once (version table rows, INVALID indexes, signature and shape; its full
snapshot on another thread); the recorded revision's expected schema comes from the replay
cache; the real revision is identified only when the bookkeeping or the schema says it must be
(or ``--identify``), because a cold identification replays the whole history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.diff.render import describe
from alembic_baseline.doctor import environment, leftovers, versions
from alembic_baseline.doctor.identify import Identifier, Live, live_state
from alembic_baseline.doctor.model import (
    Diagnosis,
    DoctorReport,
    Identification,
    Match,
)
from alembic_baseline.doctor.problems import HalfApplied, SchemaDrift, WrongRevision
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import SchemaCheck, check_archived, expected_snapshot
from alembic_baseline.expected import inspect_options as vt_options
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.scratch import Scratch

if TYPE_CHECKING:
    from alembic_baseline.baseline.manifest import Manifest
    from alembic_baseline.diff import SchemaDiff
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History
    from alembic_baseline.snapshot import Snapshot

Progress = Callable[[str], None]
IDENTIFY_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class DoctorOptions:
    identify: str = "auto"
    """``auto``: when the version table or the schema calls for it; ``always``; ``never``."""
    schema_check: bool = True


@dataclass
class Doctor:
    """One examination of one database against one project."""

    project: AlembicProject
    history: History
    facts: Facts
    scratch: Scratch
    cache_dir: Path
    scratch_url: str | None = None
    manifest: Manifest | None = None
    options: DoctorOptions = field(default_factory=DoctorOptions)
    progress: Progress = field(default=lambda _: None)
    live: Live | None = None
    """After :meth:`run`: the database as identification saw it."""
    identification: Identification | None = None
    _snapshot: Snapshot | None = None
    _identifier: Identifier | None = None
    not_compared: list[str] = field(default_factory=list)
    """Why a schema comparison or an identification could not be made (AB-D013)."""

    def live_snapshot(self) -> Snapshot:
        if self._snapshot is not None:
            return self._snapshot
        assert self.live is not None, "run() first"
        return self.live.snapshot

    def set_live_snapshot(self, snapshot: Snapshot | None) -> None:
        self._snapshot = snapshot

    def run(self) -> DoctorReport:
        start = time.perf_counter()
        facts, history = self.facts, self.history
        major = facts.server_major
        found: list[Diagnosis] = []
        no_scratch = environment.scratch_problem(major, self.scratch_url)
        found += [d for d in (no_scratch, environment.pg_dump_problem(major)) if d]
        found += versions.graph_diagnoses(history)
        found += leftovers.invalid_index_diagnoses(facts, history)
        usable = no_scratch is None
        likely = self.options.identify == "always" or (
            self.options.identify == "auto" and self.needs_identity(empty=False)
        )
        if usable and likely:
            self.identifier().prepare()  # a replay database, created while production is read
        eager = self.options.schema_check or self.options.identify != "never"
        live = self.live = live_state(
            facts.url, facts.version_table, self.leftover_names(), background=eager
        )
        recorded = self.single_live_revision()
        mismatch = None
        if recorded and usable and self.options.schema_check:
            mismatch = self.compare_recorded(recorded, live)
        ident: Identification | None = None
        empty = live.probe.shape.empty
        wanted = self.options.identify == "always" or (
            self.options.identify == "auto" and (mismatch is not None or self.needs_identity(empty))
        )
        if usable and wanted:
            ident = self.identify(live)
        elif recorded and self.options.schema_check and usable and mismatch is None:
            proven = not self.not_compared  # compared and equal, not "could not compare"
            ident = Identification((Match((recorded,), True),), None, 0, 0, 0.0) if proven else None
        self.identification = ident
        at_archived = None
        if usable and self.options.schema_check and not (ident and ident.exact):
            at_archived = self.compare_archived(live)
        found += versions.version_diagnoses(
            facts, history, empty, ident, self.manifest, at_archived
        )
        if recorded and mismatch is not None:
            found.append(self.schema_diagnosis(recorded, mismatch, ident, live))
        if self.not_compared:
            found.append(environment.not_compared(major, self.not_compared))
        return DoctorReport(
            facts.url.redacted,
            facts.server_version,
            facts.table_label,
            facts.recorded,
            history.heads(),
            tuple(found),
            ident if wanted else None,
            time.perf_counter() - start,
            self.options.schema_check,
        )

    # -- what to look at ---------------------------------------------------------------------
    def leftover_names(self) -> set[str]:
        """INVALID indexes that belong to no applied revision (left out of schema checks); one
        whose revision is recorded as applied stays in: the revision's schema has that index."""
        done = leftovers.applied(self.history, self.facts.recorded)
        names = set()
        for index in self.facts.invalid_indexes:
            rev = leftovers.origin(self.history, index)
            if rev is None or rev.id not in done:
                names.add(index.qualified)
        return names

    def single_live_revision(self) -> str | None:
        recorded = self.facts.recorded
        if len(recorded) == 1 and self.history.locate(recorded[0]) == "live":
            return recorded[0]
        return None

    def needs_identity(self, empty: bool) -> bool:
        facts = self.facts
        if not facts.table_exists or not facts.rows:
            return not empty  # an empty database without revision is just new
        if len(facts.recorded) > 1:
            return True
        return any(self.history.locate(r) != "live" for r in facts.recorded)

    def compare_recorded(self, revision: str, live: Live) -> tuple[Snapshot, SchemaDiff] | None:
        """``revision``'s expected snapshot and its differences from the live schema (None:
        equal, or not comparable here)."""
        from alembic_baseline.diff import CompareOptions, compare

        options = vt_options(self.facts.version_table)
        self.progress(f"schema: comparing with the expected schema of {revision}")
        try:
            expected, _ = expected_snapshot(
                self.project, self.history, self.scratch, revision, options, self.cache_dir
            )
        except SandboxRefusal:
            raise  # env.py reached for another database, or the replay did not run (sandbox)
        except BaselineError as exc:
            self.progress(f"schema: not compared: {exc.message}")
            hint = f" ({exc.hint})" if exc.hint else ""
            self.not_compared.append(
                f"the expected schema of {revision} could not be built: {exc.message}{hint}"
            )
            return None
        diff = compare(expected, live.snapshot, CompareOptions(ignore_column_order=True))
        return (expected, diff) if diff else None

    def compare_archived(self, live: Live) -> SchemaCheck | None:
        """The schema against the one recorded revision when it is archived (the evidence
        ``alembic-baseline upgrade`` needs before it replays the archive); None otherwise."""
        recorded = self.facts.recorded
        if len(recorded) != 1 or self.history.locate(recorded[0]) != "archived":
            return None
        self.progress(f"schema: comparing with the expected schema of archived {recorded[0]}")
        options = vt_options(self.facts.version_table)
        return check_archived(
            self.project, self.history, self.scratch, recorded[0], live.snapshot, options,
            self.cache_dir,
        )  # fmt: skip

    def identifier(self) -> Identifier:
        if self._identifier is None:
            self._identifier = Identifier(
                self.project,
                self.history,
                self.scratch,
                self.facts.version_table,
                self.cache_dir,
                self.progress,
            )
        return self._identifier

    def identify(self, live: Live) -> Identification | None:
        try:
            return self.identifier().identify(live)
        except SandboxRefusal:
            raise  # refused by the sandbox: never reported as "could not identify"
        except BaselineError as exc:
            self.progress(f"identify: failed: {exc.message}")
            hint = f" ({exc.hint})" if exc.hint else ""
            self.not_compared.append(f"identification failed: {exc.message}{hint}")
            return None

    # -- the schema against the recorded revision ----------------------------------------------
    def schema_diagnosis(
        self,
        recorded: str,
        mismatch: tuple[Snapshot, SchemaDiff],
        ident: Identification | None,
        live: Live,
    ) -> Diagnosis:
        expected, diff = mismatch
        lines = describe(diff)
        context = {"recorded": recorded, "differences": str(len(diff.changes))}
        if ident is not None and ident.exact and ident.revision != (recorded,):
            return self.wrong_revision(recorded, ident, context, lines)
        undo = _undo_sql(expected, live)
        partial = leftovers.partial_revision(self.history, recorded)
        if partial is not None:
            return HalfApplied.of(
                f"The schema matches neither the recorded revision {recorded} nor the next one, "
                f"{partial.id} ({partial.message}), whose autocommit block commits statement by "
                "statement: it probably stopped midway.",
                f"{versions.diff_command(self.facts.server_major, recorded)} > undo.sql  "
                "# review and run it, then: alembic-baseline apply (re-runs "
                f"{partial.id})",
                {**context, "revision": partial.id},
                lines,
                None,
                undo,
                lines,
            )
        closest = ident.closest if ident else None
        extra: tuple[str, ...] = ()
        if closest is not None and closest.heads != (recorded,):
            extra = (f"nearest replayed revision: {closest.label} ({closest.distance} diff.)",)
        return SchemaDrift.of(
            f"The schema differs from its recorded revision {recorded} in "
            f"{len(diff.changes)} place(s): changed by hand or by code outside the history.",
            f"{versions.diff_command(self.facts.server_major, recorded)} > fix.sql  # review it: "
            "either apply it, or turn the change into a revision",
            context,
            (*lines, *extra),
            None,
            undo,
            lines,
        )

    def wrong_revision(
        self,
        recorded: str,
        ident: Identification,
        context: dict[str, str],
        differences: tuple[str, ...] = (),
    ) -> Diagnosis:
        real = ident.exact[0].label
        below = versions.ancestors(self.history, recorded)
        if set(ident.revision or ()) <= below:
            story = (
                f"the revisions after {real} up to {recorded} are recorded but were never "
                "applied — `alembic upgrade` would skip them"
            )
        else:
            story = (
                f"revisions up to {real} were applied but not recorded — `alembic upgrade` "
                "would run them again"
            )
        fix, action, details = versions.restamp_fix(ident, self.facts.server_major)
        return WrongRevision.of(
            f"The version table says {recorded}, but the schema is exactly revision {real}: "
            f"{story}.",
            fix,
            {**context, "identified": real},
            tuple(details),
            action,
            differences=differences,
        )


def _undo_sql(expected: Snapshot, live: Live) -> str | None:
    """DDL that turns the live schema into the recorded revision's (shown for review)."""
    from alembic_baseline.diff import CompareOptions, compare

    back = compare(live.snapshot, expected, CompareOptions(ignore_column_order=True))
    return back.to_sql() or None
