"""The lint part of ``demo``: the runbook's best practices checked on the sample history."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from alembic_baseline.commands.lint import LintOptions, lint
from alembic_baseline.demo.model import DemoContext, DemoStep


def step_lint_history(ctx: DemoContext) -> DemoStep:
    """Lint every revision (Python and the SQL it renders offline) before touching production."""
    start = time.perf_counter()
    result = lint(ctx.project.settings, options=LintOptions(cache=False, use_baseline=False))
    seconds = time.perf_counter() - start
    counts = Counter(f.code for f in result.findings)
    top = ", ".join(f"{code} ×{n}" for code, n in counts.most_common(5))
    example = result.findings[0] if result.findings else None
    lines = [f"{result.files} revisions, {len(result.findings)} findings: {top}"]
    if example is not None:
        where = example.path.rsplit("/", 1)[-1]
        lines.append(f"e.g. {where}:{example.line} {example.code} {example.message}")
        lines.append(f"     hint: {example.hint}")
    return DemoStep(
        "Lint the history",
        "パッチ作成のベストプラクティス (and lock safety)",
        tuple(lines),
        {"lint": seconds},
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [step_lint_history]
