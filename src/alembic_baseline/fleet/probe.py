"""Where every target stands, cheaply: the history loaded once, one short query per target.

No Alembic start-up per target: the version table is read with one ``SELECT`` on a plain
connection (tenant schemas of one database share it), several databases at a time on threads
(psycopg connections are independent; only Alembic's command API is not thread-safe). Where the
version table lives is a setting, because env.py is not run here::

    [tool.alembic-baseline.fleet]
    version_table = "alembic_version"      # the default
    version_table_schema = "ops"           # database targets; default: the search_path's
    # tenant schema targets keep it in their own schema (the env.py contract, docs/fleet.md)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.fleet.targets import Target
from alembic_baseline.history.graph import History
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.url import DatabaseURL, redact
from alembic_baseline.report import escape, table
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter

PROBE_THREADS = 8
ARCHIVED = "archived revision"


@dataclass(frozen=True)
class VersionTableSetting:
    name: str = "alembic_version"
    schema: str | None = None

    def for_target(self, target: Target) -> tuple[str | None, str]:
        return (target.schema or self.schema, self.name)


def version_table(settings: Settings) -> VersionTableSetting:
    table: Mapping[str, Any] = settings.section("fleet")
    name = table.get("version_table", "alembic_version")
    schema = table.get("version_table_schema")
    if (
        not isinstance(name, str)
        or not name
        or (schema is not None and not isinstance(schema, str))
    ):
        raise ConfigError("[tool.alembic-baseline.fleet] version_table(_schema) must be text.")
    return VersionTableSetting(name, schema or None)


@dataclass(frozen=True)
class TargetState:
    """One target as found: its recorded revisions, what is pending, or what is wrong."""

    target: Target
    current: tuple[str, ...] = ()
    server_major: int | None = None
    pending: tuple[str, ...] = ()
    problem: str | None = None
    """``unreachable``, ``unknown revision``, ``multiple rows``, ``archived revision``."""
    detail: str = ""

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def revision(self) -> str:
        """The recorded revision(s) as one key: ``(empty)`` for none."""
        return ", ".join(self.current) or "(empty)"

    @property
    def at_head(self) -> bool:
        return self.problem is None and not self.pending

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "where": self.target.where,
            "labels": dict(self.target.labels),
            "current": list(self.current),
            "pending": list(self.pending),
            "problem": self.problem,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Found:
    """What the one query returned (before the history classifies it)."""

    target: Target
    rows: tuple[str, ...] = ()
    server_major: int | None = None
    error: str | None = None


def read_all(
    targets: Iterable[Target], table: VersionTableSetting, threads: int = PROBE_THREADS
) -> list[Found]:
    """The version rows of every target, in the targets' order."""
    by_db: dict[DatabaseURL, list[Target]] = {}
    for t in targets:
        by_db.setdefault(t.url, []).append(t)
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(by_db)))) as pool:
        results = pool.map(lambda ts: _read_database(ts, table), by_db.values())
        found = {f.target.name: f for batch in results for f in batch}
    return [found[t.name] for group in by_db.values() for t in group]


def _read_database(targets: list[Target], table: VersionTableSetting) -> list[Found]:
    """One connection per database; one query per target (tenant schemas share it)."""
    import psycopg
    from psycopg import sql

    try:
        conn = connect(targets[0].url)
    except BaselineError as exc:
        return [Found(t, error=redact(exc.message)) for t in targets]
    found = []
    try:
        major = conn.info.server_version // 10000
        for t in targets:
            schema, name = table.for_target(t)
            ident = sql.Identifier(schema, name) if schema else sql.Identifier(name)
            query = sql.SQL("SELECT version_num FROM {} ORDER BY 1").format(ident)
            try:
                rows = tuple(str(r[0]) for r in conn.execute(query).fetchall())
            except psycopg.errors.UndefinedTable:
                rows = ()  # no version table yet: an empty target, at base
            except psycopg.Error as exc:
                found.append(Found(t, error=redact(str(exc).strip().splitlines()[0])))
                continue
            found.append(Found(t, rows, major))
    except psycopg.Error as exc:  # the connection itself broke
        done = {f.target.name for f in found}
        found += [Found(t, error=redact(str(exc).strip())) for t in targets if t.name not in done]
    finally:
        conn.close()
    return found


