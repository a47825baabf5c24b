"""``check history``: the built-in history checks on scratch databases (no database is given).

The same checks as ``pytest --alembic-baseline-checks`` (testing/checks.py), run in one go:
single head, upgrade from empty, up/down consistency per revision after the baseline, lint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.markup import escape

from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.history.graph import History
from alembic_baseline.report import Reporter, table
from alembic_baseline.settings import Settings
from alembic_baseline.testing import checks
from alembic_baseline.testing.toolkit import Toolkit

_MARK = {checks.PASS: "✓", checks.FAIL: "✗", checks.SKIP: "-"}
_RICH = {checks.PASS: "[green]✓[/]", checks.FAIL: "[red]✗[/]", checks.SKIP: "[dim]-[/]"}


@dataclass(frozen=True)
class HistoryCheck:
    """The results of ``check history`` and where they ran."""

    results: tuple[checks.CheckResult, ...]
    server: str
    irreversible: tuple[str, ...]

    @property
    def failed(self) -> tuple[checks.CheckResult, ...]:
        return tuple(r for r in self.results if r.status == checks.FAIL)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.failed else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        counts = {s: sum(r.status == s for r in self.results) for s in _MARK}
        return {
            "ok": not self.failed,
            "counts": counts,
            "server": self.server,
            "irreversible": list(self.irreversible),
            "results": [r.to_dict() for r in self.results],
        }

    def text(self, out: Reporter) -> None:
        out.text(f"[bold]check history[/] — scratch: {escape(self.server)}")
        for r in self.results:
            out.text(f"  {_RICH[r.status]} {escape(r.name):<28} {escape(r.message)}")
            if r.status == checks.FAIL:
                for line in r.details:
                    out.text(f"      [dim]{escape(line)}[/]")
        failed = len(self.failed)
        out.text(f"[red]{failed} failed[/]" if failed else "[green]all checks passed[/]")

    def markdown(self) -> str:
        lines = ["## alembic-baseline check history", ""]
        lines += table(("", "check", "result"), ((_MARK[r.status], f"`{r.name}`", r.message)
                                                  for r in self.results))  # fmt: skip
        for r in self.failed:
            if r.details:
                lines += ["", f"**{r.name}**", "", *(f"- {d}" for d in r.details)]
        verdict = f"{len(self.failed)} failed" if self.failed else "all checks passed"
        return "\n".join([*lines, "", f"**{verdict}**", ""])


def check_history(
    settings: Settings,
    *,
    skip: Sequence[str] = (),
    progress: Callable[[str], None] = lambda line: None,
) -> HistoryCheck:
    """The history's health on scratch databases: one head, upgrade from empty, up/down per
    revision after the baseline (the same catalog), lint. Exit 1 when a check fails.

    ``skip``: checks left out. Revisions declared in ``[tool.alembic-baseline.check]
    irreversible`` are not round-tripped (docs/testing.md#built-in-checks).
    """
    unknown = sorted(set(skip) - set(checks.CHECKS))
    if unknown:
        raise ConfigError(
            f"--skip {', '.join(unknown)}: no such check.",
            hint=f"Checks: {', '.join(checks.CHECKS)}.",
        )
    irreversible = checks.irreversible(settings)
    kit = Toolkit(settings, "ephemeral")  # a running `scratch start` server keeps the templates
    results: list[checks.CheckResult] = []
    try:
        if "single-head" not in skip:
            results.append(checks.single_head(History(kit.project)))
        if "upgrade-from-empty" not in skip or "up-down" not in skip:
            progress("upgrade heads from empty")
            empty, _template = checks.upgrade_from_empty(kit.templates)
            if "upgrade-from-empty" not in skip:
                results.append(empty)
            if "up-down" not in skip and empty.status == checks.PASS:
                results += checks.up_down(kit.project, kit.templates, irreversible, progress)
            elif "up-down" not in skip:
                why = "not checked: the upgrade from empty failed"
                results.append(checks.CheckResult("up-down", checks.FAIL, why))
        if "lint" not in skip:
            progress("lint")
            results.append(checks.lint(settings, kit.project))
        server = kit.server.description if kit.has_server else "(none used)"
    finally:
        kit.close()
    return HistoryCheck(tuple(results), server, tuple(sorted(irreversible)))
