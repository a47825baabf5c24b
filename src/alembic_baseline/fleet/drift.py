"""``fleet drift``: every target compared with the expected schema of its own revision.

Each distinct recorded revision is replayed once (per server major) on a scratch database —
``expected.expected_snapshot`` caches it — and every target at that revision is compared with it.
A tenant schema is compared with the history replayed into a scratch tenant schema (once per
revision, :mod:`alembic_baseline.fleet.tenants`). A target that cannot be compared
(unreachable, unknown revision) is listed as not compared: never counted as matching.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.deploy.state import Progress, read_state
from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.expected import (
    SchemaCheck,
    VersionTable,
    compare_tenant_with_expected,
    compare_with_expected,
    expected_snapshot,
    expected_tenant_snapshot,
    inspect_options,
)
from alembic_baseline.fleet import probe, tenants
from alembic_baseline.fleet.probe import TargetState
from alembic_baseline.fleet.project import loaded, target_project
from alembic_baseline.fleet.targets import Target
from alembic_baseline.pg.scratch import Scratch
from alembic_baseline.report import escape, table
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.report import Reporter

COMPARE_THREADS = 4


@dataclass(frozen=True)
class TargetDrift:
    name: str
    revision: str
    matches: bool | None
    """None: not compared (``detail`` says why)."""
    differences: tuple[str, ...] = ()
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "revision": self.revision,
            "matches": self.matches,
            "differences": list(self.differences),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class FleetDrift:
    targets: tuple[TargetDrift, ...]
    revisions: tuple[str, ...]
    """The distinct revisions whose expected schema was built (or read from the cache)."""
    seconds: float
    shard: str | None = None

    @property
    def drifted(self) -> list[TargetDrift]:
        return [t for t in self.targets if t.matches is False]

    @property
    def not_compared(self) -> list[TargetDrift]:
        return [t for t in self.targets if t.matches is None]

    @property
    def exit_code(self) -> ExitCode:
        """1 when a target drifted or could not be compared."""
        return ExitCode.FINDINGS if self.drifted or self.not_compared else ExitCode.OK

    def _headline(self) -> str:
        s = self.to_json()["summary"]
        return (
            f"{s['targets']} target(s): {s['matching']} matching, {s['drifted']} drifted, "
            f"{s['not_compared']} not compared; revisions replayed: "
            f"{', '.join(self.revisions) or '(none)'}"
        )

    def text(self, out: Reporter) -> None:
        for t in self.targets:
            if t.matches is False:
                out.text(f"[red]drifted[/] {escape(t.name)} ({t.revision}): {escape(t.detail)}")
                for line in t.differences:
                    out.text(f"  - {escape(line)}")
            elif t.matches is None:
                out.text(f"[yellow]not compared[/] {escape(t.name)}: {escape(t.detail)}")
        out.text(escape(self._headline()))

    def markdown(self) -> str:
        word = {True: "matches", False: "drifted", None: "not compared"}
        rows = [
            (t.name, t.revision, word[t.matches], "; ".join(t.differences) or t.detail)
            for t in self.targets
        ]
        head = ("target", "revision", "result", "differences")
        return (
            "\n".join(["# Fleet drift", "", self._headline() + ".", "", *table(head, rows)]) + "\n"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": [t.to_json() for t in self.targets],
            "summary": {
                "targets": len(self.targets),
                "matching": sum(t.matches is True for t in self.targets),
                "drifted": len(self.drifted),
                "not_compared": len(self.not_compared),
                "revisions_replayed": list(self.revisions),
                "shard": self.shard,
                "seconds": round(self.seconds, 3),
            },
        }


def drift(
    settings: Settings,
    targets: list[Target],
    cache_dir: Path,
    *,
    shard: str | None = None,
    progress: Progress,
) -> FleetDrift:
    start = time.perf_counter()
    _, history = loaded(settings)
    found = probe.status(targets, history, probe.version_table(settings), shard)
    comparable = [s for s in found.targets if _why_not(s) is None]
    results = {
        s.name: TargetDrift(s.name, s.revision, None, detail=_why_not(s) or "")
        for s in found.targets
        if _why_not(s) is not None
    }
    revisions: set[str] = set()
    for tenant in (False, True):
        group = [s for s in comparable if (s.target.schema is not None) == tenant]
        if group:
            results.update(_group(settings, group, cache_dir, progress, revisions, tenant=tenant))
    ordered = tuple(results[s.name] for s in found.targets)
    return FleetDrift(ordered, tuple(sorted(revisions)), time.perf_counter() - start, shard)


def _group(
    settings: Settings,
    group: list[TargetState],
    cache_dir: Path,
    progress: Progress,
    revisions: set[str],
    *,
    tenant: bool,
) -> dict[str, TargetDrift]:
    """Databases, or tenant schemas: each distinct revision's expected schema built once per
    major (tenants: replayed into the scratch tenant schema), then every target compared."""
    project, history = loaded(settings)
    first = group[0].target
    table = read_state(target_project(settings, first), first.url).version_table
    replaying = tenants.scratch_project(settings, project) if tenant else project
    results: dict[str, TargetDrift] = {}
    by_major: dict[int, list[TargetState]] = {}
    for s in group:
        by_major.setdefault(s.server_major or 0, []).append(s)
    for major, states in sorted(by_major.items()):
        with Scratch(major, settings.scratch_url) as scratch:
            broken: dict[str, str] = {}
            for rev in sorted({s.current[0] for s in states}):
                what = "expected tenant schema" if tenant else "expected schema"
                progress(f"{what} of {rev} (PostgreSQL {major})")
                try:  # built once here; every comparison below reads it from the cache
                    if tenant:
                        expected_tenant_snapshot(
                            replaying, history, scratch, rev, table.name, cache_dir
                        )
                    else:
                        expected_snapshot(
                            project, history, scratch, rev, inspect_options(table), cache_dir
                        )
                    revisions.add(rev)
                except BaselineError as exc:
                    broken[rev] = f"not compared: the {what} of {rev} could not "
                    broken[rev] += f"be built: {exc.message}"
            for s in [s for s in states if s.current[0] in broken]:
                results[s.name] = TargetDrift(s.name, s.revision, None, detail=broken[s.current[0]])
            states = [s for s in states if s.current[0] not in broken]
            with ThreadPoolExecutor(COMPARE_THREADS) as pool:
                checks = pool.map(
                    lambda s: _compare(settings, s, scratch, table, cache_dir, replaying), states
                )
                for s, check in zip(states, checks, strict=True):
                    results[s.name] = TargetDrift(
                        s.name, s.revision, check.matches, check.differences, check.detail
                    )
    return results


def _why_not(s: TargetState) -> str | None:
    if s.problem:
        return f"not compared: {s.problem}: {s.detail}"
    if len(s.current) != 1:
        return "not compared: the target records no single revision"
    return None


def _compare(
    settings: Settings,
    s: TargetState,
    scratch: Scratch,
    table: VersionTable,
    cache_dir: Path,
    replaying: AlembicProject,
) -> SchemaCheck:
    project, history = loaded(settings)
    try:
        if s.target.schema is not None:
            return compare_tenant_with_expected(
                replaying,
                history,
                scratch,
                s.target.url,
                s.target.schema,
                s.current[0],
                table.name,
                cache_dir,
            )
        return compare_with_expected(
            project, history, scratch, s.target.url, s.current[0], table, cache_dir
        )
    except BaselineError as exc:
        return SchemaCheck(s.current[0], None, detail=f"not compared: {exc.message}")
