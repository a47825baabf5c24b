"""The doctor's report, a repair and a checklist as text, JSON and markdown (views, see
report.py); the markdown is for a PR or a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.deploy.checks import Status
from alembic_baseline.deploy.record import RunRecord, record_text, render_markdown
from alembic_baseline.report import MARKS, to_jsonable

if TYPE_CHECKING:
    from alembic_baseline.doctor.checklists import Checklist
    from alembic_baseline.doctor.model import Diagnosis, DoctorReport, Identification
    from alembic_baseline.doctor.repair import RepairPlan
    from alembic_baseline.report import Reporter

SEVERITY = {"error": "[red]✗[/]", "warning": "[yellow]![/]", "info": "[blue]i[/]"}
BOX = {
    Status.PASS: "[x]",
    Status.FAIL: "[ ] ✗",
    Status.WARN: "[x] ⚠",
    Status.MANUAL: "[ ]",
    Status.SKIPPED: "[ ] –",
}


def identification_line(ident: Identification) -> str:
    if ident.exact:
        also = f" (also equal: {', '.join(m.label for m in ident.exact[1:])})"
        return f"identified: {ident.exact[0].label}, exact" + (also if len(ident.exact) > 1 else "")
    if ident.closest is not None:
        return (
            f"no exact match; closest: {ident.closest.label} "
            f"({abs(ident.closest.distance)} difference(s))"
        )
    return "not identified"


def extra_differences(d: Diagnosis) -> list[str]:
    """The differences a diagnosis names that its details do not already list."""
    return [line for line in d.differences if line not in d.details]


def diagnosis_markdown(d: Diagnosis) -> list[str]:
    lines = [f"### {d.code} `{d.name}` — {d.severity.value}", "", d.message, ""]
    lines += [f"- {k}: `{v}`" for k, v in d.context.items()]
    lines += [f"- {line}" for line in d.details]
    lines += [f"- differs: {line}" for line in extra_differences(d)]
    lines += ["", "Fix:", "", "```sh", d.fix, "```"]
    if d.sql:
        lines += ["", "SQL (for review):", "", "```sql", d.sql.strip(), "```"]
    return [*lines, ""]


def no_problem_line(r: DoctorReport) -> str:
    """What a report without findings says: never "no problem" for a schema not looked at."""
    if not r.schema_compared:
        return (
            "No problem found in the version table; the schema was not compared "
            "(--no-schema-check)."
        )
    return "No problem found."


def report_markdown(r: DoctorReport) -> str:
    lines = [
        f"## alembic-baseline doctor — {'ok' if r.ok else f'{len(r.diagnoses)} finding(s)'}",
        "",
        "| | |",
        "|---|---|",
        f"| database | `{r.database}` (PostgreSQL {r.server_version}) |",
        f"| version table | `{r.version_table}`: {', '.join(r.recorded) or '(no row)'} |",
        f"| heads | {', '.join(r.heads)} |",
    ]
    if r.identification is not None:
        lines.append(f"| schema | {identification_line(r.identification)} |")
    lines.append("")
    for d in r.diagnoses:
        lines += diagnosis_markdown(d)
    if not r.diagnoses:
        lines.append(no_problem_line(r))
    return "\n".join(lines).rstrip() + "\n"


def plan_markdown(plan: RepairPlan, confirmed: bool) -> str:
    lines = [
        f"## alembic-baseline repair --fix {plan.fix} ({plan.diagnosis or 'asked for'})",
        "",
        f"Version table now: {', '.join(plan.before) or '(no row)'}"
        + (
            f"; afterwards: {', '.join(plan.stamp) or '(no row)'}" if plan.stamp is not None else ""
        ),
        "",
        *[f"1. {s}" for s in plan.steps],
        "",
        "Done." if confirmed else "Nothing done yet: confirm with `--yes`.",
    ]
    return "\n".join(lines) + "\n"


def checklist_markdown(c: Checklist) -> str:
    lines = [
        f"## {c.title} (`alembic-baseline check {c.name}`)",
        "",
        f"Database `{c.database}` — "
        + (f"**{len(c.failed)} failed**" if c.failed else "nothing failed"),
        "",
    ]
    for i in c.items:
        lines.append(f"- {BOX[i.status]} **{i.runbook}** — {i.detail} (`{i.name}`)")
        if i.hint and i.status is not Status.PASS:
            lines.append(f"  - {i.hint}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ReportView:
    """``doctor``'s result."""

    report: DoctorReport

    def to_json(self) -> Any:
        return to_jsonable(self.report)

    def markdown(self) -> str:
        return report_markdown(self.report)

    def text(self, out: Reporter) -> None:
        r = self.report
        out.text(f"database       {escape(r.database)} (PostgreSQL {r.server_version})")
        recorded = ", ".join(r.recorded) or "(no row)"
        out.text(f"version table  {escape(r.version_table)}: {recorded}")
        out.text(f"heads          {', '.join(r.heads)}")
        if r.identification is not None:
            out.text(f"schema         {escape(identification_line(r.identification))}")
        for d in r.diagnoses:
            severity = d.severity.value
            out.text(f"\n{SEVERITY[severity]} [bold]{d.code} {d.name}[/] ({severity})")
            out.text(f"  {escape(d.message)}")
            for key, value in d.context.items():
                out.text(f"  [dim]{escape(key)}: {escape(value)}[/]")
            for line in d.details:
                out.text(f"  - {escape(line)}")
            for line in extra_differences(d):
                out.text(f"  - differs: {escape(line)}")
            out.text(f"  [bold]fix:[/] {escape(d.fix)}")
        if not r.diagnoses:
            colour = "green" if r.schema_compared else "yellow"
            out.text(f"\n[{colour}]{escape(no_problem_line(r))}[/]")
        elif any(d.repair for d in r.diagnoses):
            out.text("\n[dim]Run the fixes with the same -c/--url options as this command.[/]")


