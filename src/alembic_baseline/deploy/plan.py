"""The plan: exactly the SQL ``apply`` would run, the checklist, and the locks it takes.

Runbook steps 2–5 (``alembic current``, ``alembic upgrade head --sql > migration_plan.sql``,
``less migration_plan.sql``) with one correction: the SQL is rendered offline *from the revision
the database actually records* (``cur:head``), not from an empty database, so the file shows
only what will run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic_baseline.deploy import locks
from alembic_baseline.deploy.locks import LockFinding
from alembic_baseline.deploy.pending import PendingRevision as PendingRevision
from alembic_baseline.deploy.pending import revision_phase as revision_phase
from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.expected import SchemaCheck, compare_with_expected
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.runbook import backup, checks
from alembic_baseline.runbook.items import Backup, CheckItem, Lint, SchemaMatches, Status

Linter = Callable[[list[str]], list[str]]
"""Lints revision ids, returns one line per finding (the lint feature, wired in by commands)."""


@dataclass(frozen=True)
class Rehearsal:
    """``plan --rehearse``: the pending revisions applied to a scratch copy of production."""

    ok: bool
    seconds: dict[str, float]
    """Seconds per revision (and ``copy`` for making the scratch copy)."""
    reference_tables: tuple[str, ...]
    schema: SchemaCheck | None
    """The copy after the upgrade against the expected schema of the target."""
    changes: tuple[str, ...]
    """What the upgrade changed in the copy (production before → copy after)."""
    error: str | None = None
    sampled_rows: int = 0
    """Rows copied from production into the copy (``--sample-rows``), reference tables aside."""


@dataclass(frozen=True)
class Plan:
    """What ``apply`` will do to one database, and whether it may."""

    database: str
    server_version: str
    current: tuple[str, ...]
    target: str
    target_revisions: tuple[str, ...]
    pending: tuple[PendingRevision, ...]
    sql: str
    locks: tuple[LockFinding, ...]
    checks: tuple[CheckItem, ...]
    schema: SchemaCheck | None
    rehearsal: Rehearsal | None = None
    sql_file: Path | None = None
    seconds: float = 0.0

    @property
    def up_to_date(self) -> bool:
        return not self.pending

    def blocking(self, skipped: tuple[str, ...] = ()) -> list[CheckItem]:
        return checks.failing(self.checks, skipped)


def resolve_target(history: History, target: str) -> tuple[str, ...]:
    """Revision ids a target names (``heads``, ``head``, an id, a branch label)."""
    from alembic.util import CommandError

    try:
        revs = history.script.get_revisions(target)
    except CommandError as exc:
        raise ConfigError(
            f"Unknown target revision {target!r}: {exc}",
            hint="Use a revision id from `alembic history`, or heads.",
        ) from None
    return tuple(sorted(r.revision for r in revs if r is not None))


def render_sql(dep: Deployment, pending: list[Revision]) -> str:
    """Offline SQL from the database's recorded revision to the target."""
    if not pending:
        return ""
    current = dep.state.current
    spec = f"{current[0]}:{dep.options.target}" if current else dep.options.target
    return dep.project.offline_sql(spec)


def backup_item(dep: Deployment, schema: str | None = None) -> CheckItem:
    """The ``backup`` item: pg_dump of the server's major and room for the dump (of
    ``schema`` alone, for a fleet's tenant schema)."""
    if not dep.options.backup:
        return Backup.item(
            Status.WARN,
            "--no-backup: no backup will be taken",
            "Only skip the backup when another one was just taken.",
        )
    try:
        client = backup.client_for(dep.state.server_major)
        space = backup.space_for(
            dep.options.backup_dir,
            backup.estimate_bytes(dep.url, schema),
            dep.options.min_free_bytes,
        )
    except BaselineError as exc:
        return Backup.item(Status.FAIL, exc.message, exc.hint)
    if not space.ok:
        return Backup.item(
            Status.FAIL,
            f"not enough space: {space.describe()}",
            "Free space or pass --backup-dir DIR on a disk with room.",
        )
    scope = f" --schema {schema}" if schema else ""
    return Backup.item(Status.PASS, f"pg_dump {client.version}{scope}; {space.describe()}")


