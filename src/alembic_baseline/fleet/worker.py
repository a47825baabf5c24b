"""One target's guarded apply: deploy's own steps, in a worker process.

The steps are ``alembic-baseline apply``'s, called one by one (deploy.run, deploy.plan,
deploy.apply): the target's run lock, where it starts, the plan and its checks, the backup,
one revision at a time with lock and statement timeouts, verification, a run record. Only what
a fleet shares differs: the history is loaded once per worker process (not once per target), the
expected schemas were built once per revision by the parent (they are read from the cache), the
lint findings of a pending range were computed once (``Job.lint``), and each target keeps its
records in its own directory (``RUNS/fleet/<target>``), so that closing a dead run of a target
never reads the records of a thousand others.

A tenant schema target runs the project's env.py with ``-x tenant=NAME`` (docs/fleet.md). The
target's advisory lock is deploy's guard (``lockkey.key(database, schema)``), which also tells
an env.py start-up helper run in this process that its runner holds it (``lockkey.holding``).
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from alembic_baseline.baseline.manifest import find_manifest
from alembic_baseline.baseline.upgrade import upgrade
from alembic_baseline.deploy import guard, run
from alembic_baseline.deploy import plan as pl
from alembic_baseline.deploy.apply import run_steps
from alembic_baseline.deploy.options import DeployOptions
from alembic_baseline.deploy.state import Deployment, quiet, read_state
from alembic_baseline.errors import BaselineError, Interrupted
from alembic_baseline.fleet import tenants
from alembic_baseline.fleet.project import forget, loaded, target_project
from alembic_baseline.fleet.targets import Target
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.pg.url import redact
from alembic_baseline.report import to_jsonable
from alembic_baseline.runbook import record as rec
from alembic_baseline.settings import Settings

__all__ = ["Job", "Outcome", "apply_target", "forget", "loaded", "target_project"]

COMMAND = "fleet-apply"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one target (pickled to the worker process)."""

    settings: Settings
    target: Target
    options: DeployOptions
    lint: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    """Findings per pending range, computed once by the parent: (revision ids, findings)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one target (the ``targets`` entries of the fleet summary)."""

    name: str
    outcome: str  # ok | skipped | failed
    from_: tuple[str, ...]
    to: tuple[str, ...]
    error: str | None = None
    run_id: str | None = None
    record: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "from": ", ".join(self.from_) or None,
            "to": ", ".join(self.to) or None,
            "error": self.error,
            "run_id": self.run_id,
            "record": self.record,
            "seconds": round(self.seconds, 3),
        }


