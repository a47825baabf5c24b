"""Run revisions one at a time, with lock and statement timeouts, keeping the record current.

One ``alembic upgrade <rev>`` per revision (instead of one ``upgrade head``) costs an env.py
start per revision and buys three things: progress per revision, a record that knows which
revision was running when something happened, and — with transactional DDL — a database that is
always at the last revision that completed. The one exception PostgreSQL cannot roll back is an
``autocommit_block()``: its statements commit one by one, so a failure inside it can leave work
behind (typically an INVALID index from CREATE INDEX CONCURRENTLY); that is looked for and named.

Timeouts are set on every connection the project's env.py opens, whatever its driver (psycopg,
psycopg2, asyncpg): a SQLAlchemy pool ``connect`` listener runs ``SET lock_timeout`` /
``SET statement_timeout`` in autocommit (session level, so Alembic's transactions keep them).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from alembic_baseline.deploy import failure
from alembic_baseline.deploy import record as rec
from alembic_baseline.deploy.checks import uses_autocommit_block
from alembic_baseline.deploy.options import duration
from alembic_baseline.deploy.state import Deployment, read_state
from alembic_baseline.errors import BaselineError, Interrupted, MigrationError
from alembic_baseline.history.graph import Revision
from alembic_baseline.pg.connect import connection


@contextlib.contextmanager
def session_timeouts(lock_timeout: str, statement_timeout: str) -> Iterator[None]:
    """``lock_timeout`` / ``statement_timeout`` on every SQLAlchemy connection opened meanwhile."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    # Validated durations (digits + unit), so quoting them into SET is safe; SET cannot take a
    # bind parameter, and each driver would want a different placeholder for set_config().
    statements = (
        f"SET lock_timeout = '{duration(lock_timeout, 'lock_timeout')}'",
        f"SET statement_timeout = '{duration(statement_timeout, 'statement_timeout')}'",
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        previous = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # session level: survives Alembic's ROLLBACK/COMMIT
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.autocommit = previous

    event.listen(Pool, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Pool, "connect", on_connect)


def invalid_indexes(dep: Deployment) -> list[str]:
    """Indexes left INVALID by an interrupted CREATE INDEX CONCURRENTLY."""
    try:
        with connection(dep.url) as conn:
            rows = conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1"
            ).fetchall()
    except BaselineError:
        return []
    return [str(r[0]) for r in rows]


def _stopped_at(dep: Deployment) -> tuple[str, ...] | None:
    try:
        return read_state(dep.project, dep.url).current
    except BaselineError:
        return None


def _explain(
    dep: Deployment,
    rev: Revision,
    exc: BaselineError,
    stopped: tuple[str, ...] | None,
    record: rec.RunRecord,
    direction: str,
) -> tuple[MigrationError, list[str]]:
    """The error a person reads, and the record's next steps, for a failed revision."""
    where = ", ".join(stopped) if stopped else failure.unknown_where(exc)
    text = exc.message
    steps = [
        failure.first_step(rev, exc, where, direction, stopped)
        or f"The database is at {where}: revision {rev.id} was rolled back, the revisions "
        "before it stay applied."
    ]
    hint = failure.hint(rev, exc) or f"Fix revision {rev.id} and run the command again."
    low = text.lower()
    if "lock timeout" in low:
        hint = (
            f"Another session held a lock {rev.id} needed for longer than lock_timeout "
            f"({dep.options.lock_timeout}). Find it in pg_stat_activity / pg_locks, then retry "
            "in a quieter moment or with a larger --lock-timeout."
        )
    elif "statement timeout" in low:
        hint = (
            f"A statement of {rev.id} ran longer than statement_timeout "
            f"({dep.options.statement_timeout}); raise --statement-timeout or split the work."
        )
    if uses_autocommit_block(rev.path, direction):
        leftovers = invalid_indexes(dep)
        steps.append(
            f"{rev.id} uses autocommit_block(): its statements committed one by one, "
            "so part of it may be applied although the version table does not say so. "
            + (
                f"INVALID indexes left behind: {', '.join(leftovers)} — drop them with "
                "DROP INDEX CONCURRENTLY before retrying."
                if leftovers
                else "No INVALID index was found."
            )
        )
    steps.append(hint)
    if record.backup is not None:
        steps.append(
            f"To go back to where the run started instead: `alembic-baseline rollback "
            f"--restore {record.id} --yes` (backup {record.backup.path})."
        )
    kind = type(exc) if isinstance(exc, MigrationError) else MigrationError
    error = kind(
        f"{direction} stopped at revision {rev.id} ({rev.message}): {text}",
        hint=hint,
        context={"database_is_at": where, "run_record": str(record.directory or "")},
    )
    return error, steps


def run_steps(
    dep: Deployment,
    record: rec.RunRecord,
    revisions: list[Revision],
    direction: str,
    action: Callable[[Revision], object],
) -> None:
    """Run ``action`` per revision, saving the record around each; raise on failure/interrupt."""
    steps = [rec.StepRecord(r.id, r.message, direction) for r in revisions]
    record.steps.extend(steps)
    rec.save(record)
    for i, (rev, step) in enumerate(zip(revisions, steps, strict=True), start=1):
        dep.progress(f"{direction} {i}/{len(revisions)}: {rev.id} {rev.message}")
        step.status = "running"
        rec.save(record)
        start = time.perf_counter()
        try:
            with session_timeouts(dep.options.lock_timeout, dep.options.statement_timeout):
                action(rev)
        except BaselineError as exc:
            step.status, step.error = "failed", exc.message
            step.seconds = time.perf_counter() - start
            record.stopped_at = failure.stopped_at(dep, exc)
            step.status = failure.step_status(rev, direction, record.stopped_at)
            error, next_steps = _explain(dep, rev, exc, record.stopped_at, record, direction)
            record.fail("failed", error, next_steps)
            rec.save(record)
            raise error from None
        except KeyboardInterrupt:
            step.seconds = time.perf_counter() - start
            raise _interrupted(dep, record, rev, step) from None
        step.status, step.seconds = "done", time.perf_counter() - start
        rec.save(record)
        dep.progress(f"  done in {step.seconds:.2f} s")


def _first(record: rec.RunRecord) -> str:
    return record.from_revisions[0] if record.from_revisions else "base"


def _interrupted(
    dep: Deployment, record: rec.RunRecord, rev: Revision, step: rec.StepRecord
) -> Interrupted:
    stopped = _stopped_at(dep)
    record.stopped_at = stopped
    # The revision may have committed just before the signal arrived: the database decides.
    step.status = "done" if stopped and rev.id in stopped else "interrupted"
    where = ", ".join(stopped) if stopped else "(unknown)"
    leftovers = invalid_indexes(dep) if uses_autocommit_block(rev.path, step.direction) else []
    if leftovers:
        where += f"; INVALID indexes left by its autocommit block: {', '.join(leftovers)}"
    error = Interrupted(
        f"Interrupted during revision {rev.id}; the database is at {where} (each revision "
        "runs in its own transaction, so it is at a consistent revision).",
        hint="Check with `alembic-baseline status`, then run the command again to continue, or "
        f"roll back with `alembic-baseline rollback --to {_first(record)}`.",
        context={"run_record": str(record.directory or "")},
    )
    record.fail("interrupted", error, [error.message, error.hint or ""])
    rec.save(record)
    return error
