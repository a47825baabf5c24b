"""``fleet apply``: every pending target through deploy's guarded steps, resumable.

State lives in the targets only: what each one's version table records (and its own run
records). A run starts by reading every target (one query each); targets at head are skipped
before any lock or Alembic start-up, targets with a problem are reported failed without being
touched, the others are migrated. A rerun after a failure or a kill therefore continues with
what is left and never runs a finished target again — there is no run state to lose.

What all targets share is computed once, here: the expected schema of each revision (replayed
on scratch once, then read from the cache by every worker) and the lint findings of each
pending range.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from alembic_baseline.deploy.options import DeployOptions
from alembic_baseline.deploy.plan import Linter, resolve_target
from alembic_baseline.deploy.state import Progress, read_state
from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.expected import (
    expected_snapshot,
    expected_tenant_snapshot,
    inspect_options,
)
from alembic_baseline.fleet import probe, tenants
from alembic_baseline.fleet.probe import ARCHIVED, TargetState
from alembic_baseline.fleet.project import loaded, target_project
from alembic_baseline.fleet.rollout import Policy, Runner, split
from alembic_baseline.fleet.targets import Target
from alembic_baseline.fleet.worker import Job, Outcome
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.report import escape, table
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class FleetRun:
    """One summary for the whole run; one record per migrated target on disk."""

    outcomes: tuple[Outcome, ...]
    policy: Policy
    shard: str | None
    seconds: float
    stopped: str | None = None
    """Why the rollout stopped before the last stage (None: it did not)."""

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    @property
    def not_run(self) -> int:
        return sum(o.outcome == "skipped" and o.error is not None for o in self.outcomes)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.count("failed") else ExitCode.OK

    def _headline(self) -> str:
        s = self.to_json()["summary"]
        return (
            f"{s['targets']} target(s): {s['ok']} ok, {s['skipped']} skipped "
            f"({s['not_run']} not run), {s['failed']} failed in {self.seconds:.1f} s"
            + (f"; stopped: {self.stopped}" if self.stopped else "")
            + (f" (shard {self.shard})" if self.shard else "")
        )

    def text(self, out: Reporter) -> None:
        for o in self.outcomes:
            if o.outcome == "failed":
                out.text(f"[red]failed[/] {escape(o.name)}: {escape(o.error or '')}")
        colour = "red" if self.count("failed") else "green"
        out.text(f"[{colour}]{escape(self._headline())}[/]")

    def markdown(self) -> str:
        rows = [
            (o.name, o.outcome, o.to_json()["from"] or "", o.to_json()["to"] or "", o.error or "")
            for o in self.outcomes
        ]
        head = ("target", "outcome", "from", "to", "error")
        return (
            "\n".join(["# Fleet apply", "", self._headline() + ".", "", *table(head, rows)]) + "\n"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": [o.to_json() for o in self.outcomes],
            "summary": {
                "targets": len(self.outcomes),
                "ok": self.count("ok"),
                "skipped": self.count("skipped"),
                "failed": self.count("failed"),
                "not_run": self.not_run,
                "stopped": self.stopped,
                "shard": self.shard,
                "workers": self.policy.workers,
                "seconds": round(self.seconds, 3),
            },
        }


def apply(
    settings: Settings,
    targets: list[Target],
    options: DeployOptions,
    policy: Policy,
    *,
    lint: Linter | None = None,
    shard: str | None = None,
    progress: Progress,
    notify: Callable[[Outcome], None],
) -> FleetRun:
    start = time.perf_counter()
    _, history = loaded(settings)
    table = probe.version_table(settings)
    found = probe.status(targets, history, table, shard)
    progress(
        f"{len(targets)} target(s): {sum(s.at_head for s in found.targets)} at head, "
        f"{len(found.pending)} pending, {len(found.problems)} with a problem "
        f"({found.seconds:.2f} s)"
    )
    resolve_target(history, options.target)  # an unknown --target is refused before any work
    # Behind a baseline: brought forward through the archive first, as `upgrade` does.
    work = [s for s in found.targets if s.pending or s.problem == ARCHIVED]
    working = {s.name for s in work}
    outcomes = {s.name: _before(s) for s in found.targets if s.name not in working}
    prepare_expected(settings, work, options, progress)
    findings = _lint(lint, work)  # once per pending range, shared by every job
    jobs = [Job(settings, s.target, options, findings) for s in work]
    stages, unreached = split(jobs, policy)
    stopped = None
    with Runner(policy, notify) as runner:
        for number, stage in enumerate(stages, start=1):
            if stopped:
                unreached += stage
                continue
            if len(stages) > 1:
                progress(f"stage {number}/{len(stages)}: {len(stage)} target(s)")
            before = runner.failures
            for outcome in runner.run(stage):
                outcomes[outcome.name] = outcome
            if runner.budget_spent:
                stopped = f"--max-failures {policy.max_failures} reached"
            elif runner.failures > before and not policy.continue_on_error and number < len(stages):
                stopped = f"stage {number} had {runner.failures - before} failure(s)"
            unreached += [j for j in stage if j.target.name not in outcomes]
    states = {s.name: s for s in found.targets}
    for job in unreached:
        why = stopped or "beyond the last stage (--stages)"
        current = states[job.target.name].current
        outcomes[job.target.name] = Outcome(
            job.target.name, "skipped", current, current, f"not run: {why}"
        )
    final = _where_now(outcomes, found.targets, table)
    order = [t.name for t in targets if t.name in final]
    return FleetRun(
        tuple(final[n] for n in order), policy, shard, time.perf_counter() - start, stopped
    )


def _before(s: TargetState) -> Outcome:
    """A target not migrated: at head (skipped), or with a problem (failed, untouched)."""
    if s.problem:
        return Outcome(s.name, "failed", s.current, s.current, f"{s.problem}: {s.detail}")
    return Outcome(s.name, "skipped", s.current, s.current)


def _where_now(
    outcomes: dict[str, Outcome],
    states: tuple[TargetState, ...],
    table: probe.VersionTableSetting,
) -> dict[str, Outcome]:
    """Fill in ``from``/``to`` the worker could not report (it died): read them again."""
    lost = [
        s.target
        for s in states
        if s.name in outcomes
        and outcomes[s.name].run_id is None
        and outcomes[s.name].outcome == "failed"
        and s.problem in (None, ARCHIVED)  # a target the run tried, whose worker died
    ]
    if not lost:
        return outcomes
    now = {f.target.name: f for f in probe.read_all(lost, table)}
    before = {s.name: s for s in states}
    result = dict(outcomes)
    for t in lost:
        f = now[t.name]
        to = f.rows if f.error is None else ()
        result[t.name] = replace(outcomes[t.name], from_=before[t.name].current, to=to)
    return result


def _lint(
    lint: Linter | None, work: list[TargetState]
) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Lint findings once per distinct pending range (not once per target)."""
    if lint is None:
        return ()
    ranges = sorted({s.pending for s in work if s.pending})
    found = []
    for ids in ranges:
        try:
            found.append((ids, tuple(lint(list(ids)))))
        except BaselineError:
            continue  # the worker's lint item then says "no findings": see plan.lint_item
    return tuple(found)


