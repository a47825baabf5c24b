"""``status``, ``plan``, ``apply``, ``rollback``: the runbook's patch procedure as guarded runs.

Each function is the operation behind one command: it returns a result (never prints) and
reports progress through a callback. ``apply`` and ``rollback`` write a run record under the
runs directory whatever happens; on failure they raise a :class:`BaselineError` whose context
names the record, after the record says what happened and what to do next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic_baseline.commands import status as status_op
from alembic_baseline.commands.common import database_url
from alembic_baseline.deploy import guard, run
from alembic_baseline.deploy import options as opts
from alembic_baseline.deploy import plan as pl
from alembic_baseline.deploy import rollback as rb
from alembic_baseline.deploy.apply import run_steps
from alembic_baseline.deploy.restore import check_restorable, restore_run
from alembic_baseline.deploy.results import RunResult
from alembic_baseline.deploy.state import (
    Progress,
    quiet,
    require_patchable,
)
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.dirs import require_usable
from alembic_baseline.settings import Settings
from alembic_baseline.team import integrity as team_integrity
from alembic_baseline.team import phases

DeployOptions = opts.DeployOptions
deploy_options = status_op.deploy_options
status = status_op.status
"""``status`` lives in commands/status.py: it imports none of what plan, apply and rollback
need (run records, backups, the lock analysis and with it pglast)."""
_deployment = status_op.deployment


def linter(settings: Settings) -> pl.Linter:
    """The lint feature over pending revision ids (its own config, baseline and cache)."""

    def run_lint(revisions: list[str]) -> list[str]:
        # lazy: start-up: only the path that needs it pays for it
        from alembic_baseline.commands.lint import lint

        result = lint(settings, pending=revisions)
        return [f"{f.code} {Path(f.path).name}:{f.line} {f.message}" for f in result.findings]

    return run_lint


# -- plan --------------------------------------------------------------------------------------


def plan(
    settings: Settings,
    *,
    url: str | None = None,
    out: Path | None = None,
    rehearse: bool = False,
    options: DeployOptions | None = None,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> pl.Plan:
    """Render the pending SQL from the database's revision; checklist; locks; --rehearse.

    The checklist is checked, long-held locks are listed; ``rehearse`` applies the revisions to
    a scratch copy of production's schema."""
    project = AlembicProject(settings)
    options = options or deploy_options(settings)
    with _deployment(
        settings, project, database_url(settings, url, project), options, server, progress
    ) as dep:
        require_patchable(dep.state, dep.history)
        rehearsal = None
        if rehearse:
            # lazy: start-up: only the path that needs it pays for it
            from alembic_baseline.deploy.rehearse import rehearse as run_rehearsal

            pending = dep.history.pending(dep.state.current, options.target)
            rehearsal = run_rehearsal(dep, pending)
        result = pl.build(dep, rehearsal=rehearsal, lint=linter(settings))
    if out is not None:
        path = pl.write_sql_file(result, out)
        result = _replace_plan(result, sql_file=path)
    return result


def _replace_plan(plan_: pl.Plan, **changes: Any) -> pl.Plan:
    from dataclasses import replace

    return replace(plan_, **changes)


def plan_summary(plan_: pl.Plan) -> dict[str, Any]:
    """The plan as the run record keeps it (the SQL itself is a file beside the record)."""
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.report import to_jsonable

    data = to_jsonable(plan_)
    assert isinstance(data, dict)
    data.pop("sql", None)
    return data


# -- apply -------------------------------------------------------------------------------------


def _start_record(
    options: DeployOptions, command: str, db_url: DatabaseURL, progress: Progress
) -> rec.RunRecord:
    if options.backup:  # before the record exists: a bad --backup-dir leaves no run behind
        require_usable(options.backup_dir, "--backup-dir")
    record = rec.start(options.runs_dir, command, db_url.redacted)
    record.settings = options.recorded()
    progress(f"run {record.id} (record: {record.directory})")
    for closed in record.closed_runs:
        progress(f"warning: closed an earlier run as interrupted: {closed}")
    return record


