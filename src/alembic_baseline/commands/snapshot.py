"""``snapshot`` and ``diff``: catalog snapshots and the drift between any two schemas.

Operations only: they compute and return results; ``cli.snapshot`` presents them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.report import Verbatim, table
from alembic_baseline.settings import Settings
from alembic_baseline.snapshot import InspectOptions, sources

if TYPE_CHECKING:
    from alembic_baseline.diff import CompareOptions, SchemaDiff
    from alembic_baseline.report import Reporter
    from alembic_baseline.snapshot import Snapshot
    from alembic_baseline.snapshot.inventory import InventoryCheck

# The snapshot's classes (model, inventory) are imported where they are used: `snapshot --url`
# imports them once its catalog queries are running (see snapshot.inspect).


def _compare_options() -> CompareOptions:
    # lazy: start-up: `snapshot` never compares (the diff package is a fifth of its imports)
    from alembic_baseline.diff import CompareOptions

    return CompareOptions()


@dataclass(frozen=True)
class SnapshotResult:
    """A snapshot, where it came from and where it was written (None: not written)."""

    snapshot: Snapshot
    source: str
    out: Path | None = None

    def counts(self) -> dict[str, int]:
        """Number of objects per kind (kinds with none left out)."""
        from alembic_baseline.snapshot.model import OBJECT_TYPES  # lazy: start-up (see the top)

        return {
            k: len(getattr(self.snapshot, k)) for k in OBJECT_TYPES if getattr(self.snapshot, k)
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": str(self.out) if self.out else None,
            "server_version": self.snapshot.server_version,
            "objects": self.counts(),
        }

    def text(self, out: Reporter) -> None:
        counts = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        out.text(f"[green]snapshot[/] of {self.source} → {self.out}")
        out.text(f"  PostgreSQL {self.snapshot.server_version}: {counts}")

    def markdown(self) -> str:
        where = f" → `{self.out}`" if self.out else ""
        lines = [f"## Snapshot of `{self.source}`{where}", ""]
        lines += [f"PostgreSQL {self.snapshot.server_version}", ""]
        lines += table(("kind", "objects"), self.counts().items())
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class DiffOptions:
    """How ``diff`` reads both sides, compares them and whether it writes fix SQL."""

    compare: CompareOptions = field(default_factory=_compare_options)
    inspect: InspectOptions = field(default_factory=InspectOptions)
    sql: bool = False
    allow_destructive: bool = False


@dataclass(frozen=True)
class DiffResult:
    """The comparison of side A with side B (and the fix SQL when asked for).

    ``inventory`` is the independent check that every object, of any kind, is on both sides
    (None: not run, as for a result made without it).
    """

    a: str
    b: str
    diff: SchemaDiff
    sql: str | None = None
    inventory: InventoryCheck | None = None

    @property
    def equal(self) -> bool:
        """Proven equal: no snapshot difference, and the inventory check ran and found none."""
        return self.diff.is_empty and self.inventory is not None and self.inventory.equal

    @property
    def exit_code(self) -> ExitCode:
        """0 when the schemas are proven equal, 1 when they differ or the inventory check could
        not run (a snapshot file without an inventory)."""
        return ExitCode.OK if self.equal else ExitCode.FINDINGS

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"a": self.a, "b": self.b, **self.diff.to_dict()}
        data["equal"] = self.equal
        if self.inventory is not None:
            data["inventory"] = self.inventory.to_dict()
        if self.sql is not None:
            data["sql"] = self.sql
        return data

    def text(self, out: Reporter) -> None:
        from alembic_baseline.diff import render  # lazy: start-up (see _compare_options)

        if self.sql is None:
            out.out.print(render.render_rich(self.diff, self.inventory))
            return
        out.verbatim(self.sql)  # stdout stays a runnable script; the summary: stderr
        for line in render.inventory_lines(self.diff, self.inventory):
            out.err.print(line, highlight=False, markup=False)
        summary = render.render_text(self.diff, self.inventory).splitlines()[-1]
        out.err.print(summary, highlight=False)

    def markdown(self) -> Verbatim:
        from alembic_baseline.diff import render  # lazy: start-up (see _compare_options)

        title = f"`{self.a}` → `{self.b}`"
        text = render.render_markdown(self.diff, title=title, inventory=self.inventory)
        return Verbatim(text + (f"\n```sql\n{self.sql}```\n" if self.sql else ""))


def snapshot(
    settings: Settings,
    *,
    url: str | None = None,
    revision: str | None = None,
    out: Path | None = None,
    options: InspectOptions | None = None,
) -> SnapshotResult:
    """Write a deterministic JSON snapshot of a database's schema (or of a revision).

    A live database (``url``) or a revision of the project replayed on scratch. With ``out`` the
    JSON is written there (parent directories created).
    """
    if (url is None) == (revision is None):
        raise ConfigError(
            "Give exactly one of --url and --revision.",
            hint="alembic-baseline snapshot --url postgresql://… -o schema.json",
        )
    if url is not None:
        # lazy: start-up: only the path that needs it pays for it
        from alembic_baseline.commands.common import parse_given_url

        parse_given_url(url)  # an empty --url is an error, not a fallback
    spec = url if url is not None else f"{sources.REVISION_PREFIX}{revision}"
    if out is None:
        return SnapshotResult(sources.resolve(spec, settings, options), sources.describe(spec))
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.snapshot.jsonwrite import Ahead, write

    # the kinds loaded first are written out (beside the file) while the server reads the rest
    ahead = Ahead.beside(out) if url is not None else None
    try:
        snap = sources.resolve(spec, settings, options, ahead)
        out.parent.mkdir(parents=True, exist_ok=True)
        write(snap, out, ahead)  # streamed: the whole text is never in memory
    finally:
        if ahead is not None:
            ahead.close()
    return SnapshotResult(snap, sources.describe(spec), out)


def diff(
    settings: Settings, side_a: str, side_b: str, options: DiffOptions | None = None
) -> DiffResult:
    """Show what differs between two schemas (exit 1 when they differ).

    Each side is a URL, a snapshot file or ``rev:REV`` (replayed on the major of ``--pg-major``,
    else on the database side's). The result's exit code is 0 when they are equal and 1 when
    they differ; with ``sql`` it carries the DDL that turns A into B (destructive statements
    commented out unless ``allow_destructive``).
    """
    from alembic_baseline.diff import compare  # lazy: start-up (see _compare_options)
    from alembic_baseline.snapshot.inventory import check  # lazy: start-up (see the top)

    options = options or DiffOptions()
    settings = replace(settings, pg_major=sources.replay_major(settings, side_a, side_b))
    a = sources.resolve(side_a, settings, options.inspect)
    b = sources.resolve(side_b, settings, options.inspect)
    result = compare(a, b, options.compare)
    privileges = options.inspect.privileges and not options.compare.ignore_privileges
    inventory = check(a.inventory, b.inventory, privileges=privileges)
    sql = result.to_sql(allow_destructive=options.allow_destructive) if options.sql else None
    return DiffResult(sources.describe(side_a), sources.describe(side_b), result, sql, inventory)