def classify(found: Found, history: History) -> TargetState:
    """Locate the recorded revisions in the history: pending revisions, or the problem."""
    t = found.target
    if found.error is not None:
        return TargetState(t, problem="unreachable", detail=found.error)
    rows = found.rows
    state = TargetState(t, rows, found.server_major)
    if len(set(rows)) != len(rows) or (len(rows) > 1 and len(history.heads()) == 1):
        return _with(state, "multiple rows", f"the version table holds {len(rows)} rows")
    unknown = [r for r in rows if history.locate(r) is None]
    if unknown:
        return _with(
            state,
            "unknown revision",
            f"{', '.join(unknown)} is not a revision of this project; "
            "run `alembic-baseline doctor` on it",
        )
    archived = [r for r in rows if history.locate(r) == "archived"]
    if archived:
        return _with(
            state,
            ARCHIVED,
            f"{', '.join(archived)} is behind the baseline; `fleet apply` (or "
            "`alembic-baseline upgrade`) brings it forward through the archived revisions",
        )
    pending = tuple(r.id for r in history.pending(rows))
    return TargetState(t, rows, found.server_major, pending)


def _with(state: TargetState, problem: str, detail: str) -> TargetState:
    return TargetState(
        state.target, state.current, state.server_major, problem=problem, detail=detail
    )


@dataclass(frozen=True)
class FleetStatus:
    """Every target's state, grouped by recorded revision."""

    heads: tuple[str, ...]
    targets: tuple[TargetState, ...]
    seconds: float
    shard: str | None = None
    groups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[TargetState]:
        return [s for s in self.targets if s.problem]

    @property
    def pending(self) -> list[TargetState]:
        return [s for s in self.targets if s.problem is None and s.pending]

    def text(self, out: Reporter) -> None:
        s = self.to_json()["summary"]
        out.text(
            f"heads {', '.join(self.heads)}" + (f"  (shard {self.shard})" if self.shard else "")
        )
        for rev, names in self.groups.items():
            shown = ", ".join(names[:8]) + (f" … (+{len(names) - 8})" if len(names) > 8 else "")
            out.text(f"  {escape(rev)}: {len(names)} target(s): {escape(shown)}")
        for p in self.problems:
            out.text(f"[red]{escape(p.name)}[/]: {p.problem}: {escape(p.detail)}")
        out.text(
            f"{s['targets']} target(s): {s['at_head']} at head, {s['pending']} pending, "
            f"{s['problems']} with a problem ({self.seconds:.2f} s)"
        )

    def markdown(self) -> str:
        s = self.to_json()["summary"]
        lines = [
            "# Fleet status",
            "",
            f"Heads: {', '.join(self.heads)}. {s['targets']} target(s): {s['at_head']} at head, "
            f"{s['pending']} pending, {s['problems']} with a problem"
            + (f" (shard {self.shard})." if self.shard else "."),
            "",
            *table(("revision", "targets"), [(r, ", ".join(n)) for r, n in self.groups.items()]),
        ]
        if self.problems:
            rows = [(p.name, p.problem, p.detail) for p in self.problems]
            lines += ["", *table(("target", "problem", "detail"), rows)]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "heads": list(self.heads),
            "shard": self.shard,
            "groups": self.groups,
            "targets": [s.to_json() for s in self.targets],
            "summary": {
                "targets": len(self.targets),
                "at_head": sum(s.at_head for s in self.targets),
                "pending": len(self.pending),
                "problems": len(self.problems),
            },
            "seconds": round(self.seconds, 3),
        }


def status(
    targets: list[Target], history: History, table: VersionTableSetting, shard: str | None = None
) -> FleetStatus:
    start = time.perf_counter()
    states = tuple(classify(f, history) for f in read_all(targets, table))
    groups: dict[str, list[str]] = {}
    for s in states:
        groups.setdefault(f"({s.problem})" if s.problem else s.revision, []).append(s.name)
    return FleetStatus(history.heads(), states, time.perf_counter() - start, shard, groups)