def apply(
    settings: Settings,
    *,
    url: str | None = None,
    options: DeployOptions | None = None,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> RunResult:
    """Back up, apply the pending revisions one by one, verify; refuse when checks fail."""
    project = AlembicProject(settings)
    options = options or deploy_options(settings)
    db_url = database_url(settings, url, project)
    record = _start_record(options, "apply", db_url, progress)
    with (
        run.recorded(record),
        guard.held(db_url, "apply"),
        _deployment(settings, project, db_url, options, server, progress, applied=True) as dep,
    ):
        run.begin(dep, record)
        team_integrity.require_intact(dep)
        if options.phase is not None:
            phased = phases.narrowed(dep)
            if phased is None:
                record.outcome, record.stopped_at = "ok", dep.state.current
                record.next_steps = [f"Nothing to apply: no pending {options.phase} revision."]
                return RunResult(record)
            dep = phased
            record.settings["target"], record.settings["phase"] = dep.options.target, options.phase
        the_plan = pl.build(dep, lint=linter(settings))
        record.plan = plan_summary(the_plan)
        record.to_revisions = the_plan.target_revisions
        assert record.directory is not None
        pl.write_sql_file(the_plan, record.directory / "migration_plan.sql")
        if the_plan.up_to_date:
            record.outcome, record.stopped_at = "ok", dep.state.current
            record.next_steps = ["Nothing to apply: the database is at the target."]
            return RunResult(record, the_plan)
        run.refuse_blocking(the_plan, options.skip_checks)
        run.take_backup(dep, record, the_plan.target_revisions)
        pending = dep.history.pending(dep.state.current, dep.options.target)
        recorder = team_integrity.recorder(dep, pending, record.id)
        run_steps(
            dep, record, pending, "upgrade", lambda r: team_integrity.upgrade(dep, r, recorder)
        )
        undo = [
            f"Roll back with `alembic-baseline rollback --to {_first(record)}`"
            + (f" or `--restore {record.id} --yes`." if record.backup else ".")
        ]
        run.finish(dep, record, the_plan.target_revisions, undo)
        team_integrity.report_problems(recorder, record, progress)
        return RunResult(record, the_plan)


def _first(record: rec.RunRecord) -> str:
    return record.from_revisions[0] if record.from_revisions else "base"


# -- rollback ----------------------------------------------------------------------------------


def rollback(
    settings: Settings,
    *,
    url: str | None = None,
    to: str | None = None,
    steps: int | None = None,
    restore: str | None = None,
    confirmed: bool = False,
    discard_new_rows: bool = False,
    options: DeployOptions | None = None,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> RunResult:
    """Undo by downgrade (--to REV / --steps N) or restore a run's backup (--restore RUN_ID)."""
    if sum(x is not None for x in (to, steps, restore)) != 1:
        raise ConfigError("Give exactly one of --to REV, --steps N or --restore RUN_ID.")
    project = AlembicProject(settings)
    options = options or deploy_options(settings)
    db_url = database_url(settings, url, project)
    if restore is not None:
        recorded = rec.load(options.runs_dir, restore)
        backup = check_restorable(recorded, db_url.database, confirmed, db_url)
        record = _start_record(options, "rollback", db_url, progress)
        with (
            run.recorded(record),
            guard.held(db_url, "rollback"),
            _deployment(settings, project, db_url, options, server, progress) as dep,
        ):
            restore_run(dep, record, recorded, backup, discard_new_rows)
            return RunResult(record)
    record = _start_record(options, "rollback", db_url, progress)
    with (
        run.recorded(record),
        guard.held(db_url, "rollback"),
        _deployment(settings, project, db_url, options, server, progress) as dep,
    ):
        run.begin(dep, record)
        current = dep.state.current
        target = to if to is not None else rb.target_for_steps(dep.history, current, steps or 1)
        path = rb.downgrade_path(dep.history, current, target)
        record.to_revisions = () if target == "base" else (target,)
        rb.require_downgrades(path)
        run.take_backup(dep, record, record.to_revisions)
        below = {
            r.id: (path[i + 1].id if i + 1 < len(path) else target) for i, r in enumerate(path)
        }
        run_steps(
            dep, record, path, "downgrade", lambda r: dep.project.downgrade(dep.url, below[r.id])
        )
        again = [f"Re-apply later with `alembic-baseline apply --target {current[0]}`."]
        run.finish(dep, record, record.to_revisions, again)
        return RunResult(record)
