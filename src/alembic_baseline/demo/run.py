"""``demo``: the runbook, end to end, on the bundled sample project and a scratch server.

Each step is a small function that does real work and returns what it did and measured; the CLI
prints steps as they finish. The steps are in ``core_steps`` and one ``*_steps`` module per
feature, all in this package (above ``commands``: the steps call the commands).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alembic_baseline import compat
from alembic_baseline import settings as settings_mod
from alembic_baseline.demo import baseline_steps, core_steps, deploy_steps, doctor_steps, lint_steps
from alembic_baseline.demo.model import DemoContext, DemoResult, DemoStep
from alembic_baseline.examples import copy_sample
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg import binaries
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.settings import Settings


def all_steps() -> list[Callable[[DemoContext], DemoStep]]:
    """The core steps, then each feature's steps."""
    return [
        *core_steps.STEPS,
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
    """Run the runbook end to end on the sample project (scratch server, nothing left behind).

    Every runbook step that exists runs on a copy of the sample project."""
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