def runs_dir(options: DeployOptions, name: str) -> Path:
    """``RUNS/fleet/<name>``: a name that is not a safe directory name gets a CRC suffix."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80]
    if safe != name or safe.startswith("."):
        safe = f"{safe.lstrip('.')}-{zlib.crc32(name.encode()):08x}"
    return options.runs_dir / "fleet" / safe


def target_options(options: DeployOptions, target: Target) -> DeployOptions:
    """The target's own runs directory (a tenant schema's backup and verification are scoped
    to its schema: :mod:`alembic_baseline.fleet.tenants`)."""
    return replace(options, runs_dir=runs_dir(options, target.name))


def apply_target(job: Job) -> Outcome:
    """Run the target's pending revisions the way ``apply`` does; never raises for the target's
    own failures (they are the outcome)."""
    start = time.perf_counter()
    options = target_options(job.options, job.target)
    record: rec.RunRecord | None = None
    try:
        record = rec.start(options.runs_dir, COMMAND, job.target.where)
        record.settings = {**options.recorded(), "fleet_target": job.target.name}
        outcome = _guarded(job, options, record)
    except (BaselineError, Interrupted) as exc:
        outcome = _failed(job, record, exc.message)
    except Exception as exc:  # one target's surprise never stops the others (its record has it)
        detail = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        outcome = _failed(job, record, f"unexpected error: {type(exc).__name__}: {detail}")
    return replace(outcome, seconds=time.perf_counter() - start)


def _guarded(job: Job, options: DeployOptions, record: rec.RunRecord) -> Outcome:
    target = job.target
    _, history = loaded(job.settings)
    project = target_project(job.settings, target)
    with run.recorded(record), guard.held(target.url, "fleet apply", target.schema):
        state = read_state(project, target.url)
        start = state.current
        if any(history.locate(r) == "archived" for r in start):
            record.settings["archived_from"] = list(start)
            record.settings["archived_steps"] = _through_archive(job, project, options)
            state = read_state(project, target.url)
        # Started only if an expected schema is missing from the cache (the parent built them).
        with Scratch(state.server_major, job.settings.scratch_url) as scratch:
            dep = Deployment(project, history, state, options, scratch, quiet)
            outcome = _steps(dep, record, target, job.settings, lint=dict(job.lint))
            return replace(outcome, from_=start)


def _through_archive(job: Job, project: AlembicProject, options: DeployOptions) -> list[str]:
    """A target behind a baseline reaches the old head through the archived revisions first,
    exactly as ``alembic-baseline upgrade`` does it (refused, nothing touched, unless its schema
    is at the recorded archived revision); the guarded steps then continue from there."""
    manifest = find_manifest(project.script_location)
    done = upgrade(
        project,
        job.target.url,
        manifest.old_head,
        scratch_url=job.settings.scratch_url,
        cache_dir=options.cache_dir,
    )
    return list(done.archived_steps)


def _steps(
    dep: Deployment,
    record: rec.RunRecord,
    target: Target,
    settings: Settings,
    lint: dict[tuple[str, ...], tuple[str, ...]],
) -> Outcome:
    state, history, options, project = dep.state, dep.history, dep.options, dep.project
    run.begin(dep, record)
    pending = history.pending(state.current, options.target)
    if not pending:  # finished meanwhile by another run (or an app replica at start-up)
        record.outcome, record.stopped_at = "ok", state.current
        record.next_steps = ["Nothing to apply: the target is at the target revision."]
        rec.save(record)
        return _outcome(target, "skipped", record, state.current, state.current)

    def linter(ids: list[str]) -> list[str]:
        return list(lint.get(tuple(ids), ()))

    if target.schema:
        the_plan = tenants.plan(dep, settings, target.schema, linter)
    else:
        the_plan = pl.build(dep, lint=linter)
    summary = to_jsonable(the_plan)
    summary.pop("sql", None)
    record.plan = summary
    record.to_revisions = the_plan.target_revisions
    assert record.directory is not None
    pl.write_sql_file(the_plan, record.directory / "migration_plan.sql")
    run.refuse_blocking(the_plan, options.skip_checks)
    run.take_backup(dep, record, the_plan.target_revisions, schema=target.schema)
    run_steps(dep, record, pending, "upgrade", lambda r: project.upgrade(target.url, r.id))
    first = state.current[0] if state.current else "base"
    tenant = f"-x tenant={target.schema} " if target.schema else ""
    undo = [
        f"Roll back with `alembic-baseline {tenant}rollback --to {first} --runs-dir "
        f"{options.runs_dir}`" + (f" or `--restore {record.id} --yes`." if record.backup else ".")
    ]
    if target.schema and record.backup:
        undo.append("`--restore` of this one-schema backup prints the commands restoring it.")
    if target.schema:
        tenants.finish(dep, record, settings, target, the_plan.target_revisions, undo)
    else:
        run.finish(dep, record, the_plan.target_revisions, undo)
    stopped = record.stopped_at or ()
    if record.outcome != "ok":
        failed = "; ".join(record.next_steps[:1]) or record.outcome
        return _outcome(target, "failed", record, state.current, stopped, failed)
    return _outcome(target, "ok", record, state.current, stopped)


def _outcome(
    target: Target,
    outcome: str,
    record: rec.RunRecord,
    from_: tuple[str, ...],
    to: tuple[str, ...],
    error: str | None = None,
) -> Outcome:
    return Outcome(target.name, outcome, from_, to, error, record.id, str(record.directory or ""))


def _failed(job: Job, record: rec.RunRecord | None, message: str) -> Outcome:
    from_ = record.from_revisions if record else ()
    to = (record.stopped_at if record and record.stopped_at is not None else from_) or ()
    return Outcome(
        job.target.name,
        "failed",
        from_,
        to,
        message,
        record.id if record else None,
        str(record.directory) if record and record.directory else None,
    )