@dataclass(frozen=True)
class RepairView:
    """``repair``'s result: the plan, whether it was confirmed, the run record when done."""

    plan: RepairPlan | None
    confirmed: bool
    record: RunRecord | None

    def to_json(self) -> Any:
        return to_jsonable({"plan": self.plan, "confirmed": self.confirmed, "record": self.record})

    def markdown(self) -> str:
        text = plan_markdown(self.plan, self.confirmed) if self.plan is not None else ""
        if self.record is None:
            return text or "Nothing to repair.\n"
        return text + "\n" + render_markdown(self.record) + "\n"

    def text(self, out: Reporter) -> None:
        plan = self.plan
        if plan is not None:
            out.text(f"[bold]repair --fix {plan.fix}[/] ({plan.diagnosis or 'asked for'})")
            out.text(f"  version table now: {', '.join(plan.before) or '(no row)'}")
            for i, step in enumerate(plan.steps, start=1):
                out.text(f"  {i}. {escape(step)}")
        if self.record is None:
            out.text("[yellow]Nothing done[/]: confirm with --yes.")
            return
        rec = self.record
        colour = "green" if rec.outcome == "ok" else "red"
        out.text(f"[bold {colour}]repair {rec.outcome}[/]  run {rec.id}")
        record_text(out, rec)


@dataclass(frozen=True)
class ChecklistView:
    """``check pre-baseline|pre-patch|post-apply``'s result."""

    checklist: Checklist

    def to_json(self) -> Any:
        return to_jsonable(self.checklist)

    def markdown(self) -> str:
        return checklist_markdown(self.checklist)

    def text(self, out: Reporter) -> None:
        c = self.checklist
        out.text(f"[bold]{c.title}[/] ({c.name}) — {escape(c.database)}")
        for i in c.items:
            out.text(f"  {MARKS[i.status.value]} {i.name:<18} {escape(i.runbook)}")
            out.text(f"      {escape(i.detail)}")
            if i.hint and i.status.value != "pass":
                out.text(f"      [dim]{escape(i.hint)}[/]")
        verdict = f"[red]{len(c.failed)} failed[/]" if c.failed else "[green]nothing failed[/]"
        out.text(f"{verdict}; manual items are for a person to tick")
