"""``rollback --restore RUN_ID``: put back the backup an apply run took, as the last resort.

Guarded in this order, each before anything is written: the recorded backup exists and has the
recorded checksum; it is a backup of this database; the person confirmed (``--yes``); a fresh
safety backup of the database as it is now is taken and verified. Only then are the objects the
backup does not know dropped and ``pg_restore --clean --if-exists --single-transaction`` runs.
"""

from __future__ import annotations

import time

from alembic_baseline.deploy import backup as bk
from alembic_baseline.deploy import record as rec
from alembic_baseline.deploy import rollback as rb
from alembic_baseline.deploy.run import begin, finish, take_backup
from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import ConfigError, UnsafeError


def check_restorable(recorded: rec.RecordedRun, database: str, confirmed: bool) -> bk.Backup:
    """The backup to restore, after checksum, database and confirmation checks."""
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
    if not confirmed:
        raise UnsafeError(
            f"Restoring {backup.path.name} replaces the current contents of {database!r} "
            "(rows written since the backup are lost, though a safety backup is taken first).",
            hint="Confirm with --yes (or answer the prompt on a terminal).",
        )
    return backup


def restore_run(
    dep: Deployment, record: rec.RunRecord, recorded: rec.RecordedRun, backup: bk.Backup
) -> None:
    """Safety backup, drop what the backup does not contain, restore, verify."""
    begin(dep, record)
    record.restored_from = str(backup.path)
    record.to_revisions = recorded.from_revisions
    take_backup(dep, record, recorded.from_revisions, required=True)
    entries = bk.toc(bk.client_for(dep.state.server_major), backup.path)
    extra = rb.created_since(dep.url, entries)
    start = time.perf_counter()
    if extra:
        dep.progress(
            f"restore: dropping {len(extra)} object(s) created after the backup: "
            + ", ".join(map(str, extra))
        )
        rb.drop_objects(dep.url, extra)
    record.settings["dropped_before_restore"] = [str(o) for o in extra]
    dep.progress(f"restore: pg_restore --clean --if-exists --single-transaction {backup.path.name}")
    bk.restore(dep.url, backup.path, dep.state.server_major)
    record.timings["restore"] = time.perf_counter() - start
    rec.save(record)
    safety = record.backup.path if record.backup else "the safety backup"
    finish(
        dep,
        record,
        recorded.from_revisions,
        [f"The state before the restore is in {safety}: restore it the same way if needed."],
    )
