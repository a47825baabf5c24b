"""What the demo's steps share: the context they run in and the step they return."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.report import dataclass_json

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class DemoStep:
    """One finished step: what the runbook calls it, what happened, what was measured."""

    title: str
    runbook: str
    lines: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def text(self, out: Reporter, number: int) -> None:
        """The step as it finishes (text output shows each step then, not at the end)."""
        out.text(f"\n[bold cyan]{number}. {escape(self.title)}[/]  [dim]{escape(self.runbook)}[/]")
        for line in self.lines:
            out.text(f"   {escape(line)}")
        for name, seconds in self.seconds.items():
            out.text(f"   [dim]⏱ {name}: {seconds:.3f} s[/]")


@dataclass(frozen=True)
class DemoResult:
    pg_version: str
    project: str
    steps: tuple[DemoStep, ...]

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def text(self, out: Reporter) -> None:
        out.text(
            f"\n[green]demo finished[/] on PostgreSQL {self.pg_version}; "
            "scratch server stopped, nothing left behind."
        )

    def markdown(self) -> str:
        lines = [f"## alembic-baseline demo on PostgreSQL {self.pg_version}", ""]
        for number, step in enumerate(self.steps, start=1):
            lines += [f"### {number}. {step.title}", "", f"_{step.runbook}_", ""]
            lines += [f"- {line}" for line in step.lines]
            lines += [f"- ⏱ {name}: {seconds:.3f} s" for name, seconds in step.seconds.items()]
            lines.append("")
        lines.append("Scratch server stopped, nothing left behind.")
        return "\n".join(lines) + "\n"


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
