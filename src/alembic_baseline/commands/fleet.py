"""``fleet status``, ``plan``, ``apply``, ``drift``: many databases or tenant schemas at once.

Each function chooses the targets (a file, a server's databases, a catalog query, or a
database's tenant schemas), keeps this copy's shard of them, and runs the fleet feature over
them. They return results (never print); progress goes through a callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.deploy.state import Progress, quiet
from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.fleet import probe, shard
from alembic_baseline.fleet.project import forget, loaded
from alembic_baseline.fleet.targets import Selection, Target, load
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.deploy.options import DeployOptions
    from alembic_baseline.fleet.apply import FleetRun
    from alembic_baseline.fleet.drift import FleetDrift
    from alembic_baseline.fleet.manifest import JobSpec
    from alembic_baseline.fleet.rollout import Policy
    from alembic_baseline.fleet.worker import Outcome
    from alembic_baseline.report import Reporter

FleetStatus = probe.FleetStatus


def targets(selection: Selection, chosen: shard.Shard | None) -> list[Target]:
    """The selection's targets that belong to this copy's shard (every command starts here,
    from the revision files as they are now)."""
    forget()
    return shard.share(load(selection), chosen)


def status(
    settings: Settings, selection: Selection, chosen: shard.Shard | None = None
) -> FleetStatus:
    """Show every target's revision, pending revisions and problems, grouped by revision."""
    found = targets(selection, chosen)
    _, history = loaded(settings)
    return probe.status(
        found, history, probe.version_table(settings), str(chosen) if chosen else None
    )


@dataclass(frozen=True)
class FleetPlan:
    """What ``fleet apply`` would do: the status, the pending revisions, the stages."""

    status: FleetStatus
    revisions: dict[str, str]
    """Every pending revision's message, by id."""
    stages: tuple[tuple[str, ...], ...]
    unreached: tuple[str, ...]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.status.problems else ExitCode.OK

    def text(self, out: Reporter) -> None:
        from rich.markup import escape

        self.status.text(out)
        for rev, message in self.revisions.items():
            out.text(f"  pending {rev}  {escape(message)}")
        for i, stage in enumerate(self.stages, start=1):
            more = " …" if len(stage) > 10 else ""
            out.text(f"stage {i}: {len(stage)} target(s): {escape(', '.join(stage[:10]))}{more}")
        if self.unreached:
            out.text(f"not in any stage: {len(self.unreached)} target(s)")

    def markdown(self) -> str:
        lines = [self.status.markdown().rstrip(), "", "## Pending revisions", ""]
        lines += [f"- `{rev}` {message}" for rev, message in self.revisions.items()] or ["- none"]
        lines += ["", "## Stages", ""]
        lines += [f"{i}. {', '.join(stage)}" for i, stage in enumerate(self.stages, start=1)]
        if self.unreached:
            lines.append(f"- not in any stage: {', '.join(self.unreached)}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            **self.status.to_json(),
            "revisions": self.revisions,
            "stages": [list(s) for s in self.stages],
            "not_in_any_stage": list(self.unreached),
        }


def plan(
    settings: Settings,
    selection: Selection,
    policy: Policy,
    chosen: shard.Shard | None = None,
) -> FleetPlan:
    """Show what `fleet apply` would do: targets by revision, pending revisions, stages."""
    st = status(settings, selection, chosen)
    _, history = loaded(settings)
    messages = {
        rev: (history.live[rev].message if rev in history.live else "")
        for s in st.pending
        for rev in s.pending
    }
    # lazy: the deploy options, rollout and worker machinery are for plan and apply, not status
    from alembic_baseline.commands.status import deploy_options
    from alembic_baseline.fleet.rollout import split
    from alembic_baseline.fleet.worker import Job

    options = deploy_options(settings)
    jobs = [Job(settings, s.target, options) for s in st.pending]
    stages, unreached = split(jobs, policy)
    return FleetPlan(
        st,
        messages,
        tuple(tuple(j.target.name for j in stage) for stage in stages),
        tuple(j.target.name for j in unreached),
    )


def apply(
    settings: Settings,
    selection: Selection,
    policy: Policy,
    *,
    options: DeployOptions | None = None,
    chosen: shard.Shard | None = None,
    progress: Progress = quiet,
    notify: Callable[[Outcome], None] = lambda _: None,
) -> FleetRun:
    """Migrate every pending target with apply's guarded steps, in a pool, in stages."""
    if policy.workers < 1:
        raise ConfigError("--workers must be at least 1.")
    if policy.max_failures is not None and policy.max_failures < 1:
        raise ConfigError("--max-failures must be at least 1.")
    # lazy: apply's machinery (deploy steps, lint, process pool) for apply only
    from alembic_baseline.commands.deploy import deploy_options, linter
    from alembic_baseline.fleet import apply as fleet_apply

    options = options or deploy_options(settings)
    found = targets(selection, chosen)
    return fleet_apply.apply(
        settings,
        found,
        options,
        policy,
        lint=linter(settings),
        shard=str(chosen) if chosen else None,
        progress=progress,
        notify=notify,
    )


def drift(
    settings: Settings,
    selection: Selection,
    chosen: shard.Shard | None = None,
    *,
    progress: Progress = quiet,
) -> FleetDrift:
    """Compare every target with the expected schema of its own revision."""
    # lazy: the replays and their options for drift only
    from alembic_baseline.commands.status import deploy_options
    from alembic_baseline.fleet import drift as fleet_drift

    options = deploy_options(settings)
    return fleet_drift.drift(
        settings,
        targets(selection, chosen),
        options.cache_dir,
        shard=str(chosen) if chosen else None,
        progress=progress,
    )


def manifest(spec: JobSpec) -> dict[str, Any]:
    """Print a Kubernetes Indexed Job running `fleet apply --shard I/N` (YAML; JSON: --json)."""
    from alembic_baseline.fleet.manifest import job  # lazy: the manifest command only

    return job(spec)
