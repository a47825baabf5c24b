"""What ``status``, ``plan``, ``apply`` and ``rollback`` return, and how each is shown as text,
JSON and markdown (see report.py; a plan, made below this module, is shown through
:class:`PlanView`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.deploy.applied import IntegrityCheck
from alembic_baseline.deploy.pending import PendingRevision
from alembic_baseline.errors import ExitCode
from alembic_baseline.expected import SchemaCheck
from alembic_baseline.report import MARKS, dataclass_json, escape, to_jsonable
from alembic_baseline.runbook import record as rec

if TYPE_CHECKING:
    from alembic_baseline.deploy import plan as pl
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class RevisionView:
    id: str
    message: str
    location: str  # live | archived | unknown


@dataclass(frozen=True)
class StatusResult:
    """Where a database stands against the project."""

    database: str
    server_version: str
    current: tuple[RevisionView, ...]
    heads: tuple[str, ...]
    pending: tuple[PendingRevision, ...]
    behind_baseline: bool
    unknown: tuple[str, ...]
    schema: SchemaCheck | None
    seconds: float
    integrity: IntegrityCheck | None = None
    """Applied revisions against their files (None: record_applied = false; docs/team.md)."""

    @property
    def exit_code(self) -> ExitCode:
        """3 when an applied revision's file changed or disappeared; 1 on drift, on an unknown
        revision, and when the schema check was wanted but could not be made (no scratch server
        of the database's major: never a silent pass)."""
        if self.integrity is not None and not self.integrity.ok:
            return ExitCode.UNSAFE
        unproven = self.schema is not None and self.schema.matches is not True
        return ExitCode.FINDINGS if unproven or self.unknown else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def text(self, out: Reporter) -> None:
        out.text(f"database  {escape(self.database)} (PostgreSQL {self.server_version})")
        for c in self.current:
            out.text(f"current   {c.id} {escape(c.message)} [dim]({c.location})[/]")
        if not self.current:
            out.text("current   (none: no revision recorded)")
        out.text(f"heads     {', '.join(self.heads)}")
        if self.unknown:
            out.text("[red]unknown revision recorded[/]: run `alembic-baseline doctor`")
        if self.behind_baseline:
            out.text(
                "[yellow]behind the baseline[/] (archived revision): run `alembic-baseline doctor`"
            )
        pending = self.pending
        out.text(
            f"pending   {len(pending)} revision(s)"
            + (f" ({per_phase(pending)}):" if pending else " (up to date)")
        )
        for i, p in enumerate(pending, start=1):
            out.text(f"  {i}. {p.id}  {escape(p.message)}  [dim]{p.phase}[/]")
        for line in integrity_lines(self.integrity):
            out.text(line if line.startswith("files") else f"  {escape(line)}")
        if self.schema is not None:
            colour = {True: "green", False: "red", None: "yellow"}[self.schema.matches]
            cached = " [dim](cached)[/]" if self.schema.cached else ""
            out.text(f"schema    [{colour}]{escape(self.schema.detail)}[/]{cached}")
            for line in self.schema.differences:
                out.text(f"  - {escape(line)}")

    def markdown(self) -> str:
        current = ", ".join(f"`{c.id}` {c.message} ({c.location})" for c in self.current)
        lines = [
            f"## alembic-baseline status — {len(self.pending)} pending",
            "",
            "| | |",
            "|---|---|",
            f"| database | `{self.database}` (PostgreSQL {self.server_version}) |",
            f"| current | {current or '(none: no revision recorded)'} |",
            f"| heads | {', '.join(self.heads)} |",
        ]
        if self.unknown:
            lines.append(f"| unknown revision | {', '.join(self.unknown)}: run `doctor` |")
        if self.behind_baseline:
            lines.append("| behind the baseline | archived revision: run `doctor` |")
        lines += _schema_rows(self.schema)
        lines += [f"| {'files' if i == 0 else ''} | {line} |" for i, line in
                  enumerate(integrity_lines(self.integrity, markup=False))]  # fmt: skip
        if self.pending:
            lines.append(f"| pending by phase | {per_phase(self.pending)} |")
        lines += ["", *(f"1. `{p.id}` {p.message} ({p.phase})" for p in self.pending)]
        return "\n".join(lines).rstrip() + "\n"


def per_phase(pending: Sequence[PendingRevision]) -> str:
    """``pre 2, post 1``: pending revisions counted per expand/contract phase."""
    counts = {phase: sum(p.phase == phase for p in pending) for phase in ("pre", "post")}
    return ", ".join(f"{phase} {n}" for phase, n in counts.items())


def integrity_lines(check: IntegrityCheck | None, *, markup: bool = True) -> list[str]:
    """``status``'s lines on the applied revisions against their files (docs/team.md)."""
    if check is None:
        return []
    if not check.recorded:
        lines = ["no applied-revisions table yet (apply records): not compared"]
    elif check.ok:
        lines = [f"{check.checked} applied revision(s) match their files"]
    else:
        ids = " ".join(m.revision for m in check.mismatches)
        lines = [f"{len(check.mismatches)} applied revision(s) changed:"]
        lines += [f"- {m.detail}" for m in check.mismatches]
        lines.append(
            "Restore the files as applied, or accept a reviewed change: "
            f"alembic-baseline repair --accept-checksums {ids}"
        )
    if check.not_compared:
        lines.append(f"archived by a baseline, file gone: {', '.join(check.not_compared)}")
    if not markup:
        return lines
    colour = "red" if not check.ok else ("green" if check.recorded else "dim")
    return [f"files     [{colour}]{escape(lines[0])}[/]", *lines[1:]]


def _schema_rows(schema: SchemaCheck | None, label: str = "schema") -> list[str]:
    if schema is None:
        return []
    return [f"| {label} | {schema.detail}{' (cached)' if schema.cached else ''} |"] + [
        f"| | {line} |" for line in schema.differences
    ]


@dataclass(frozen=True)
class PlanView:
    """A plan (``plan``'s result): its pending revisions, checklist, locks and rehearsal."""

    plan: pl.Plan

    def to_json(self) -> Any:
        return to_jsonable(self.plan)

    def text(self, out: Reporter) -> None:
        p = self.plan
        out.text(
            f"[bold]{escape(p.database)}[/] (PostgreSQL {p.server_version}): "
            f"{', '.join(p.current) or '(empty)'} → {', '.join(p.target_revisions)}"
        )
        out.text(f"\n[bold]Pending[/] ({len(p.pending)})")
        for i, rev in enumerate(p.pending, start=1):
            flags = ("" if rev.has_downgrade else " [red](no downgrade)[/]") + (
                " [yellow](autocommit block)[/]" if rev.autocommit else ""
            )
            out.text(f"  {i}. {rev.id}  {escape(rev.message)}  [dim]{rev.phase}[/]{flags}")
        if p.pending:
            out.text(f"  [dim]by phase: {per_phase(p.pending)}[/]")
        out.text("\n[bold]Checklist[/] (パッチ適用前)")
        for c in p.checks:
            out.text(f"  {MARKS[c.status.value]} {c.name:<15} {escape(c.detail)}")
            if c.hint and c.status.value in ("fail", "warn", "manual"):
                out.text(f"    [dim]{escape(c.hint)}[/]")
        if p.locks:
            out.text("\n[bold]Long-held locks[/]")
            for f in p.locks:
                out.text(
                    f"  {f.revision} [yellow]{f.lock}[/] on {escape(f.relation)} "
                    f"(blocks {f.blocks}): {escape(f.reason)}"
                )
                out.text(f"    [dim]{escape(f.statement)}[/]")
        if p.rehearsal is not None:
            self._rehearsal_text(out, p.rehearsal)
        if p.sql_file:
            out.text(f"\nSQL written to {escape(str(p.sql_file))} — read it before `apply`.")

    @staticmethod
    def _rehearsal_text(out: Reporter, r: pl.Rehearsal) -> None:
        state = "[green]ok[/]" if r.ok else f"[red]failed[/]: {escape(r.error or '')}"
        out.text(f"\n[bold]Rehearsal[/] on a scratch copy of production: {state}")
        if r.sampled_rows:
            out.text(f"  {r.sampled_rows} row(s) sampled from production (read only)")
        for name, seconds in r.seconds.items():
            out.text(f"  {name:<14} {seconds:8.2f} s")
        for line in r.changes:
            out.text(f"  change: {escape(line)}")
        if r.schema is not None:
            out.text(f"  result vs history: {escape(r.schema.detail)}")

    def markdown(self) -> str:
        p = self.plan
        current, target = ", ".join(p.current) or "(empty)", ", ".join(p.target_revisions)
        lines = [f"## alembic-baseline plan — `{p.database}`", "",
                 f"PostgreSQL {p.server_version}: {current} → {target}", "",
                 f"### Pending ({len(p.pending)})", ""]  # fmt: skip
        for rev in p.pending:
            flags = ("" if rev.has_downgrade else " **(no downgrade)**") + (
                " _(autocommit block)_" if rev.autocommit else ""
            )
            lines.append(f"1. `{rev.id}` {rev.message} ({rev.phase}){flags}")
        lines += ["", "### Checklist (パッチ適用前)", ""]
        for c in p.checks:
            hint = f" — {c.hint}" if c.hint and c.status.value in ("fail", "warn", "manual") else ""
            lines.append(f"- **{c.status.value}** `{c.name}` — {c.detail}{hint}")
        if p.locks:
            lines += ["", "### Long-held locks", ""]
            lines += [f"- `{f.revision}` {f.lock} on `{f.relation}` (blocks {f.blocks}): "
                      f"{f.reason}" for f in p.locks]  # fmt: skip
        if p.rehearsal is not None:
            r = p.rehearsal
            verdict = "ok" if r.ok else f"failed: {r.error or ''}"
            lines += ["", f"### Rehearsal: {verdict}", ""]
            if r.sampled_rows:
                lines.append(f"- {r.sampled_rows} row(s) sampled from production (read only)")
            lines += [f"- {name}: {seconds:.2f} s" for name, seconds in r.seconds.items()]
            lines += [f"- change: {line}" for line in r.changes]
            if r.schema is not None:
                lines.append(f"- result vs history: {r.schema.detail}")
        if p.sql_file:
            lines += ["", f"SQL written to `{p.sql_file}`: read it before `apply`."]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RunResult:
    """An apply or rollback run: its record (also on disk) and, for apply, the plan."""

    record: rec.RunRecord
    plan: pl.Plan | None = None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.record.outcome == "ok" else ExitCode.FINDINGS

    def to_json(self) -> Any:
        return to_jsonable(self.record)

    def text(self, out: Reporter) -> None:
        r = self.record
        colour = "green" if r.outcome == "ok" else "red"
        out.text(f"\n[bold {colour}]{r.command} {r.outcome}[/]  run {r.id}")
        stopped = ", ".join(r.stopped_at or ()) or "(none)"
        out.text(f"  {', '.join(r.from_revisions) or '(none)'} → {stopped}")
        if r.backup:
            out.text(f"  backup: {escape(str(r.backup.path))} ({r.backup.size:,} bytes)")
        rec.record_text(out, r)

    def markdown(self) -> str:
        return rec.render_markdown(self.record) + "\n"
