"""The baseline commands' results as text, JSON and markdown (views over the results of
create, verify, restore and upgrade; see report.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.report import to_jsonable

if TYPE_CHECKING:  # start-up: a command imports only the operation it runs
    from alembic_baseline.baseline.create import CreateResult
    from alembic_baseline.baseline.restore import RestoreResult
    from alembic_baseline.baseline.upgrade import UpgradeResult
    from alembic_baseline.baseline.verify import VerifyResult
    from alembic_baseline.report import Reporter


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


@dataclass(frozen=True)
class Created:
    """``baseline create``: the files written and what was carried over or left out."""

    result: CreateResult

    def to_json(self) -> Any:
        return to_jsonable(self.result)

    def text(self, out: Reporter) -> None:
        r = self.result
        out.text(f"[green]baseline {r.revision}[/] from {r.source}, "
                 f"PostgreSQL {r.server_version}")  # fmt: skip
        out.text(f"  pg_dump: {r.pg_dump}")
        out.text(f"  {r.sql_path}  ({r.statements} statements, {r.chunks} chunk(s))")
        out.text(f"  {r.revision_path}")
        out.text(f"  {r.bridge_path}  (bridge: keeps id {r.old_head} for existing databases)")
        out.text(f"  {len(r.archived)} revisions archived to {r.archived[0].parent}")
        for item in r.removed:
            out.text(f"  [dim]removed from the dump: {item}[/]")
        if r.seed_rows and r.seed_carried:
            out.text(f"  seed data carried (rows the history writes, from its replay): "
                     f"{len(r.seed_rows)} tables")  # fmt: skip
            for table, count in r.seed_rows.items():
                out.text(f"    {escape(table)}: {count} row{_plural(count)}")
        for warning in r.warnings:
            out.text(f"  [yellow]warning: {escape(warning)}[/]")
        if r.drift:
            out.text(f"  [yellow]production accepted as the truth over {len(r.drift)} "
                     "differences (recorded in the manifest)[/]")  # fmt: skip
        out.text("next: alembic-baseline baseline verify   (then commit the files)")

    def markdown(self) -> str:
        r = self.result
        lines = [f"## Baseline `{r.revision}` from {r.source} (PostgreSQL {r.server_version})", ""]
        lines += [
            f"- pg_dump: {r.pg_dump}",
            f"- `{r.sql_path}` ({r.statements} statements, {r.chunks} chunk(s))",
            f"- `{r.revision_path}`",
            f"- `{r.bridge_path}` (bridge: keeps id `{r.old_head}` for existing databases)",
            f"- {len(r.archived)} revisions archived to `{r.archived[0].parent}`",
        ]
        lines += [f"- removed from the dump: {item}" for item in r.removed]
        if r.seed_rows and r.seed_carried:
            lines += [
                f"- seed data carried: `{t}` {n} row{_plural(n)}" for t, n in r.seed_rows.items()
            ]
        lines += [f"- **warning**: {w}" for w in r.warnings]
        if r.drift:
            lines += [f"- production accepted as the truth over {len(r.drift)} differences"]
        lines += ["", "Next: `alembic-baseline baseline verify`, then commit the files."]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Verified:
    """``baseline verify``: each pair compared, and the verdict."""

    result: VerifyResult

    def to_json(self) -> Any:
        return to_jsonable({"equal": self.result.equal, "result": self.result})

    def _verdict(self) -> tuple[str, str]:
        r = self.result
        version = f"{r.pg_version // 10000}.{r.pg_version % 10000}"  # 150018 → 15.18
        return (
            "verified" if r.equal else "not verified"
        ), f"baseline {r.revision} on PostgreSQL {version}"

    def text(self, out: Reporter) -> None:
        for comparison in self.result.comparisons:
            mark = "[green]equal[/]" if comparison.equal else "[red]DIFFERENT[/]"
            out.text(f"{mark}  {escape(comparison.name)}")
            for line in comparison.differences:
                out.text(f"    {escape(line)}")
            for note in comparison.notes:
                out.text(f"    [dim]{escape(note)}[/]")
        verdict, what = self._verdict()
        colour = "green" if self.result.equal else "red"
        out.text(f"[{colour}]{verdict}[/]: {what}")

    def markdown(self) -> str:
        verdict, what = self._verdict()
        lines = [f"## Baseline {verdict}: {what}", ""]
        for c in self.result.comparisons:
            lines.append(f"- {'equal' if c.equal else '**DIFFERENT**'}: {c.name}")
            lines += [f"  - {line}" for line in c.differences]
            lines += [f"  - _{note}_" for note in c.notes]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Restored:
    """``baseline archive --restore``: the archived revisions brought back."""

    result: RestoreResult

    def to_json(self) -> Any:
        return to_jsonable(self.result)

    def _line(self) -> str:
        return (f"restored {len(self.result.restored)} revisions; removed baseline "
                f"{self.result.revision}, its bridge and SQL")  # fmt: skip

    def text(self, out: Reporter) -> None:
        out.text(self._line())

    def markdown(self) -> str:
        lines = [f"## Baseline `{self.result.revision}` undone", "", self._line().capitalize(), ""]
        lines += [f"- restored `{p.name}`" for p in self.result.restored]
        lines += [f"- removed `{p.name}`" for p in self.result.removed]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Upgraded:
    """``upgrade``: from where to where, and how many revisions ran (archived ones apart)."""

    result: UpgradeResult

    def to_json(self) -> Any:
        return to_jsonable(self.result)

    def _line(self) -> str:
        r = self.result
        ran = len(r.archived_steps) + len(r.steps)
        return (f"{', '.join(r.start) or '(empty)'} → {', '.join(r.end)}: {ran} "
                f"revisions ({len(r.archived_steps)} archived)")  # fmt: skip

    def text(self, out: Reporter) -> None:
        out.text(self._line())

    def markdown(self) -> str:
        r = self.result
        lines = ["## Upgrade", "", self._line(), ""]
        lines += [f"1. `{s}` (archived)" for s in r.archived_steps]
        lines += [f"1. `{s}`" for s in r.steps]
        return "\n".join(lines) + "\n"
