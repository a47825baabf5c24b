"""Generate ``docs/doctor/<name>.md`` (and the index ``docs/doctor/README.md``) from the classes,
and ``docs/doctor/checklist-items.md`` from the checklist items.

Each diagnosis's docstring (``doctor.problems``) and each item's (``runbook.items``,
``doctor.items``) is the single source: a test regenerates the pages and fails when the committed
ones differ. Update them with ``python -m alembic_baseline.doctor.docs docs/doctor``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic_baseline.docstrings import sections, write_pages
from alembic_baseline.doctor.items import all_checks
from alembic_baseline.doctor.registry import DOC_SECTIONS, Problem, all_problems
from alembic_baseline.runbook.items import Check

HEADER = (
    "<!-- Generated from the diagnosis's docstring by alembic_baseline.doctor.docs; "
    "do not edit. -->"
)


def _severity(problem: type[Problem]) -> str:
    others = ", ".join(s.value for s in problem.other_severities)
    return f"**{problem.severity.value}**" + (f" (some cases: {others})" if others else "")


def problem_page(problem: type[Problem]) -> str:
    sections = problem.sections()
    lines = [
        HEADER,
        "",
        f"# {problem.code} `{problem.name}`",
        "",
        f"{problem.title[0].upper()}{problem.title[1:]}. Severity: {_severity(problem)}.",
        "",
        sections["summary"],
        "",
    ]
    for title in DOC_SECTIONS:
        lines += [f"## {title}", "", sections.get(title, ""), ""]
    lines += ["See [../doctor.md](../doctor.md) for `doctor` and `repair`."]
    return "\n".join(lines).rstrip() + "\n"


def index_page(problems: list[type[Problem]]) -> str:
    lines = [
        HEADER,
        "",
        "# Doctor diagnoses",
        "",
        "See [../doctor.md](../doctor.md) for `doctor`, `repair` and `check`, and",
        "[checklist-items.md](checklist-items.md) for the items of `check` and `plan`.",
        "",
        "| Code | Name | Severity | What it finds |",
        "|------|------|----------|---------------|",
    ]
    for p in problems:
        title = p.title.replace("|", "\\|")
        lines.append(f"| {p.code} | [`{p.name}`]({p.name}.md) | {_severity(p)} | {title} |")
    return "\n".join(lines) + "\n"


DEPLOY_LINK = "../deploy.md#the-checklist-パッチ適用前"
CHECK_LINK = "../doctor.md#check-pre-baseline--pre-patch--post-apply"


def _where(check: type[Check]) -> str:
    return "`plan` (`--skip-check NAME`)" if check.plan else "`check`"


def checks_page(checks: list[type[Check]]) -> str:
    lines = [
        HEADER.replace("the diagnosis's docstring", "the items' docstrings"),
        "",
        "# Checklist items",
        "",
        "The items of `alembic-baseline plan` (which `apply` enforces) and of `alembic-baseline",
        "check pre-baseline | pre-patch | post-apply` (whose lists reuse `plan`'s items where they",
        "check the same thing); the name is what output, records and `--skip-check NAME` use.",
        f"See [../deploy.md]({DEPLOY_LINK}) and [../doctor.md]({CHECK_LINK}).",
        "",
        "| Name | Runbook | Checked by |",
        "|------|---------|------------|",
    ]
    lines += [f"| [`{c.name}`](#{c.name}) | {c.title} | {_where(c)} |" for c in checks]
    for check in checks:
        found = sections(check.__doc__)
        lines += ["", f"## `{check.name}`", "", f"{check.title} — {found['summary']}"]
        for title in DOC_SECTIONS:
            lines += ["", f"### {title}", "", found.get(title, "")]
    return "\n".join(lines).rstrip() + "\n"


def pages() -> dict[str, str]:
    """File name (relative to docs/doctor) → content."""
    problems = all_problems()
    result = {f"{p.name}.md": problem_page(p) for p in problems}
    result["README.md"] = index_page(problems)
    result["checklist-items.md"] = checks_page(all_checks())
    return result


def write(directory: Path) -> list[Path]:
    """Write every page; remove pages of problems that no longer exist. Returns those changed."""
    return write_pages(directory, pages())


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    for changed in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/doctor")):
        print(changed)
