"""``check upgrade-with-data``: revisions applied to scratch databases that hold rows.

Operation only: it chooses the revisions, loads the project's rows hook and returns a
:class:`~alembic_baseline.testing.upgrade_data.DataCheck`; the CLI shows it (it renders
itself as text, JSON and markdown).
"""

from __future__ import annotations

from collections.abc import Callable

from alembic_baseline.commands.common import database_url
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.history.prepare import starts_at_baseline
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.settings import Settings
from alembic_baseline.testing import loading
from alembic_baseline.testing.fill import RowsHook
from alembic_baseline.testing.upgrade_data import DataCheck, check_upgrades

DEFAULT_ROWS = 30


def revisions_to_test(
    settings: Settings,
    project: AlembicProject,
    history: History,
    url: str | None,
    start: str | None,
    end: str | None,
) -> list[Revision]:
    """``--from``/``--to``; else those pending on ``--url``; else those after the baseline;
    else every revision."""
    target = end or "heads"
    if start is not None:
        return history.pending([start], target)
    if url is not None:
        return history.pending(project.current_heads(database_url(settings, url, project)), target)
    if starts_at_baseline(project.script):
        return history.pending(history.bases(), target)
    return history.pending([], target)


def check_upgrade_with_data(
    settings: Settings,
    *,
    url: str | None = None,
    start: str | None = None,
    end: str | None = None,
    rows: int = DEFAULT_ROWS,
    rows_hook: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> DataCheck:
    """Apply each pending revision to a scratch copy filled with generated rows (exit 1: fails).

    Revisions: ``start``/``end`` (``--from``/``--to``); else those pending on ``url`` (only its
    version table is read); else those after the baseline; else all (:func:`revisions_to_test`).
    """
    if rows < 1:
        raise ConfigError("--rows must be at least 1.")
    spec = loading.option(settings, "rows_hook", rows_hook)
    hook: RowsHook | None = None
    if spec:
        hook = loading.load(spec, settings, "rows_hook")
        if not callable(hook):
            raise ConfigError(f"rows_hook = {spec!r} is not callable.", hint=f"See {loading.DOCS}.")
    project = AlembicProject(settings)
    history = History(project)
    revisions = revisions_to_test(settings, project, history, url, start, end)
    with scratch_server(major=settings.pg_major, scratch_url=settings.scratch_url) as server:
        return check_upgrades(project, history, server, revisions, rows, hook, progress)
