"""What the demo's steps share: the context they run in and the step they return."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL


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


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
