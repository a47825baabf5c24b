"""Generate ``docs/doctor/<name>.md`` (and the index ``docs/doctor/README.md``) from the classes.

Each diagnosis's docstring (``doctor.problems``) is the single source: a test regenerates the
pages and fails when the committed ones differ. Update them with
``python -m alembic_baseline.doctor.docs docs/doctor``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic_baseline.doctor.registry import DOC_SECTIONS, Problem, all_problems

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
        "See [../doctor.md](../doctor.md) for `doctor`, `repair` and `check`.",
        "",
        "| Code | Name | Severity | What it finds |",
        "|------|------|----------|---------------|",
    ]
    for p in problems:
        title = p.title.replace("|", "\\|")
        lines.append(f"| {p.code} | [`{p.name}`]({p.name}.md) | {_severity(p)} | {title} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name (relative to docs/doctor) → content."""
    problems = all_problems()
    result = {f"{p.name}.md": problem_page(p) for p in problems}
    result["README.md"] = index_page(problems)
    return result


def write(directory: Path) -> list[Path]:
    """Write every page; remove pages of problems that no longer exist. Returns those changed."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    changed: list[Path] = []
    for name, text in wanted.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for stale in directory.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale)
    return changed


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    for changed in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/doctor")):
        print(changed)
