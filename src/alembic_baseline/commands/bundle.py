"""The ``bundle`` operation: a revision range as SQL files for a DBA (team/bundle.py)."""

from __future__ import annotations

from pathlib import Path

from alembic_baseline.commands import common
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
    make_report = None
    if with_lint:

        def make_report() -> str:
            # lazy: start-up: lint's rules and pglast (~0.3 s CPU, -X importtime) that a
            # --no-lint bundle does not need
            from alembic_baseline.commands.lint import lint

            return lint(settings, pending=ids).markdown()

    # the lint runs in build, after the rollback's helper process started (team/bundle.py)
    return team_bundle.build(project, revision_range, out, make_report, with_rollback=with_rollback)
