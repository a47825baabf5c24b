"""``demo``: the runbook, end to end, on the bundled sample project and a scratch server.

Each step is a small function that does real work and returns what it did and measured; the CLI
prints steps as they finish. Later features add their steps to :data:`STEPS`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic_baseline import compat
from alembic_baseline import settings as settings_mod
from alembic_baseline.examples import copy_sample
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg import binaries
from alembic_baseline.pg.scratch import ScratchServer, scratch_server
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings


@dataclass(frozen=True)
class DemoStep:
    """One finished step: what the runbook calls it, what happened, what was measured."""

    title: str
    runbook: str
    lines: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoResult:
    pg_version: str
    project: str
    steps: tuple[DemoStep, ...]


@dataclass
class DemoContext:
    """State shared by the steps: the server, the project copy, the databases made so far."""

    server: ScratchServer
    project: AlembicProject
    workdir: Path
    databases: dict[str, DatabaseURL] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def step_build_production(ctx: DemoContext) -> DemoStep:
    """Build the sample "production" database by replaying the full history."""
    prod = ctx.server.create_database("lot_management_prod")
    ctx.databases["prod"] = prod
    revisions = list(ctx.project.script.walk_revisions())
    result: list[object] = []
    seconds = _timed(lambda: result.append(ctx.project.upgrade(prod, "heads")))
    ctx.timings["full_history"] = seconds
    return DemoStep(
        "Build production from the full history",
        "前提条件: 本番環境で全マイグレーションが正常に適用済み",
        (
            f"{len(revisions)} revisions replayed with the project's own env.py "
            f"(alembic upgrade heads) into {prod.database}",
        ),
        {"full_history_build": seconds},
    )


def step_current(ctx: DemoContext) -> DemoStep:
    """`alembic current` vs `alembic heads`: production is at the single head."""
    current = ctx.project.current_heads(ctx.databases["prod"])
    heads = ctx.project.heads()
    state = "at head" if current == heads else "NOT at head"
    return DemoStep(
        "Check the current revision",
        "手順 2: alembic current",
        (f"current: {', '.join(current)}", f"heads:   {', '.join(heads)}  → production {state}"),
    )


def step_template_clone(ctx: DemoContext) -> DemoStep:
    """A scratch copy of production by template clone: the fast path of later features."""
    prod = ctx.databases["prod"]
    holder: list[DatabaseURL] = []
    seconds = _timed(lambda: holder.append(ctx.server.create_database(template=prod.database)))
    ctx.databases["clone"] = holder[0]
    ratio = ctx.timings["full_history"] / seconds if seconds else float("inf")
    return DemoStep(
        "Clone production for experiments",
        "新規環境での利用 (fast test databases)",
        (
            f"CREATE DATABASE … TEMPLATE: {seconds * 1000:.0f} ms, "
            f"{ratio:.0f}× faster than replaying the history",
        ),
        {"template_clone": seconds},
    )


def step_dry_run_sql(ctx: DemoContext) -> DemoStep:
    """`alembic upgrade head --sql`: the whole history rendered offline, no database touched."""
    holder: list[str] = []
    seconds = _timed(lambda: holder.append(ctx.project.offline_sql("heads")))
    sql = holder[0]
    out = ctx.workdir / "migration_plan.sql"
    out.write_text(sql, encoding="utf-8")
    statements = sql.count(";\n")
    return DemoStep(
        "Render the migration SQL offline (dry run)",
        "本番環境への適用手順 4: alembic upgrade head --sql > migration_plan.sql",
        (f"{statements} statements, {len(sql.splitlines())} lines rendered",),
        {"offline_sql": seconds},
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [
    step_build_production,
    step_current,
    step_template_clone,
    step_dry_run_sql,
]


def all_steps() -> list[Callable[[DemoContext], DemoStep]]:
    """The core steps, then each feature's steps (imported here: they import this module)."""
    from alembic_baseline.baseline import demo_steps as baseline_steps
    from alembic_baseline.deploy import demo_steps as deploy_steps
    from alembic_baseline.doctor import demo_steps as doctor_steps
    from alembic_baseline.lint import demo_steps as lint_steps

    return [
        *STEPS,
        *lint_steps.STEPS,
        *baseline_steps.STEPS,
        *deploy_steps.STEPS,
        *doctor_steps.STEPS,
    ]


def default_major(settings: Settings) -> int:
    """The demo runs on the embedded PostgreSQL unless a major is asked for."""
    if settings.pg_major is not None:
        return settings.pg_major
    embedded = [i.major for i in binaries.discover() if i.source == "embedded"]
    return max(embedded) if embedded else binaries.find_server().major


def demo(settings: Settings, emit: Callable[[DemoStep], None]) -> DemoResult:
    """Run every runbook step that exists on the sample project; leave nothing behind."""
    compat.require_sqlalchemy_2("The demo (its sample project)")
    major = default_major(settings)
    steps: list[DemoStep] = []
    with tempfile.TemporaryDirectory(prefix="ab-demo-") as tmp:
        start = time.perf_counter()
        with scratch_server(major=major, scratch_url=settings.scratch_url) as server:
            started = time.perf_counter() - start
            first = DemoStep(
                "Start a throwaway PostgreSQL",
                "(tool) scratch server",
                (f"{server.description}, PostgreSQL {server.version_num // 10000}",),
                {"scratch_start": started},
            )
            steps.append(first)
            emit(first)
            project_dir = copy_sample(Path(tmp))
            project_settings = settings_mod.load(
                config=str(project_dir / "alembic.ini"),
                scratch_url=settings.scratch_url,
                pg_major=major,
                output=settings.output,
            )
            ctx = DemoContext(server, AlembicProject(project_settings), Path(tmp))
            for fn in all_steps():
                step = fn(ctx)
                steps.append(step)
                emit(step)
            version = f"{server.version_num // 10000}.{server.version_num % 10000}"
    return DemoResult(version, "lot_management", tuple(steps))
