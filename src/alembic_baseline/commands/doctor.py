"""``doctor``, ``repair`` and ``check``: diagnose the version state, fix it, run the checklists.

Each function is the operation behind one command: it returns a result (never prints) and
reports progress through a callback. ``repair`` writes a run record (like ``apply``) for every
confirmed run, whether it succeeds, is refused or fails.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.baseline.manifest import find_manifest
from alembic_baseline.baseline.verify import verify
from alembic_baseline.commands.common import database_url
from alembic_baseline.deploy import guard, run
from alembic_baseline.deploy.options import DeployOptions, duration, from_settings
from alembic_baseline.deploy.state import Progress, quiet
from alembic_baseline.doctor import repair as rp
from alembic_baseline.doctor.checklists import LISTS, Checklist, ChecklistInputs, run_checklist
from alembic_baseline.doctor.evidence import BaselineProof
from alembic_baseline.doctor.examine import (
    IDENTIFY_MODES,
    DoctorOptions,
    Exam,
    Examination,
    examine,
)
from alembic_baseline.doctor.facts import read_facts
from alembic_baseline.doctor.model import Baseline, DoctorReport
from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.expected import compare_with_expected
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import Scratch, ScratchServer
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.items import Status
from alembic_baseline.runbook.verify import Verification, VerifyItem, check_schema
from alembic_baseline.settings import Settings

# repair takes the version table (and, for a fix, its index or table) in one short
# transaction; it may wait longer than an apply step (deploy.options.DEFAULT_LOCK_TIMEOUT, 2s,
# retried) because it runs once, by hand, after a diagnosis.
REPAIR_LOCK_TIMEOUT = "5s"


def _baseline(project: AlembicProject) -> Baseline | None:
    """The project's baseline (its manifest), as the diagnoses need it."""

    try:
        manifest = find_manifest(project.script_location)
    except ConfigError:
        return None
    return Baseline(manifest.revision, manifest.old_head)


@contextlib.contextmanager
def examined(
    settings: Settings,
    url: str | None,
    options: DoctorOptions,
    server: ScratchServer | None,
    progress: Progress,
) -> Iterator[Examination]:
    """Examine a database; the scratch server stays open inside the block."""
    if options.identify not in IDENTIFY_MODES:
        raise ConfigError(f"--identify must be one of {', '.join(IDENTIFY_MODES)}.")
    project = AlembicProject(settings)
    db_url = database_url(settings, url, project)
    history = History(project)
    facts = read_facts(project, db_url)
    cache_dir = from_settings(settings).cache_dir
    baseline = _baseline(project)
    with Scratch(facts.server_major, settings.scratch_url, server) as scratch:
        exam = Exam(
            project,
            history,
            facts,
            scratch,
            cache_dir,
            settings.scratch_url,
            baseline,
            options,
            progress,
        )
        examination = examine(exam)
        try:
            yield examination
        finally:
            examination.live.settle()


