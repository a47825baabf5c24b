"""The ``report`` operation: the HTML page of the history (team/report_html.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from alembic_baseline import statedir
from alembic_baseline.commands import common
from alembic_baseline.commands.lint import lint
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.settings import Settings
from alembic_baseline.team import forked, report_data
from alembic_baseline.team.report_data import DatabaseView, FindingView, ReportData
from alembic_baseline.team.report_html import ReportResult, render


def _pending(history: History, current: tuple[str, ...]) -> tuple[str, ...]:
    """Live revisions the database has not applied, oldest first: every revision that is not
    an ancestor of (or one of) its current ones, on every branch (``upgrade heads`` runs them)."""
    if any(history.locate(r) != "live" for r in current):
        return ()
    script = history.script
    applied = (
        {s.revision for s in script.iterate_revisions(current, "base") if s} if current else set()
    )
    every = [s.revision for s in script.iterate_revisions("heads", "base") if s]
    return tuple(r for r in reversed(every) if r not in applied)


def _given(
    settings: Settings, history: History, url: str, schema_check: bool
) -> tuple[DatabaseView, bool]:
    """Where the given database stands, its pending revisions and its drift; whether its schema
    differs from (or could not be compared with) the expected schema of its revision."""
    # lazy: start-up: status's machinery (deploy, psycopg, the schema check: ~0.27 s CPU on
    # top of what report imports anyway) only when a database is given
    from alembic_baseline.commands.status import status

    st = status(settings, url=url, schema_check=schema_check)
    schema = st.schema
    drift = schema is not None and schema.matches is not True
    if schema_check and schema is None:
        drift = True  # several heads, an archived or unknown revision: not compared, so say so
    detail = schema.detail if schema is not None else ("not compared" if schema_check else "")
    view = DatabaseView(
        name=st.database,
        origin="--url",
        revisions=tuple(v.id for v in st.current),
        pending=_pending(history, tuple(v.id for v in st.current)),
        drift=schema.differences if schema is not None else (),
        schema=detail,
    )
    return view, drift


def report(
    settings: Settings, out: Path, *, url: str | None = None, schema_check: bool = True
) -> ReportResult:
    """Write one self-contained HTML page: the revision graph, the databases, lint, drift.

    The graph shows bases, branches, merges, the baseline, its bridge and the archived
    revisions, and where each known database stands: the one given (with its pending
    revisions and its drift from the expected schema of its revision) and the last run record
    of each database in the state directory. The page needs no network to be viewed. Exit 1
    when the given database's schema differs from its revision or could not be compared.
    """
    if not out.parent.is_dir():
        raise ConfigError(
            f"{out.parent} is not a directory.", hint="Give -o a file in an existing directory."
        )
    # Alembic and SQLAlchemy imported first (the project's configuration): the helper inherits
    # them, where it imported them again for itself (~0.4 s CPU on a cold lint cache, when
    # lint renders the revisions; its workers are forked from it and inherit them too)
    project = common.project(settings)
    with forked.frozen():
        return _report_beside_lint(settings, project, out, url, schema_check)


def _report_beside_lint(
    settings: Settings, project: AlembicProject, out: Path, url: str | None, schema_check: bool
) -> ReportResult:
    # lint in a forked helper (team/forked.py) while this process loads the history and draws
    # the graph: on a cold lint cache both take about a second at 1,000 revisions
    with contextlib.ExitStack() as stack:
        linter = forked.start(
            "running lint",
            lambda: _lint_rows(settings),
            _nothing,
            share=True,
            hint="If it was not the out-of-memory killer (see the system log), run "
            "`alembic-baseline lint` alone: a lint worker that dies is reported with the files "
            "it did not lint.",
            stack=stack,
        )
        return _report(settings, project, out, url, schema_check, linter)


FindingRow = tuple[str, str, str, int, str]
"""A lint finding as the page shows it: code, severity, path, line, message (picklable)."""


def _lint_rows(settings: Settings) -> tuple[FindingRow, ...]:
    return tuple(
        (f.code, f.severity.label, f.path, f.line, f.message) for f in lint(settings).findings
    )


def _nothing(state: tuple[FindingRow, ...], argument: None) -> None:
    return None


def _report(
    settings: Settings,
    project: AlembicProject,
    out: Path,
    url: str | None,
    schema_check: bool,
    linter: forked.Helper[tuple[FindingRow, ...], None, None] | None,
) -> ReportResult:
    history = History(project)
    nodes, edges, notes = report_data.graph(history, settings.project_dir)
    state = statedir.layout(settings.project_dir, settings.state_dir, settings.backup_dir)
    databases = report_data.run_records(state.runs)
    drift = False
    if url is not None:
        given, drift = _given(settings, history, url, schema_check)
        databases.insert(0, given)
    by_file = {r.path.name: r.id for r in history.live.values()}
    rows = _lint_rows(settings) if linter is None else linter.ready()
    findings = tuple(
        FindingView(code, label, by_file.get(Path(path).name, ""), path, line, message)
        for code, label, path, line, message in rows or ()
    )
    data = ReportData(
        project=settings.project_dir.name,
        nodes=nodes,
        edges=edges,
        databases=tuple(databases),
        findings=findings,
        notes=notes,
    )
    out.write_text(render(data), encoding="utf-8")
    return ReportResult(out, len(nodes), data.databases, len(findings), drift)
