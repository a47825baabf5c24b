"""``rollback --restore RUN_ID``: put back the backup an apply run took, as the last resort.

Guarded in this order, each before anything is written: the recorded backup exists and has the
recorded checksum; it is a backup of this database; the person confirmed (``--yes``); the tables
whose row counts differ from the backup's are listed and must be confirmed too
(``--discard-new-rows``: their rows written since the backup would be discarded); a fresh safety
backup of the database as it is now is taken and verified. Only then does the restore run — the
drops of the objects the backup does not know and the whole restore as one transaction, under
the lock timeout (:mod:`restore_tx`). Interrupted or failed, the record says for certain
whether that transaction committed (it never half did).
"""

from __future__ import annotations

import hashlib
import shlex
import time

from alembic_baseline.deploy import restore_tx as rtx
from alembic_baseline.deploy import rollback as rb
from alembic_baseline.deploy import rowcounts
from alembic_baseline.deploy.run import begin, finish, take_backup
from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import BaselineError, ConfigError, Interrupted, UnsafeError
from alembic_baseline.pg import pipes
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook import backup as bk
from alembic_baseline.runbook import record as rec


class RestoreFailed(BaselineError):
    """The restore's transaction failed and was rolled back (or its fate is unknown)."""


def check_restorable(
    recorded: rec.RecordedRun, database: str, confirmed: bool, url: DatabaseURL | None = None
) -> bk.Backup:
    """The backup to restore, after checksum, database, scope and confirmation checks.

    A backup of one (tenant) schema is refused (exit 3) with the commands that restore that
    schema alone: restoring it as a database would drop what the other tenants' schemas hold
    nothing of (the drops of "objects created since the backup" would reach them)."""
    backup = recorded.backup
    if backup is None:
        raise ConfigError(
            f"Run {recorded.id} took no backup (--no-backup or it stopped before).",
            hint="Pick a run that took one: --restore RUN_ID (or latest).",
        )
    bk.verify_file(backup.path, backup.size, backup.sha256)
    if backup.database and backup.database != database:
        raise UnsafeError(
            f"The backup of run {recorded.id} is of database {backup.database!r}, not "
            f"{database!r}. Nothing was done.",
            hint="Point --url at the database the run was made on.",
        )
    if backup.schema is not None:
        raise schema_only(recorded.id, backup, url)
    if not confirmed:
        raise UnsafeError(
            f"Restoring {backup.path.name} replaces the current contents of {database!r} "
            "(rows written since the backup are lost, though a safety backup is taken first).",
            hint="Confirm with --yes (or answer the prompt on a terminal).",
        )
    return backup


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def conninfo(url: DatabaseURL | None, database: str) -> str:
    """A libpq connection string for ``url`` without its password (libpq then reads
    ``PGPASSWORD`` or ``~/.pgpass``), for commands shown to a person."""
    pairs = url.libpq_kwargs() if url is not None else {"dbname": database}
    shown = {k: v for k, v in pairs.items() if k not in ("password", "sslpassword")}
    return " ".join(
        f"{k}='" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for k, v in shown.items()
    )


def schema_restore_commands(backup: bk.Backup, url: DatabaseURL | None) -> list[str]:
    """The shell commands that put back the one schema ``backup`` holds: the schema as it is
    now renamed aside (nothing is lost), the archive restored in one transaction (it holds that
    schema only: ``CREATE SCHEMA`` and its objects), then, once checked, the old one dropped."""
    assert backup.schema is not None
    schema = backup.schema
    aside = aside_name(schema)
    dsn = shlex.quote(conninfo(url, backup.database))
    psql = f"psql --no-psqlrc --set=ON_ERROR_STOP=1 --dbname={dsn} --command="
    return [
        psql + shlex.quote(f"ALTER SCHEMA {_ident(schema)} RENAME TO {_ident(aside)}"),
        f"pg_restore --dbname={dsn} --single-transaction --exit-on-error --no-password "
        + shlex.quote(str(backup.path)),
        psql + shlex.quote(f"DROP SCHEMA {_ident(aside)} CASCADE"),
    ]


