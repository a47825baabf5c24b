"""``check upgrade-with-data``: each revision applied to a database that holds rows.

A *walk* database goes through the revisions in order without data; before each revision it
is cloned (``CREATE DATABASE … TEMPLATE``), the clone is filled with generated rows
(:mod:`.fill`) and the revision is applied to the clone alone. A failure is reported with the
statement, the server's message and the rows behind it (:mod:`.failing_rows`); the walk goes
on, so one run reports every revision that fails on data. The first state is the history
replayed to the first revision's parent (a cached template: ``history.replay.build_at``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.history.replay import build_at
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.report import MARKS, to_jsonable
from alembic_baseline.testing.failing_rows import Failure, explain, from_exception
from alembic_baseline.testing.fill import Filled, RowsHook, fill_database

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History, Revision
    from alembic_baseline.pg.scratch import ScratchServer
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class RevisionRun:
    """One revision applied on generated rows."""

    revision: str
    message: str
    ok: bool
    seconds: float
    filled: tuple[Filled, ...] = ()
    failure: Failure | None = None
    rows: tuple[str, ...] = ()
    """The rows that make it fail (see failing_rows)."""
    empty_too: bool = False
    """It fails on the database without rows as well (the walk stopped there)."""

    @property
    def unfilled(self) -> tuple[Filled, ...]:
        return tuple(f for f in self.filled if f.problem)

    def text(self, out: Reporter) -> None:
        mark = MARKS["pass" if self.ok else "fail"]
        out.text(f"  {mark} {self.revision} {escape(self.message)} ({self.seconds:.2f} s)")
        if self.failure is not None:
            where = " (fails on an empty database too)" if self.empty_too else ""
            out.text(f"      [red]{escape(self.failure.message)}[/]{where}")
            if self.failure.statement:
                out.text(f"      statement: {escape(' '.join(self.failure.statement.split()))}")
            for line in self.rows:
                out.text(f"      {escape(line)}")
        for filled in self.unfilled:
            problem = escape(filled.problem or "")
            out.text(f"      {MARKS['warn']} {escape(filled.table)}: {problem}")


@dataclass(frozen=True)
class DataCheck:
    """Every revision tested, in order."""

    runs: tuple[RevisionRun, ...]
    rows: int

    @property
    def failed(self) -> tuple[RevisionRun, ...]:
        return tuple(r for r in self.runs if not r.ok)

    @property
    def partial(self) -> tuple[RevisionRun, ...]:
        """Runs where some table could not be (fully) filled: tested on less data."""
        return tuple(r for r in self.runs if r.unfilled)

    @property
    def exit_code(self) -> int:
        return int(ExitCode.FINDINGS if self.failed or self.partial else ExitCode.OK)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows_per_table": self.rows,
            "ok": not self.failed,
            "complete": not self.partial,
            "revisions": [to_jsonable(r) for r in self.runs],
        }

    def text(self, out: Reporter) -> None:
        out.text(f"[bold]check upgrade-with-data[/] ({self.rows} rows per table)")
        for run in self.runs:
            run.text(out)
        if not self.runs:
            out.text("  no revision to test")
        elif self.failed:
            out.text(f"[red]{len(self.failed)} revision(s) fail on data[/]")
        elif self.partial:
            out.text("[yellow]no failure, but some tables were not filled[/]: provide rows_hook")
        else:
            out.text(f"[green]{len(self.runs)} revision(s) applied on data[/]")

    def markdown(self) -> str:
        out = [f"### check upgrade-with-data ({self.rows} rows per table)", ""]
        out += ["| revision | result | seconds |", "| --- | --- | --- |"]
        for r in self.runs:
            result = "ok" if r.ok else f"**failed**: {r.failure.message if r.failure else ''}"
            out.append(f"| `{r.revision}` {r.message} | {result} | {r.seconds:.2f} |")
        for r in self.failed:
            out += ["", f"#### `{r.revision}` failed", ""]
            if r.failure and r.failure.statement:
                out += ["```sql", r.failure.statement.strip(), "```"]
            out += [f"- {line}" for line in r.rows]
        for r in self.partial:
            out += [f"- `{r.revision}`: {f.table} not filled: {f.problem}" for f in r.unfilled]
        return "\n".join(out) + "\n"


def _start(
    project: AlembicProject, history: History, server: ScratchServer, first: Revision
) -> DatabaseURL:
    """A database at the parents of ``first`` (empty for a root revision)."""
    if not first.down_revisions:
        return server.create_database(server.new_name("walk"))
    walk = build_at(project, server, first.down_revisions[0], history=history)
    for parent in first.down_revisions[1:]:
        project.upgrade(walk, parent, scratch=True)
    return walk


def check_upgrades(
    project: AlembicProject,
    history: History,
    server: ScratchServer,
    revisions: Sequence[Revision],
    rows: int,
    hook: RowsHook | None,
    progress: Callable[[str], None],
) -> DataCheck:
    """Apply each of ``revisions`` (in upgrade order) to a copy holding ``rows`` rows a table."""
    runs: list[RevisionRun] = []
    if not revisions:
        return DataCheck((), rows)
    walk = _start(project, history, server, revisions[0])
    try:
        name, schema = project.version_table(walk, scratch=True)
        exclude = {f"{schema or 'public'}.{name}"}
        for rev in revisions:
            run = _try(project, server, walk, rev, rows, hook, exclude)
            progress(f"{rev.id} {rev.message}: {'ok' if run.ok else 'FAILED'}")
            try:
                project.upgrade(walk, rev.id, scratch=True)
            except SandboxRefusal:
                raise
            except BaselineError:
                # It fails without rows too: later revisions cannot be reached.
                runs.append(replace(run, ok=False, empty_too=True))
                break
            runs.append(run)
    finally:
        server.drop_database(walk.database)
    return DataCheck(tuple(runs), rows)


def _try(
    project: AlembicProject,
    server: ScratchServer,
    walk: DatabaseURL,
    rev: Revision,
    rows: int,
    hook: RowsHook | None,
    exclude: set[str],
) -> RevisionRun:
    clone = server.create_database(server.new_name("data"), template=walk.database)
    try:
        filled = tuple(fill_database(clone, rows, hook, exclude))
        start = time.perf_counter()
        try:
            project.upgrade(clone, rev.id, scratch=True)
        except SandboxRefusal:
            raise
        except BaselineError as exc:
            failure = from_exception(exc, exc.message)
            seconds = time.perf_counter() - start
            return RevisionRun(
                rev.id, rev.message, False, seconds, filled, failure, explain(clone, failure)
            )
        return RevisionRun(rev.id, rev.message, True, time.perf_counter() - start, filled)
    finally:
        server.drop_database(clone.database)
