"""The ``bundle`` operation: a revision range as SQL files for a DBA (team/bundle.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from alembic_baseline import statedir
from alembic_baseline.commands import common
from alembic_baseline.lint import quick
from alembic_baseline.settings import Settings
from alembic_baseline.team import bundle as team_bundle
from alembic_baseline.team.bundle_render import range_revisions


def bundle(
    settings: Settings,
    revision_range: str,
    out: Path,
    *,
    with_lint: bool = True,
    with_rollback: bool = True,
) -> team_bundle.BundleResult:
    """Write FROM:TO as plain SQL for a DBA: one guarded file per revision, apply.sql for psql.

    Each revision's SQL is what ``alembic upgrade --sql`` renders through the project's env.py,
    preceded by a guard that stops unless the version table holds the expected revisions.
    Also written: rollback SQL where downgrades render, the lint report of the range, a
    README and SHA256SUMS. Revisions that cannot render offline are listed and the bundle is
    incomplete (exit 1). ``with_lint`` / ``with_rollback`` off: no lint.md / no rollback/.
    """
    project = common.project(settings)
    start, target = team_bundle.parse_range(revision_range)
    team_bundle.check_directory(out)
    ids = range_revisions(project, start, target)
    make_report: Callable[[], str] | str | None = None
    if with_lint:
        make_report = _recorded_lint(settings, ids) or _lint_report(settings, ids)
    # the lint runs in build, after the rollback's helper process started (team/bundle.py)
    return team_bundle.build(project, revision_range, out, make_report, with_rollback=with_rollback)


LINT_RECORD = "bundle-lint.json"
"""The last bundle's lint report, in the lint cache (:func:`_recorded_lint`)."""


def _lint_identity(settings: Settings, ids: Sequence[str]) -> list[str]:
    """What the lint report of a range depends on besides the files it read: the settings
    (every field: the configuration file, the section, ``[tool.alembic-baseline]``, the state
    directory…), the working directory, the range's revisions."""
    return ["bundle-lint", os.getcwd(), repr(settings), *ids]


def _lint_record(settings: Settings) -> Path:
    """Where lint's cache is for ``settings`` (as ``commands.lint.lint`` finds it)."""
    root = settings.project_dir if settings.config_file.is_file() else Path.cwd()
    return statedir.layout(root, settings.state_dir, settings.backup_dir).lint_cache / LINT_RECORD


def _recorded_lint(settings: Settings, ids: Sequence[str]) -> str | None:
    """The lint report the last bundle made for these revisions, when nothing it depends on
    changed (``lint.quick.load``: the files' status, the settings, the environment, the
    versions): read in this process in milliseconds, no lint module imported, no helper
    forked (a warm bundle's lint was ~10% of its time, in a process of its own)."""
    found = quick.load(str(_lint_record(settings)), _lint_identity(settings, ids))
    return found[0] if found is not None else None


def _lint_report(settings: Settings, ids: Sequence[str]) -> Callable[[], str]:
    def make_report() -> str:
        # lazy: start-up: lint's rules and pglast (~0.3 s CPU, -X importtime) that a
        # --no-lint bundle does not need
        from alembic_baseline.commands.lint import lint

        started = time.time_ns()
        result = lint(settings, pending=ids)
        report = result.markdown()
        if result.read is not None and result.cache_dir is not None:
            path = str(result.cache_dir / LINT_RECORD)
            quick.save(path, _lint_identity(settings, ids), report, 0, result.read, started)
        return report

    return make_report