def doctor(
    settings: Settings,
    *,
    url: str | None = None,
    identify: str = "auto",
    schema_check: bool = True,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> DoctorReport:
    """Diagnose the database's version table and schema; each problem with its exact fix."""
    options = DoctorOptions(identify, schema_check)
    with examined(settings, url, options, server, progress) as ex:
        return ex.report


# -- repair ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairResult:
    """The diagnosis, the plan, and — when it was carried out — the run record."""

    report: DoctorReport
    plan: rp.RepairPlan | None
    record: rec.RunRecord | None

    @property
    def confirmed(self) -> bool:
        return self.record is not None

    @property
    def exit_code(self) -> ExitCode:
        if self.record is None:
            return ExitCode.UNSAFE  # shown, not done: confirmation is missing
        return ExitCode.OK if self.record.outcome == "ok" else ExitCode.FINDINGS


def repair(
    settings: Settings,
    *,
    url: str | None = None,
    fix: str | None = None,
    to: tuple[str, ...] = (),
    confirmed: bool = False,
    runs_dir: Path | None = None,
    lock_timeout: str | None = None,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> RepairResult:
    """Apply one diagnosed fix in one transaction, after showing it (needs --yes); recorded."""
    deploy: DeployOptions = from_settings(settings)
    runs = runs_dir or deploy.runs_dir
    timeout = duration(lock_timeout or REPAIR_LOCK_TIMEOUT, "lock_timeout")
    options = DoctorOptions("auto", True)
    with examined(settings, url, options, server, progress) as ex:
        report, facts = ex.report, ex.facts
        if not confirmed:
            return RepairResult(report, rp.plan_repair(ex, fix, to), None)
        record = rec.start(runs, "repair", facts.url.redacted)
        progress(f"run {record.id} (record: {record.directory})")
        for closed in record.closed_runs:
            progress(f"warning: closed an earlier run as interrupted: {closed}")
        with run.recorded(record), guard.held(facts.url, "repair"):
            record.server_version = facts.server_version
            record.from_revisions = facts.rows
            plan = rp.plan_repair(ex, fix, to)
            _record_plan(record, plan, report, timeout)
            _carry_out(ex, plan, record, timeout, progress)
        return RepairResult(report, plan, record)


def _record_plan(
    record: rec.RunRecord, plan: rp.RepairPlan, report: DoctorReport, timeout: str
) -> None:
    record.to_revisions = plan.stamp if plan.stamp is not None else plan.before
    record.settings = {"fix": plan.fix, "lock_timeout": timeout, "indexes": list(plan.indexes)}
    record.plan = {
        "fix": plan.fix,
        "diagnosis": plan.diagnosis,
        "steps": list(plan.steps),
        "diagnoses": [f"{d.code} {d.name}: {d.message}" for d in report.diagnoses],
        "transactional": plan.transactional,
    }
    rec.save(record)


def _carry_out(
    ex: Examination, plan: rp.RepairPlan, record: rec.RunRecord, timeout: str, progress: Progress
) -> None:
    label = ", ".join(plan.stamp or ()) or ", ".join(plan.indexes) or "-"
    step = rec.StepRecord(label, f"{plan.fix} ({plan.diagnosis})", "repair", "running")
    record.steps.append(step)
    rec.save(record)
    progress(f"repair: {plan.fix}")
    start = time.perf_counter()
    rp.execute(ex, plan, timeout)
    step.status, step.seconds = "done", time.perf_counter() - start
    record.timings["repair"] = step.seconds
    result = verify_repair(ex, plan)
    record.verification = result
    after = read_facts(ex.exam.project, ex.facts.url)
    record.stopped_at = after.rows
    record.outcome = "ok" if result.ok else "verify_failed"
    record.next_steps = _next_steps(plan, result)
    rec.save(record)


def verify_repair(ex: Examination, plan: rp.RepairPlan) -> Verification:
    """The version table holds what was stamped; the schema equals it; the indexes are fixed."""
    start = time.perf_counter()
    exam = ex.exam
    after = read_facts(exam.project, exam.facts.url)
    items = []
    if plan.stamp is not None:
        ok = after.rows == tuple(sorted(plan.stamp))
        shown = ", ".join(after.rows) or "(none)"
        items.append(VerifyItem("revision", Status.PASS if ok else Status.FAIL, shown))
    if plan.fix in rp.STAMPING and plan.stamp and len(plan.stamp) == 1:
        target = plan.stamp[0]
        items.append(
            check_schema(
                lambda: compare_with_expected(
                    exam.project,
                    exam.history,
                    exam.scratch,
                    exam.facts.url,
                    target,
                    exam.facts.version_table,
                    exam.cache_dir,
                ),
                shown=0,
            )
        )
    if plan.indexes:
        left = {i.qualified for i in after.invalid_indexes} & set(plan.indexes)
        items.append(
            VerifyItem(
                "indexes",
                Status.FAIL if left else Status.PASS,
                f"still INVALID: {', '.join(sorted(left))}" if left else "no INVALID index left",
            )
        )
    return Verification(tuple(items), time.perf_counter() - start)


def _next_steps(plan: rp.RepairPlan, result: Verification) -> list[str]:
    if not result.ok:
        return ["Verification failed: run `alembic-baseline doctor` and read its diagnoses."]
    steps = [f"The version table held: {', '.join(plan.before) or '(none)'}."]
    if plan.fix == "drop-invalid-index" and plan.stamp is not None:
        steps.append("`alembic-baseline apply` re-runs the un-recorded revision.")
    else:
        steps.append("`alembic-baseline status` shows what is pending; `apply` runs it.")
    return steps


# -- check -------------------------------------------------------------------------------------


def check(
    settings: Settings,
    name: str,
    *,
    url: str | None = None,
    backup: Path | None = None,
    max_backup_age_hours: float = 24.0,
    verify_baseline: bool = True,
    health_url: str | None = None,
    health_timeout: float | None = None,
    backup_dir: Path | None = None,
    runs_dir: Path | None = None,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
) -> Checklist:
    """Run one of the runbook's checklists: verify what can be verified, list the rest."""
    if name not in LISTS:
        raise ConfigError(f"Unknown checklist {name!r}.", hint=f"Checklists: {', '.join(LISTS)}.")
    deploy = from_settings(
        settings,
        health_url=health_url,
        health_timeout=health_timeout,
        backup_dir=backup_dir,
        runs_dir=runs_dir,
    )
    inputs = ChecklistInputs(
        deploy.runs_dir,
        deploy.backup_dir,
        deploy.cache_dir,
        deploy.min_free_bytes,
        deploy.health_url,
        deploy.health_timeout,
        backup,
        max_backup_age_hours,
        _prove_baseline if verify_baseline else None,
        progress,
    )
    # The schema is checked item by item; identification is the doctor's business.
    options = DoctorOptions("never", schema_check=False)
    with examined(settings, url, options, server, progress) as ex:
        return run_checklist(name, ex, inputs)


def _prove_baseline(ex: Examination) -> BaselineProof:
    """``baseline verify`` of the examined database, on the examination's scratch server."""

    result = verify(
        ex.exam.project,
        url=ex.facts.url,
        pg_major=ex.facts.server_major,
        server=ex.exam.scratch.server(),
    )
    return BaselineProof(tuple((c.name, len(c.differences)) for c in result.comparisons))
