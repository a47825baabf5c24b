"""Markdown for a PR or a ticket: the doctor's report, a repair plan, a checklist (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_baseline.runbook.items import Status

if TYPE_CHECKING:
    from alembic_baseline.doctor.checklists import Checklist
    from alembic_baseline.doctor.model import Diagnosis, DoctorReport, Identification
    from alembic_baseline.doctor.repair import RepairPlan

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
