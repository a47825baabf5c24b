"""Generate ``docs/rules/<name>.md`` (and the index ``docs/rules/README.md``) from rule docstrings.

The docstring is the single source: a test regenerates the pages and fails when the committed
ones differ. Update them with ``alembic-baseline lint --write-docs docs/rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.docstrings import write_pages
from alembic_baseline.lint.registry import DOC_SECTIONS, Rule, all_rules, doc_sections
from alembic_baseline.report import table, to_jsonable

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter

HEADER = "<!-- Generated from the rule's docstring by alembic_baseline.lint.docs; do not edit. -->"


def _options(rule: type[Rule]) -> list[str]:
    lines = [
        "## Configuration",
        "",
        f"Default severity: **{rule.severity.label}**."
        + (" Checks the whole history." if rule.history else ""),
        "",
        "```toml",
        f"[tool.alembic-baseline.lint.rules.{rule.name}]",
        f'severity = "{rule.severity.label}"',
    ]
    for name, default in rule.options.items():
        value = list(default) if isinstance(default, tuple) else default
        lines.append(f"{name} = {_toml(value)}")
    lines += ["```", "", f"Silence one occurrence with `# alembic-baseline: ignore[{rule.code}]`."]
    if rule.lock is not None:
        lines += ["", f"Takes {rule.lock.describe()}."]
        if rule.lock.long_held:
            lines[-1] += " `plan` lists the statements this rule reports under *Long-held locks*."
    return lines


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value + "'"  # literal string: backslashes stay as written
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def rule_page(rule: type[Rule]) -> str:
    sections = doc_sections(rule)
    lines = [HEADER, "", f"# {rule.code} `{rule.name}`", "", sections["summary"], ""]
    for title in DOC_SECTIONS:
        lines += [f"## {title}", "", sections.get(title, ""), ""]
    lines += _options(rule)
    return "\n".join(lines).rstrip() + "\n"


def index_page(rules: list[type[Rule]]) -> str:
    lines = [
        HEADER,
        "",
        "# Lint rules",
        "",
        "See [../lint.md](../lint.md) for usage and configuration.",
        "",
        "| Code | Name | Severity | What it checks |",
        "|------|------|----------|----------------|",
    ]
    for rule in rules:
        summary = rule.summary().replace("|", "\\|")
        lines.append(
            f"| {rule.code} | [`{rule.name}`]({rule.name}.md) | {rule.severity.label} | {summary} |"
        )
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name (relative to docs/rules) → content."""
    rules = all_rules()
    result = {f"{rule.name}.md": rule_page(rule) for rule in rules}
    result["README.md"] = index_page(rules)
    return result


def write(directory: Path) -> list[Path]:
    """Write every page; remove pages of rules that no longer exist. Returns the files changed."""
    return write_pages(directory, pages())


# -- the results of `lint --list-rules` and `lint --write-docs` (commands.lint) --------------


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: str
    summary: str
    history: bool


@dataclass(frozen=True)
class RuleList:
    """``lint --list-rules``."""

    rules: tuple[RuleInfo, ...]

    def to_json(self) -> Any:
        return to_jsonable(self.rules)

    def text(self, out: Reporter) -> None:
        from rich.markup import escape

        for r in self.rules:
            out.text(f"{r.code}  {r.name:<34} [dim]{r.severity:<8}[/] {escape(r.summary)}")

    def markdown(self) -> str:
        rows = ((f"`{r.code}`", f"`{r.name}`", r.severity, r.summary) for r in self.rules)
        return "\n".join(table(("code", "name", "severity", "summary"), rows)) + "\n"


@dataclass(frozen=True)
class WrittenDocs:
    """``lint --write-docs``: the pages written or removed."""

    paths: tuple[Path, ...]

    def to_json(self) -> Any:
        return {"written": [str(p) for p in self.paths]}

    def text(self, out: Reporter) -> None:
        for path in self.paths:
            out.text(f"wrote {path}")

    def markdown(self) -> str:
        return "".join(f"- wrote `{p}`\n" for p in self.paths) or "Nothing to write.\n"
