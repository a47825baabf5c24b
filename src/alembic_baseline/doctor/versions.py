"""Diagnoses of the version bookkeeping: the version table against the project's revision graph.

Each function looks at one family of problems and returns diagnoses; where the way out is "stamp
the revision the schema really is at", the fix comes from the identification (never from a
guess: with no exact match the fix says what differs instead of offering a stamp).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from alembic_baseline.doctor.model import Baseline, Diagnosis, Identification, Severity
from alembic_baseline.doctor.problems import (
    BridgeNotApplied,
    MultipleHeads,
    NotHeadNorAncestor,
    SeveralRows,
    UnknownRevision,
    VersionTableEmpty,
    VersionTableMissing,
)

if TYPE_CHECKING:
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.expected import SchemaCheck
    from alembic_baseline.history.graph import History

REPAIR = "alembic-baseline repair"


def to_options(heads: Iterable[str]) -> str:
    return " ".join(f"--to {h}" for h in heads)


def diff_command(major: int, revision: str) -> str:
    """``diff --sql`` from the database to ``revision``, replayed on production's major: a
    newer major's catalog (PostgreSQL 18's named NOT NULL constraints) would write DDL that
    production rejects."""
    return f'alembic-baseline --pg-major {major} diff --sql "$DATABASE_URL" rev:{revision}'


def restamp_fix(ident: Identification | None, major: int) -> tuple[str, str | None, list[str]]:
    """``(fix, repair action, details)`` for "record the revision the schema is at"."""
    if ident is None:
        return (
            "alembic-baseline doctor --identify (where a scratch PostgreSQL "
            f"{major} is available: `alembic-baseline scratch install {major}` or "
            "--scratch-url)",
            None,
            ["the real revision could not be identified here"],
        )
    if ident.exact:
        heads = ident.exact[0].heads
        details = [f"the schema equals revision {ident.exact[0].label} exactly"]
        if len(ident.exact) > 1:
            later = ", ".join(m.label for m in ident.exact[1:])
            details.append(
                f"also equal: {later} (revisions in between change data only; the earliest is "
                "chosen so that no data migration is marked as applied — stamp a later one only "
                "if its data changes are present)"
            )
        if not heads:
            return "alembic upgrade head (the schema is empty)", None, details
        return f"{REPAIR} --fix restamp {to_options(heads)} --yes", "restamp", details
    closest = ident.closest
    if closest is None:
        return "no replayed revision resembles this schema", None, []
    details = [
        f"no revision matches exactly; closest: {closest.label} with "
        f"{abs(closest.distance)} difference(s)",
        *closest.differences,
    ]
    target = closest.heads[0] if len(closest.heads) == 1 else "REV"
    fix = (
        f"{diff_command(major, target)} > fix.sql  # review, apply, "
        f"then {REPAIR} --fix restamp --to {target} --yes"
    )
    return fix, None, details


def graph_diagnoses(history: History) -> list[Diagnosis]:
    heads = history.heads()
    if len(heads) <= 1:
        return []
    return [
        MultipleHeads.of(
            f"The project has {len(heads)} heads ({', '.join(heads)}) and no merge revision: "
            "`alembic upgrade head` refuses, and each database may follow another branch.",
            'alembic merge heads -m "merge heads"',
            {"heads": ", ".join(heads)},
        )
    ]


def ancestors(history: History, revision: str) -> set[str]:
    """``revision`` and everything below it (live revisions only)."""
    found = history.script.iterate_revisions(revision, "base")
    return {s.revision for s in found if s is not None}


def mentions(history: History, revision: str) -> list[str]:
    """Revision files whose text mentions ``revision`` (a renamed id leaves traces)."""
    files = [*history.live.values(), *history.archived.values()]
    return sorted(
        str(r.path.name)
        for r in files
        if revision in r.path.read_text(encoding="utf-8", errors="replace")
    )


def version_diagnoses(
    facts: Facts,
    history: History,
    empty: bool,
    ident: Identification | None,
    baseline: Baseline | None,
    at_archived: SchemaCheck | None = None,
) -> list[Diagnosis]:
    """D001–D005 and D009 from the version table's rows (``empty``: the schema has no objects;
    ``at_archived``: the schema compared with the recorded archived revision's)."""
    fix, action, details = restamp_fix(ident, facts.server_major)
    where = {"version_table": facts.table_label, "database": facts.url.redacted}
    if not facts.table_exists or not facts.rows:
        if empty:
            return []
        kind, what = (
            (VersionTableMissing, f"no version table {facts.table_label}")
            if not facts.table_exists
            else (VersionTableEmpty, f"an empty version table {facts.table_label}")
        )
        message = (
            f"The database has a schema but {what}: Alembic takes it for an empty database and "
            "would run every revision again (and fail on the first CREATE)."
        )
        return [kind.of(message, fix, where, tuple(details), action)]
    found = _duplicates(facts, fix, action, details, where)
    found += _unknown(facts, history, fix, action, details, where)
    found += _archived(facts, history, ident, baseline, where, at_archived)
    found += _overlapping(facts, history, fix, action, details, where)
    return found


