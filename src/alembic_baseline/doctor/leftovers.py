"""Half-applied revisions: what an ``autocommit_block()`` leaves behind when it stops midway.

Inside ``autocommit_block()`` every statement commits on its own, so a revision killed or failed
there is neither applied nor rolled back. The classic leftover is an INVALID index from an
interrupted ``CREATE INDEX CONCURRENTLY``: it slows every write, answers no query, and — because
such revisions are often written with ``if_not_exists=True`` — makes the re-run skip the index
and record the revision as applied with the index still broken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_baseline.doctor.model import Diagnosis, Severity
from alembic_baseline.doctor.problems import HalfApplied
from alembic_baseline.doctor.versions import REPAIR, ancestors
from alembic_baseline.history.code import uses_autocommit_block

if TYPE_CHECKING:
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.history.graph import History, Revision
    from alembic_baseline.pg.server import InvalidIndex


def origin(history: History, index: InvalidIndex) -> Revision | None:
    """The revision that creates ``index`` in an autocommit block (its file names the index)."""
    for rev in history.live.values():
        text = rev.path.read_text(encoding="utf-8", errors="replace")
        if index.name in text and uses_autocommit_block(rev.path):
            return rev
    return None


def applied(history: History, recorded: tuple[str, ...]) -> set[str]:
    """Live revisions the version table counts as applied."""
    done: set[str] = set()
    for rev in recorded:
        if history.locate(rev) == "live":
            done |= ancestors(history, rev)
    return done


def invalid_index_diagnoses(facts: Facts, history: History) -> list[Diagnosis]:
    found = []
    done = applied(history, facts.recorded)
    for index in facts.invalid_indexes:
        context = {"index": index.qualified, "table": f"{index.schema}.{index.table}"}
        if index.building:
            found.append(
                HalfApplied.of(
                    f"The index {index.qualified} is INVALID because a CREATE INDEX "
                    "CONCURRENTLY is building it right now.",
                    "wait for it to finish (pg_stat_progress_create_index)",
                    context,
                    severity=Severity.INFO,
                )
            )
            continue
        found.append(_leftover(index, origin(history, index), done, facts.recorded, context))
    return found


def _leftover(
    index: InvalidIndex,
    rev: Revision | None,
    done: set[str],
    recorded: tuple[str, ...],
    context: dict[str, str],
) -> Diagnosis:
    drop = f"DROP INDEX CONCURRENTLY {index.qualified};"
    rebuild = f"REINDEX INDEX CONCURRENTLY {index.qualified};"
    head = f"The index {index.qualified} on {index.schema}.{index.table} is INVALID"
    if rev is None:
        return HalfApplied.of(
            f"{head}, left by an interrupted CREATE INDEX CONCURRENTLY that no revision of "
            "this project names. It slows writes and serves no query.",
            f"{REPAIR} --fix drop-invalid-index --yes",
            context,
            (index.definition,),
            "drop-invalid-index",
            drop,
            severity=Severity.WARNING,
        )
    context = {**context, "revision": rev.id}
    if rev.id not in done:
        return HalfApplied.of(
            f"{head}: revision {rev.id} ({rev.message}) stopped midway in its autocommit block. "
            "It is not recorded as applied; re-running it would trip over (or, with "
            "if_not_exists, silently keep) the broken index.",
            f"{REPAIR} --fix drop-invalid-index --yes  # then: alembic-baseline apply",
            context,
            (index.definition,),
            "drop-invalid-index",
            drop,
        )
    if recorded == (rev.id,):
        detail = "drop it and un-record the revision, or rebuild it in place"
        fix = (
            f"{REPAIR} --fix rebuild-index --yes  # or --fix drop-invalid-index (re-runs {rev.id})"
        )
    else:
        detail = "later revisions are applied on top: rebuild it in place"
        fix = f"{REPAIR} --fix rebuild-index --yes"
    return HalfApplied.of(
        f"{head} although revision {rev.id} ({rev.message}), which creates it, is recorded as "
        "applied: its autocommit step stopped midway and a re-run skipped the index "
        f"(if_not_exists) — {detail}.",
        fix,
        context,
        (index.definition,),
        "rebuild-index",
        rebuild,
    )


def partial_revision(history: History, recorded: str) -> Revision | None:
    """The next revision after ``recorded`` when it runs statements in an autocommit block."""
    for rev in history.live.values():
        if recorded in rev.down_revisions and uses_autocommit_block(rev.path):
            return rev
    return None