def schema_item(dep: Deployment) -> tuple[CheckItem, SchemaCheck | None]:
    current = dep.state.current
    if not dep.options.schema_check:
        return SchemaMatches.item(Status.SKIPPED, "--no-schema-check"), None
    if not current:
        return SchemaMatches.item(Status.SKIPPED, "the database records no revision"), None
    result = compare_with_expected(
        dep.project,
        dep.history,
        dep.scratch,
        dep.url,
        current[0],
        dep.state.version_table,
        dep.options.cache_dir,
    )
    return matches_item(
        result,
        "`alembic-baseline status`, `alembic-baseline doctor`",
    ), result


def matches_item(result: SchemaCheck, where: str) -> CheckItem:
    """The ``schema-matches`` item of a comparison with the expected schema; ``where``: the
    commands that show why a schema drifted."""
    if result.matches is None:
        # Not compared is not a pass: apply refuses unless that check is skipped by name.
        return SchemaMatches.item(
            Status.FAIL,
            result.detail,
            "Make the comparison possible (the detail says how, e.g. `alembic-baseline scratch "
            "install MAJOR` or --scratch-url), or pass --skip-check "
            f"{SchemaMatches.name} to go on without that proof.",
        )
    if result.matches:
        return SchemaMatches.item(Status.PASS, result.detail)
    return SchemaMatches.item(
        Status.FAIL,
        f"{result.detail}: " + "; ".join(result.differences[:5]),
        f"Find out why first ({where}): revisions may fail or do the wrong thing on a drifted "
        "schema.",
    )


def build(
    dep: Deployment, *, rehearsal: Rehearsal | None = None, lint: Linter | None = None
) -> Plan:
    """Compute the plan (nothing is written to the database)."""
    start = time.perf_counter()
    history = dep.history
    targets = resolve_target(history, dep.options.target)
    pending_revs = history.pending(dep.state.current, dep.options.target)
    dep.progress(
        f"plan: {len(pending_revs)} pending revision(s) from "
        f"{', '.join(dep.state.current) or 'an empty database'}"
    )
    sql = render_sql(dep, pending_revs)
    found = locks.analyse(sql, server_major=dep.state.server_major) if sql else []
    schema_check, schema = schema_item(dep)
    items = [
        backup_item(dep),
        checks.downgrades(pending_revs),
        checks.single_head(history.heads(), dep.options.target),
        schema_check,
        checks.long_locks(len(found), sorted({f.revision for f in found})),
        checks.tested(rehearsal is not None, rehearsal.ok if rehearsal else None),
        lint_item(lint, pending_revs),
    ]
    base = dep.project.settings.project_dir
    return Plan(
        database=dep.url.redacted,
        server_version=dep.state.server_version,
        current=dep.state.current,
        target=dep.options.target,
        target_revisions=targets,
        pending=tuple(PendingRevision.of(r, base) for r in pending_revs),
        sql=sql,
        locks=tuple(found),
        checks=tuple(items),
        schema=schema,
        rehearsal=rehearsal,
        seconds=time.perf_counter() - start,
    )


def lint_item(lint: Linter | None, pending: list[Revision]) -> CheckItem:
    """Lint findings of the pending revisions, as a warning.

    Not blocking: what lint enforces belongs in CI (``alembic-baseline lint``), and the lock
    rules it applies are what this run handles itself (lock_timeout, the long-locks item).
    """
    if lint is None:
        return Lint.item(Status.SKIPPED, "the lint feature is not available")
    if not pending:
        return Lint.item(Status.PASS, "no pending revisions")
    try:
        findings = lint([r.id for r in pending])
    except BaselineError as exc:
        return Lint.item(Status.SKIPPED, f"lint could not run: {exc.message}")
    if not findings:
        return Lint.item(Status.PASS, f"no findings in {len(pending)} revision(s)")
    return Lint.item(
        Status.WARN,
        f"{len(findings)} finding(s): " + "; ".join(findings[:5]),
        "See `alembic-baseline lint --pending`; fix them or accept them in the lint baseline.",
    )


def write_sql_file(plan: Plan, path: Path) -> Path:
    """``migration_plan.sql`` with a header saying what it is for."""
    header = [
        f"-- migration plan for {plan.database} (PostgreSQL {plan.server_version})",
        f"-- from {', '.join(plan.current) or '(empty)'} to {plan.target} "
        f"({', '.join(plan.target_revisions)}); {len(plan.pending)} revision(s)",
        f"-- rendered offline by alembic-baseline at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + (plan.sql or "-- nothing to apply\n"), encoding="utf-8")
    return path
