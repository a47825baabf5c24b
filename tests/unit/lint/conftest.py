"""Fixtures for lint tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from lintcases import write_revisions

from alembic_baseline.lint.config import LintConfig, from_section
from alembic_baseline.lint.engine import EngineResult, run

LintFiles = Callable[..., EngineResult]


@pytest.fixture
def lint_files(tmp_path: Path) -> LintFiles:
    """Write revision specs into a versions directory and lint them (no cache)."""

    def _lint(
        specs: Sequence[Mapping[str, Any]], config: LintConfig | None = None, **kw: Any
    ) -> EngineResult:
        targets = write_revisions(tmp_path / "versions", specs)
        return run(targets, config or from_section({}), root=tmp_path, jobs=1, **kw)

    return _lint