def _duplicates(
    facts: Facts, fix: str, action: str | None, details: list[str], where: dict[str, str]
) -> list[Diagnosis]:
    twice = sorted({r for r in facts.rows if facts.rows.count(r) > 1})
    if not twice:
        return []
    return [
        SeveralRows.of(
            f"The version table holds {len(facts.rows)} rows with {', '.join(twice)} more than "
            "once: Alembic's bookkeeping expects one row per head.",
            fix.replace("--fix restamp", "--fix dedupe") if action == "restamp" else fix,
            {**where, "rows": ", ".join(facts.rows)},
            tuple(details),
            "dedupe" if action == "restamp" else None,
        )
    ]


def _unknown(
    facts: Facts,
    history: History,
    fix: str,
    action: str | None,
    details: list[str],
    where: dict[str, str],
) -> list[Diagnosis]:
    found = []
    for rev in (r for r in facts.recorded if history.locate(r) is None):
        traces = mentions(history, rev)
        story = (
            f"it is mentioned in {', '.join(traces)} (renamed?)"
            if traces
            else "it was deleted or renamed, or the database was migrated from another "
            "branch or checkout (`git log --all -S " + rev + "` finds the file)"
        )
        found.append(
            UnknownRevision.of(
                f"The version table records {rev}, which is neither a live nor an archived "
                f'revision of this project: {story}. Alembic stops with "Can\'t locate revision".',
                fix,
                {**where, "recorded": rev},
                tuple(details),
                action,
            )
        )
    return found


def _archived(
    facts: Facts,
    history: History,
    ident: Identification | None,
    baseline: Baseline | None,
    where: dict[str, str],
    at_archived: SchemaCheck | None,
) -> list[Diagnosis]:
    """D009. ``alembic-baseline upgrade`` replays the archived revisions after the recorded one:
    it is advised only with evidence that the schema is at that revision; a schema identified as
    a live revision gets the restamp to it, anything else what differs."""
    behind = [r for r in facts.recorded if history.locate(r) == "archived"]
    if not behind:
        return []
    bridge = baseline.old_head if baseline else None
    files = ", ".join(str(history.archived[r].path) for r in behind)
    where = {**where, "archived_file": files, "bridge": str(bridge)}
    # The baseline and its no-op bridge have the same schema: the bridge is among the matches.
    at_bridge = ident is not None and any(m.heads == (bridge,) for m in ident.exact)
    base = baseline.revision if baseline else "the baseline"
    recorded = ", ".join(behind)
    message = (
        f"The database is at {recorded}, a revision archived by {base}: plain "
        f'`alembic upgrade` cannot continue from it ("Can\'t locate revision").'
    )
    if at_bridge:
        return [
            BridgeNotApplied.of(
                message + f" Its schema already equals the bridge {bridge} (the old head).",
                f"{REPAIR} --fix bridge --yes",
                where,
                (f"the schema equals {bridge} exactly: only the version table is behind",),
                "bridge",
            )
        ]
    if ident is not None and ident.exact:
        real = ident.exact[0].label
        fix, action, details = restamp_fix(ident, facts.server_major)
        return [
            BridgeNotApplied.of(
                message + f" But its schema is exactly revision {real}: only the version table "
                f"is wrong, and `alembic-baseline upgrade` would replay the archived revisions "
                f"after {recorded} on it (it refuses).",
                fix,
                {**where, "identified": real},
                tuple(details),
                action,
            )
        ]
    if at_archived is not None and at_archived.matches:
        return [
            BridgeNotApplied.of(
                message + f" The archived revisions must run first, up to the bridge {bridge}.",
                "alembic-baseline upgrade",
                where,
                (
                    f"the schema equals archived revision {recorded} exactly",
                    "alembic-baseline upgrade runs the archived revisions, then the live ones",
                ),
                severity=Severity.WARNING,
            )
        ]
    fix, action, details = restamp_fix(ident, facts.server_major)
    if at_archived is None or at_archived.matches is None:
        why = at_archived.detail if at_archived else "the schema was not compared"
        story = f" Whether its schema is at {recorded} is not known ({why})"
    else:
        story = f" Its schema is not at {recorded} either ({at_archived.detail})"
    differences = at_archived.differences if at_archived else ()
    return [
        BridgeNotApplied.of(
            message + story + ": `alembic-baseline upgrade` is not safe here (it refuses).",
            fix,
            where,
            tuple(details),
            action,
            differences=differences,
        )
    ]


def _overlapping(
    facts: Facts,
    history: History,
    fix: str,
    action: str | None,
    details: list[str],
    where: dict[str, str],
) -> list[Diagnosis]:
    live = [r for r in facts.recorded if history.locate(r) == "live"]
    found = []
    for rev in live:
        below = ancestors(history, rev) - {rev}
        for other in sorted(set(live) & below):
            found.append(
                NotHeadNorAncestor.of(
                    f"The version table records both {other} and {rev}, but {other} is an "
                    f"ancestor of {rev}: {other} is not a head and not the ancestor of another "
                    'recorded head. Alembic refuses ("overlaps with other requested revisions").',
                    fix,
                    {**where, "rows": ", ".join(facts.rows)},
                    tuple(details),
                    action,
                )
            )
    return found
