"""``status``: where a database stands against the project (its own module: ``status``
imports none of what ``plan``, ``apply`` and ``rollback`` need; see commands/deploy.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from alembic_baseline.commands.common import database_url, parse_given_url
from alembic_baseline.deploy import options as opts
from alembic_baseline.deploy.applied import IntegrityCheck
from alembic_baseline.deploy.pending import PendingRevision
from alembic_baseline.deploy.results import RevisionView, StatusResult
from alembic_baseline.deploy.state import (
    DbState,
    Deployment,
    Progress,
    locate,
    quiet,
    read_state,
    read_state_direct,
)
from alembic_baseline.errors import ConfigError
from alembic_baseline.expected import (
    SchemaCheck,
    VersionTable,
    compare_with_cached,
    compare_with_expected,
)
from alembic_baseline.history.driver import AlembicProject, url_variable
from alembic_baseline.history.graph import History
from alembic_baseline.history.headers import HEADER_CACHE, HeaderCache
from alembic_baseline.history.quick import env_version_table, quick_history
from alembic_baseline.pg.scratch import Scratch, ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook.checks import unknown_names
from alembic_baseline.settings import Settings
from alembic_baseline.team import integrity as team_integrity

DeployOptions = opts.DeployOptions


def deploy_options(settings: Settings, **flags: Any) -> DeployOptions:
    """Options from ``[tool.alembic-baseline.deploy]`` overridden by flags (None: not given)."""
    options = opts.from_settings(settings, **flags)
    unknown = unknown_names(options.skip_checks)
    if unknown:
        raise ConfigError(
            f"Unknown check name(s) for --skip-check: {', '.join(unknown)}.",
            hint="Names: backup, downgrades, single-head, schema-matches, "
            "long-locks, tested, lint.",
        )
    return options


@contextlib.contextmanager
def deployment(
    settings: Settings,
    project: AlembicProject,
    url: DatabaseURL,
    options: DeployOptions,
    server: ScratchServer | None,
    progress: Progress,
    *,
    applied: bool = False,
) -> Iterator[Deployment]:
    """``applied``: also read the applied-revisions table (status, apply; never rollback, which
    must work whatever that table holds)."""
    history = History(project)
    state = read_state(project, url, applied=applied and options.record_applied)
    with Scratch(state.server_major, settings.scratch_url, server) as scratch:
        yield Deployment(project, history, state, options, scratch, progress)


# -- status ------------------------------------------------------------------------------------


def status(
    settings: Settings,
    *,
    url: str | None = None,
    schema_check: bool = True,
    server: ScratchServer | None = None,
    progress: Progress = quiet,
    header_cache: bool = True,
) -> StatusResult:
    """Show the database's revision, the pending revisions and whether its schema matches.

    ``header_cache``: read the revision graph from remembered revision headers when every file
    has a current entry (history/headers.py), importing no revision file; False: the full path
    (tests compare both)."""
    start = time.perf_counter()
    options = deploy_options(settings, schema_check=schema_check)
    headers = HeaderCache(options.cache_dir / HEADER_CACHE) if header_cache else None
    if headers is not None:
        quick = _quick(settings, url, options, headers, start)
        if quick is not None:
            return quick
    project = AlembicProject(settings, header_cache=headers)
    with deployment(
        settings,
        project,
        database_url(settings, url, project),
        options,
        server,
        progress,
        applied=True,
    ) as dep:
        archived, unknown = locate(dep.history, dep.state.current)
        integrity = team_integrity.of(dep)
        pending: tuple[PendingRevision, ...] = ()
        schema = None
        if not archived and not unknown:
            base = settings.project_dir
            pending = tuple(
                PendingRevision.of(r, base) for r in dep.history.pending(dep.state.current)
            )
            if schema_check and len(dep.state.current) == 1:
                schema = compare_with_expected(
                    dep.project,
                    dep.history,
                    dep.scratch,
                    dep.url,
                    dep.state.current[0],
                    dep.state.version_table,
                    options.cache_dir,
                )
        if headers is not None:
            headers.save()  # only after a status that went through (a refusal writes nothing)
        return _result(dep.state, dep.history, pending, archived, unknown, schema, start, integrity)


def _quick(
    settings: Settings, url: str | None, options: DeployOptions, headers: HeaderCache, start: float
) -> StatusResult | None:
    """``status`` without Alembic, SQLAlchemy, env.py or any revision file imported, when the
    project is plain enough (history/quick.py) and the database gives the URL itself (``--url``
    or the project's variable) and is at a place whose answer is known: one order of pending
    revisions, the expected schema already cached. None: the full path answers (the same)."""
    if settings.x_args:
        return None  # -x reaches env.py only: what it changes is env.py's to say
    text = url if url is not None else url_variable(settings)
    if text is None or (url is None and text.startswith("driver://")):
        return None  # the project's own URL from alembic.ini, or a placeholder: the full path
    history = quick_history(settings, headers)
    if history is None:
        return None
    table = env_version_table(history.script_location)
    if table is None:
        return None
    db_url = parse_given_url(text) if url is not None else DatabaseURL.parse(text)
    state = read_state_direct(db_url, VersionTable(*table), applied=options.record_applied)
    if state is None:
        return None
    archived, unknown = locate(history, state.current)
    pending: tuple[PendingRevision, ...] = ()
    schema = None
    if not archived and not unknown:
        found = history.quick_pending(state.current)
        if found is None:
            return None
        pending = tuple(PendingRevision.of(r, settings.project_dir) for r in found)
        if options.schema_check and len(state.current) == 1:
            schema = compare_with_cached(
                history,
                state.server_major,
                db_url,
                state.current[0],
                state.version_table,
                options.cache_dir,
            )
            if schema is None:
                return None
    integrity = (
        team_integrity.check_state(history, state, options.cache_dir)
        if options.record_applied
        else None
    )
    return _result(state, history, pending, archived, unknown, schema, start, integrity)


def _result(
    state: DbState,
    history: History,
    pending: tuple[PendingRevision, ...],
    archived: list[str],
    unknown: list[str],
    schema: SchemaCheck | None,
    start: float,
    integrity: IntegrityCheck | None,
) -> StatusResult:
    """What both paths answer, in one shape (tests compare them byte for byte)."""
    return StatusResult(
        state.url.redacted,
        state.server_version,
        tuple(_view(history, r) for r in state.current),
        history.heads(),
        pending,
        bool(archived),
        tuple(unknown),
        schema,
        time.perf_counter() - start,
        integrity,
    )


def _view(history: History, rev: str) -> RevisionView:
    where = history.locate(rev)
    found = history.live.get(rev) or history.archived.get(rev)
    return RevisionView(rev, found.message if found else "", where or "unknown")
