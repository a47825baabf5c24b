"""Run revisions one at a time, with lock and statement timeouts, keeping the record current.

One ``alembic upgrade <rev>`` per revision (instead of one ``upgrade head``) costs an env.py
start per revision and buys three things: progress per revision, a record that knows which
revision was running when something happened, and — with transactional DDL — a database that is
always at the last revision that completed. The one exception PostgreSQL cannot roll back is an
``autocommit_block()``: its statements commit one by one, so a failure inside it can leave work
behind (typically an INVALID index from CREATE INDEX CONCURRENTLY); that is looked for and named.

Timeouts are set on every connection the project's env.py opens, whatever its driver (psycopg,
psycopg2, asyncpg): a SQLAlchemy pool ``connect`` listener runs ``SET lock_timeout`` /
``SET statement_timeout`` in autocommit (session level, so Alembic's transactions keep them);
see :mod:`alembic_baseline.pg.sessions`. A revision that hits ``lock_timeout`` is tried again
``lock_retries`` times, pausing ``lock_retry_wait`` (doubling) in between, the way
strong_migrations and safe-pg-migrations do: short waits that let the application through.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alembic_baseline.deploy import failure
from alembic_baseline.deploy.state import Deployment, read_state
from alembic_baseline.errors import BaselineError, Interrupted, MigrationError
from alembic_baseline.history.code import uses_autocommit_block
from alembic_baseline.history.graph import Revision
from alembic_baseline.pg.server import read_invalid_indexes
from alembic_baseline.pg.sessions import env_sessions, is_lock_timeout
from alembic_baseline.pg.waits import Waits, seconds
from alembic_baseline.runbook import record as rec


def retry_pause(first: str, attempt: int) -> float:
    """Seconds to wait before try ``attempt + 1``: ``first``, doubling, at most a minute."""
    return float(min(60.0, seconds(first) * 2 ** (attempt - 1)))


def _try_revision(
    dep: Deployment, rev: Revision, direction: str, action: Callable[[Revision], object]
) -> None:
    """Run one revision; on a lock timeout try again (``lock_retries``) after a pause.

    Each try is one ``alembic upgrade/downgrade`` of this revision alone, in its own
    transaction: a lock timeout rolls it back completely, so the next try starts clean. A
    revision with an autocommit block is never retried (its statements commit one by one), nor
    is one after which the database is not where it was before the try.
    """
    options = dep.options
    waits = Waits(options.lock_timeout, options.statement_timeout)
    retries = 0 if uses_autocommit_block(rev.path, direction) else options.lock_retries
    for attempt in range(1, retries + 2):
        with env_sessions(dep.url, waits, f"{direction} of {rev.id}") as sessions:
            try:
                action(rev)
                return
            except BaselineError as exc:
                if not is_lock_timeout(exc):
                    raise
                failure = exc
        held = f" It waited for {sessions.blocked_by}." if sessions.blocked_by else ""
        stopped = _stopped_at(dep) if attempt <= retries else None
        clean = stopped is not None and (rev.id in stopped) == (direction == "downgrade")
        if not clean:
            tried = f" (try {attempt} of {retries + 1})" if retries else ""
            raise MigrationError(
                f"{failure.message}{tried}.{held}", hint=failure.hint, context=failure.context
            ) from None
        pause = retry_pause(options.lock_retry_wait, attempt)
        dep.progress(
            f"  lock timeout ({options.lock_timeout}) on try {attempt} of {retries + 1}.{held} "
            f"Trying again in {pause:g} s."
        )
        time.sleep(pause)


def invalid_indexes(dep: Deployment) -> tuple[list[str], str | None]:
    """Indexes left INVALID by an interrupted CREATE INDEX CONCURRENTLY: ``(names, None)``, or
    ``([], why)`` when they could not be looked for (the run already failed; the caller says
    that nothing is known rather than "none found")."""
    try:
        found = read_invalid_indexes(dep.url)
    except BaselineError as exc:
        return [], exc.message
    return [i.qualified for i in found], None


def _leftovers_sentence(dep: Deployment) -> str:
    leftovers, unknown = invalid_indexes(dep)
    if unknown is not None:
        return f"Whether it left INVALID indexes could not be checked: {unknown}"
    if leftovers:
        return (
            f"INVALID indexes left behind: {', '.join(leftovers)} — drop them with "
            "DROP INDEX CONCURRENTLY before retrying."
        )
    return "No INVALID index was found."


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
            f"({dep.options.lock_timeout}, {dep.options.lock_retries} retries). Find it in "
            "pg_stat_activity / pg_locks, then retry in a quieter moment, or with more "
            "--lock-retries (short waits, paused between) or a larger --lock-timeout."
        )
    elif "statement timeout" in low:
        hint = (
            f"A statement of {rev.id} ran longer than statement_timeout "
            f"({dep.options.statement_timeout}); raise --statement-timeout or split the work."
        )
    if uses_autocommit_block(rev.path, direction):
        steps.append(
            f"{rev.id} uses autocommit_block(): its statements committed one by one, "
            "so part of it may be applied although the version table does not say so. "
            + _leftovers_sentence(dep)
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
            _try_revision(dep, rev, direction, action)
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
    if uses_autocommit_block(rev.path, step.direction):
        leftovers, unknown = invalid_indexes(dep)
        if leftovers:
            where += f"; INVALID indexes left by its autocommit block: {', '.join(leftovers)}"
        elif unknown is not None:
            where += f"; whether its autocommit block left INVALID indexes is unknown ({unknown})"
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