def aside_name(schema: str) -> str:
    """``<schema>_before_restore``; a name too long for PostgreSQL's 63 bytes is cut and carries
    8 hex digits of the full name's SHA-256, so two long schemas whose first bytes are equal are
    never renamed to the same name (step 3 drops it)."""
    suffix = "_before_restore"
    if len(schema.encode()) + len(suffix) <= 63:
        return schema + suffix
    tag = "_" + hashlib.sha256(schema.encode()).hexdigest()[:8]
    head = schema.encode()[: 63 - len(tag) - len(suffix)].decode(errors="ignore")
    return head + tag + suffix


def schema_only(run_id: str, backup: bk.Backup, url: DatabaseURL | None) -> UnsafeError:
    """The refusal of a whole-database restore of a one-schema backup, with the commands."""
    assert backup.schema is not None
    commands = schema_restore_commands(backup, url)
    aside = aside_name(backup.schema)
    return UnsafeError(
        f"The backup of run {run_id} holds schema {backup.schema!r} of database "
        f"{backup.database!r} only (pg_dump --schema, a tenant schema of a fleet): it is not "
        "restored over the whole database. Nothing was done. Restore that schema alone with "
        "the commands below (step 1 keeps the schema as it is now, renamed; step 2 restores the "
        "backup in one transaction; step 3 drops the renamed one once the tenant is checked).",
        hint=f"Stop the tenant's writers first. Use pg_restore {backup.pg_dump or ''} or newer "
        "(the version of the pg_dump that made it). If step 2 fails, "
        f"nothing was restored: put the schema back with ALTER SCHEMA {_ident(aside)} RENAME "
        f"TO {_ident(backup.schema)}. Objects outside the schema that depend on it (a view in "
        "another schema) follow the rename: check them before step 3.",
        context={f"step {i}": c for i, c in enumerate(commands, start=1)},
    )


def require_row_confirmation(
    dep: Deployment, record: rec.RunRecord, backup: bk.Backup, discard: bool
) -> None:
    """List the tables whose counts differ from the backup's; refuse (exit 3) unconfirmed."""
    dep.progress("restore: counting rows in the backup and in the database")
    start = time.perf_counter()
    found = rowcounts.changes(
        rowcounts.in_backup(backup.path, dep.state.server_major),
        rowcounts.live(dep.url, dep.options.lock_timeout),
    )
    record.timings["row_counts"] = time.perf_counter() - start
    record.settings["row_changes"] = [c.describe() for c in found]
    record.settings["discard_new_rows"] = discard
    rec.save(record)
    if not found:
        dep.progress(
            "  every table has as many rows as in the backup (rows updated in place do not show "
            "in a count)"
        )
        return
    lines = [c.describe() for c in found]
    for line in lines:
        dep.progress(f"  changed since the backup: {line}")
    if not discard:
        raise UnsafeError(
            f"Refused: {len(found)} table(s) changed since the backup (row counts): "
            + "; ".join(lines)
            + ". Restoring discards what was written to them since (the safety backup would "
            "keep it). Nothing was done.",
            hint="Save what must be kept first, then confirm with --discard-new-rows.",
            context={f"table {i}": line for i, line in enumerate(lines, start=1)},
        )