def prepare_expected(
    settings: Settings, work: list[TargetState], options: DeployOptions, progress: Progress
) -> None:
    """Build the expected schema of every revision the workers compare with — each one once,
    per server major, for databases and (replayed into the scratch tenant schema) for tenant
    schemas — into the cache they read. A revision that cannot be built is left to the
    workers, whose check then says why (never a silent pass)."""
    if not options.schema_check:
        return
    for tenant in (False, True):
        group = [s for s in work if (s.target.schema is not None) == tenant]
        if group:
            _prepare(settings, group, options, progress, tenant)


def _prepare(
    settings: Settings,
    group: list[TargetState],
    options: DeployOptions,
    progress: Progress,
    tenant: bool,
) -> None:
    project, history = loaded(settings)
    first = group[0].target
    version_table = read_state(target_project(settings, first), first.url).version_table
    heads = resolve_target(history, options.target)
    wanted: dict[int, set[str]] = {}
    for s in group:
        revisions = wanted.setdefault(s.server_major or 0, set())
        if len(s.current) == 1 and history.locate(s.current[0]) == "live":
            revisions.add(s.current[0])
        revisions.update(heads if len(heads) == 1 else ())
    replaying = tenants.scratch_project(settings, project) if tenant else project
    what = "expected tenant schema" if tenant else "expected schema"
    for major, revisions in sorted(wanted.items()):
        with Scratch(major, settings.scratch_url) as scratch:
            for rev in sorted(revisions):
                try:
                    if tenant:
                        _, cached = expected_tenant_snapshot(
                            replaying, history, scratch, rev, version_table.name, options.cache_dir
                        )
                    else:
                        _, cached = expected_snapshot(
                            project,
                            history,
                            scratch,
                            rev,
                            inspect_options(version_table),
                            options.cache_dir,
                        )
                except BaselineError as exc:
                    progress(f"{what} of {rev} (PostgreSQL {major}): {exc.message}")
                    continue
                if not cached:
                    progress(f"{what} of {rev} (PostgreSQL {major}): built once")
