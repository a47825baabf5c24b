"""Phase 4 of an examination: the diagnoses, from the values the earlier phases returned (the
facts, the live state, the identification, the schema comparisons). Reads nothing itself but
the revision files; see :mod:`.examine` for the phases in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_baseline.diff.render import describe
from alembic_baseline.doctor import environment, leftovers, versions
from alembic_baseline.doctor.model import Baseline, Diagnosis, Identification
from alembic_baseline.doctor.problems import HalfApplied, SchemaDrift, WrongRevision

if TYPE_CHECKING:
    from alembic_baseline.diff import SchemaDiff
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.doctor.live import Live
    from alembic_baseline.expected import SchemaCheck
    from alembic_baseline.history.graph import History
    from alembic_baseline.snapshot import Snapshot

Mismatch = tuple["Snapshot", "SchemaDiff"]
"""The recorded revision's expected snapshot, and how the live schema differs from it."""


def diagnoses(
    facts: Facts,
    history: History,
    baseline: Baseline | None,
    live: Live,
    ident: Identification | None,
    mismatch: Mismatch | None,
    at_archived: SchemaCheck | None,
    not_compared: tuple[str, ...],
) -> list[Diagnosis]:
    """The version table's diagnoses, the schema's against its recorded revision, and AB-D013
    when a comparison or an identification could not be made."""
    empty = live.probe.shape.empty
    found = versions.version_diagnoses(facts, history, empty, ident, baseline, at_archived)
    recorded = facts.recorded[0] if len(facts.recorded) == 1 else None
    if recorded is not None and mismatch is not None:
        found.append(schema_diagnosis(facts, history, recorded, mismatch, ident, live))
    if not_compared:
        found.append(environment.not_compared(facts.server_major, list(not_compared)))
    return found


def schema_diagnosis(
    facts: Facts,
    history: History,
    recorded: str,
    mismatch: Mismatch,
    ident: Identification | None,
    live: Live,
) -> Diagnosis:
    """AB-D006/D007/D012: the schema is not its recorded revision's — identified as another
    revision, stopped midway in an autocommit block, or changed outside the history."""
    expected, diff = mismatch
    lines = describe(diff)
    context = {"recorded": recorded, "differences": str(len(diff.changes))}
    if ident is not None and ident.exact and ident.revision != (recorded,):
        return wrong_revision(facts, history, recorded, ident, context, lines)
    undo = _undo_sql(expected, live)
    partial = leftovers.partial_revision(history, recorded)
    if partial is not None:
        return HalfApplied.of(
            f"The schema matches neither the recorded revision {recorded} nor the next one, "
            f"{partial.id} ({partial.message}), whose autocommit block commits statement by "
            "statement: it probably stopped midway.",
            f"{versions.diff_command(facts.server_major, recorded)} > undo.sql  "
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
        f"{versions.diff_command(facts.server_major, recorded)} > fix.sql  # review it: "
        "either apply it, or turn the change into a revision",
        context,
        (*lines, *extra),
        None,
        undo,
        lines,
    )


def wrong_revision(
    facts: Facts,
    history: History,
    recorded: str,
    ident: Identification,
    context: dict[str, str],
    differences: tuple[str, ...] = (),
) -> Diagnosis:
    real = ident.exact[0].label
    below = versions.ancestors(history, recorded)
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
    fix, action, details = versions.restamp_fix(ident, facts.server_major)
    return WrongRevision.of(
        f"The version table says {recorded}, but the schema is exactly revision {real}: {story}.",
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