def restore_run(
    dep: Deployment,
    record: rec.RunRecord,
    recorded: rec.RecordedRun,
    backup: bk.Backup,
    discard_new_rows: bool = False,
) -> None:
    """Row check, safety backup, then drops + restore in one transaction, verify."""
    begin(dep, record)
    record.restored_from = str(backup.path)
    record.to_revisions = recorded.from_revisions
    require_row_confirmation(dep, record, backup, discard_new_rows)
    take_backup(dep, record, recorded.from_revisions, required=True)
    entries = bk.toc(bk.client_for(dep.state.server_major), backup.path)
    extra = rb.created_since(dep.url, entries)
    record.settings["dropped_before_restore"] = [str(o) for o in extra]
    if extra:
        dep.progress(
            f"restore: dropping {len(extra)} object(s) created after the backup, in the "
            "restore's transaction: " + ", ".join(map(str, extra))
        )
    step = rec.StepRecord(f"restore {backup.path.name}", "one transaction", "restore", "running")
    record.steps.append(step)
    before = ", ".join(dep.state.current) or "(none)"
    record.next_steps = [
        "If this record still says running, its process was killed: the restore is one "
        f"transaction, so the database is either as before ({before}) or fully restored "
        f"({', '.join(recorded.from_revisions) or 'base'}). `alembic-baseline status` tells."
    ]
    rec.save(record)
    dep.progress(
        f"restore: pg_restore --clean --if-exists {backup.path.name} | psql, one transaction, "
        f"lock_timeout {dep.options.lock_timeout}"
    )
    tx = rtx.Transaction(pipes.Piped())
    try:
        step.seconds = rtx.restore(
            dep.url, backup.path, dep.state.server_major, extra, dep.options.lock_timeout, tx
        )
    except (BaselineError, KeyboardInterrupt) as exc:
        raise _stopped(dep, record, step, tx, exc) from None
    step.status = "done"
    record.timings["restore"] = step.seconds
    rec.save(record)
    safety = record.backup.path if record.backup else "the safety backup"
    try:
        finish(
            dep,
            record,
            recorded.from_revisions,
            [f"The state before the restore is in {safety}: restore it the same way if needed."],
        )
    except KeyboardInterrupt:
        error = Interrupted(
            f"Interrupted after the restore committed, while verifying (run {record.id}): the "
            f"database holds the contents of {backup.path.name}.",
            hint="Check it with `alembic-baseline status`; the state before the restore is in "
            f"{safety}.",
        )
        record.fail("interrupted", error, [error.message, error.hint or ""])
        raise error from None


def _stopped(
    dep: Deployment,
    record: rec.RunRecord,
    step: rec.StepRecord,
    tx: rtx.Transaction,
    exc: BaselineError | KeyboardInterrupt,
) -> BaselineError:
    """The truth after the restore stopped: settle its transaction, record where things are."""
    fate = rtx.settle(dep.url, tx)
    before = ", ".join(dep.state.current) or "(none)"
    safety = record.backup.path if record.backup else "the safety backup"
    record.stopped_at = {"aborted": dep.state.current, "committed": record.to_revisions}.get(fate)
    if fate == "aborted":
        where = (
            f"The restore's transaction was rolled back as a whole: the database is as it was "
            f"before the restore (at {before}, every table and row as before)."
        )
    elif fate == "committed":
        where = "The restore's transaction had committed: the database holds the backup."
        step.status = "done"
    else:
        where = (
            "Whether the restore's transaction committed could not be determined (COMMIT was "
            "sent): it is either fully restored or as before, never half."
        )
    interrupted = isinstance(exc, KeyboardInterrupt)
    if step.status != "done":
        step.status = "interrupted" if interrupted else "failed"
    reason = "Interrupted" if interrupted else f"The restore failed: {exc}"
    text = str(exc).lower()
    hint = f"Check with `alembic-baseline status`. The state before is also in {safety}."
    if "lock timeout" in text:
        hint = (
            f"Another session held a lock the restore needed for longer than lock_timeout "
            f"({dep.options.lock_timeout}): stop the application's writers (pg_stat_activity "
            "shows them), then run the restore again, or raise --lock-timeout."
        )
    message = f"{reason} (run {record.id}). {where}"
    error: BaselineError = (
        Interrupted(message, hint=hint) if interrupted else RestoreFailed(message, hint=hint)
    )
    error.context["restore_transaction"] = fate
    step.error = None if interrupted else str(exc)
    record.fail("interrupted" if interrupted else "failed", error, [where, hint])
    rec.save(record)
    return error
