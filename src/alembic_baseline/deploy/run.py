"""The steps every recorded run shares: record whatever escapes, back up, refuse, verify."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from alembic_baseline import statedir
from alembic_baseline.deploy.plan import Plan
from alembic_baseline.deploy.state import Deployment, read_state, require_patchable
from alembic_baseline.deploy.verify import verify
from alembic_baseline.errors import BaselineError, ExitCode, Interrupted, UnsafeError
from alembic_baseline.runbook import backup as bk
from alembic_baseline.runbook import backupdir
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.dirs import unusable
from alembic_baseline.runbook.verify import VerifyItem


@contextlib.contextmanager
def recorded(record: rec.RunRecord) -> Iterator[None]:
    """Whatever escapes the run is written into its record before it propagates."""
    try:
        yield
    except BaselineError as exc:
        if record.outcome == "running":
            outcome = "refused" if exc.exit_code == ExitCode.UNSAFE else "error"
            record.fail(outcome, exc, [exc.hint] if exc.hint else [])
        exc.context.setdefault("run_record", str(record.directory))
        raise
    except KeyboardInterrupt:  # outside a revision (those are handled by apply.run_steps)
        done = [s.revision for s in record.steps if s.status == "done"]
        if done:
            error = Interrupted(
                f"Interrupted after {', '.join(done)} ran, before the run finished "
                f"(run {record.id}).",
                hint="Those revisions stay applied; check with `alembic-baseline status`.",
            )
        else:
            error = Interrupted(
                f"Interrupted before any revision ran (run {record.id}).",
                hint="Nothing was changed in the database; run the command again.",
            )
        record.fail("interrupted", error, [error.hint or ""])
        raise error from None
    except Exception as exc:  # a bug: the record must still end, never stay "running"
        if record.outcome == "running":
            unexpected = BaselineError(
                f"Unexpected internal error: {type(exc).__name__}: {exc}",
                hint="Check the database with `alembic-baseline status`; re-run with "
                "--traceback and report the output as a bug.",
            )
            record.fail("error", unexpected, [unexpected.hint or ""])
        raise
    finally:
        rec.save(record)


def begin(dep: Deployment, record: rec.RunRecord) -> None:
    """Record where the database starts; refuse one the live history cannot continue."""
    record.server_version = dep.state.server_version
    record.from_revisions = dep.state.current
    rec.save(record)
    require_patchable(dep.state, dep.history)


def refuse_blocking(plan: Plan, skipped: tuple[str, ...]) -> None:
    """Refuse (exit 3) while a checklist item fails that was not skipped by name."""
    blocking = plan.blocking(skipped)
    if blocking:
        details = {i.name: i.detail for i in blocking}
        raise UnsafeError(
            f"Refused: {len(blocking)} check(s) failed: {', '.join(details)}. Nothing was done.",
            hint=" ".join(i.hint or "" for i in blocking).strip()
            + " Override a check only knowingly: --skip-check NAME.",
            context=details,
        )


def take_backup(
    dep: Deployment,
    record: rec.RunRecord,
    to: tuple[str, ...],
    *,
    required: bool = False,
    schema: str | None = None,
) -> bk.Backup | None:
    """Check the space (before touching anything), dump, verify; kept in the record.
    ``schema``: that (tenant) schema only (``pg_dump --schema NAME --strict-names``, the space
    estimated for its tables), recorded with that scope."""
    if not dep.options.backup and not required:
        dep.progress("backup: skipped (--no-backup)")
        return None
    _backup_dir(dep.options.backup_dir)  # created with its .gitignore (statedir), then checked
    backupdir.require_private(dep.options.backup_dir)
    space = bk.space_for(
        dep.options.backup_dir, bk.estimate_bytes(dep.url, schema), dep.options.min_free_bytes
    )
    bk.require_space(space)
    name = bk.file_name(dep.url.database, dep.state.current, to, datetime.now(UTC), schema)
    scope = f"--schema {schema}" if schema else "--format=custom"
    dep.progress(f"backup: pg_dump {scope} → {dep.options.backup_dir / name}")
    wait = dep.options.lock_timeout if dep.options.lock_timeout != "0" else None
    backup = bk.take(
        dep.url, dep.options.backup_dir, name, dep.state.server_major, wait, schema=schema
    )
    record.backup = backup
    record.timings["backup"] = backup.seconds
    rec.save(record)
    dep.progress(
        f"  {backup.size:,} bytes, {backup.entries} entries verified by pg_restore "
        f"--list in {backup.seconds:.2f} s"
    )
    return backup


def finish(
    dep: Deployment,
    record: rec.RunRecord,
    expected: tuple[str, ...],
    if_failed: list[str],
    schema: Callable[[str], VerifyItem] | None = None,
) -> None:
    """Verify and set the outcome: ``ok`` or ``verify_failed`` (with what to do next).
    ``schema``: the schema item, for a target that is not a whole database (see
    :func:`~alembic_baseline.deploy.verify.verify`)."""
    result = verify(dep, expected, schema)
    record.verification = result
    record.stopped_at = read_state(dep.project, dep.url).current
    record.timings["verify"] = result.seconds
    if record.steps:
        record.timings["revisions"] = sum(s.seconds for s in record.steps)
    if result.ok:
        record.outcome = "ok"
        record.next_steps = ["Check the application's logs and performance (適用後チェックリスト)."]
    else:
        record.outcome = "verify_failed"
        failed = ", ".join(f"{i.name} ({i.detail})" for i in result.failed)
        record.next_steps = [f"Verification failed: {failed}.", *if_failed]
    rec.save(record)


def _backup_dir(directory: Path) -> None:
    """Create the backup directory with its .gitignore (statedir): dumps never land in git."""

    try:
        statedir.makedirs(directory, mode=0o700)
    except OSError as exc:
        raise unusable(exc, directory, "--backup-dir") from None
