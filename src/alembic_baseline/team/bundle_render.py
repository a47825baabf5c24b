"""Render a range offline through the project's own env.py, revision by revision.

The SQL is Alembic's ``--sql`` output (:meth:`AlembicProject.offline_sql`: env.py's version table,
``transaction_per_migration``, autocommit blocks all honoured), rendered once for the whole range
and cut per revision (:mod:`bundle_sql`). A revision that cannot render offline (it reads from the
connection) is not guessed at: it is listed with Alembic's error, and rendering resumes after it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from alembic_baseline import compat
from alembic_baseline.errors import ConfigError, MigrationError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.team import bundle_sql
from alembic_baseline.team.bundle_sql import Step


@dataclass(frozen=True)
class NotRendered:
    """A revision the bundle has no SQL for, and why."""

    revision: str
    reason: str


@dataclass(frozen=True)
class Rendering:
    """One direction of a range, cut into steps."""

    prelude: str
    steps: tuple[Step, ...]
    mode: str
    version_table: str | None
    missing: tuple[NotRendered, ...]


def range_revisions(project: AlembicProject, start: str | None, target: str) -> list[str]:
    """The revisions ``alembic upgrade start:target`` applies, oldest first."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        revs = project.script.iterate_revisions(target, start or "base")
        return [r.revision for r in reversed(list(revs)) if r is not None and r.revision != start]
    except (CommandError, RevisionError) as exc:  # RevisionError: an unknown id
        raise ConfigError(
            f"Cannot resolve the range {start or 'base'}:{target}: {exc}",
            hint="Give FROM:TO with revision ids from `alembic history` (FROM may be base).",
        ) from None


def _parents(project: AlembicProject, revision: str) -> tuple[str, ...]:
    script = project.script.get_revision(revision)
    return compat.down_revisions(script) if script is not None else ()


def _segment(
    project: AlembicProject, spec: str, heads: tuple[str, ...], downgrade: bool
) -> tuple[bundle_sql.Split, MigrationError | None]:
    buffer = io.StringIO()
    try:
        with compat.fast_offline_version_sql():
            project.offline_sql(spec, downgrade=downgrade, buffer=buffer)
        return bundle_sql.split(buffer.getvalue(), heads), None
    except MigrationError as exc:
        return bundle_sql.split(buffer.getvalue(), heads), exc


def upgrade(project: AlembicProject, start: str | None, target: str) -> Rendering:
    """``start:target`` upgraded offline; failed revisions listed, the rest still rendered."""
    wanted = range_revisions(project, start, target)
    heads: tuple[str, ...] = (start,) if start else ()
    steps: list[Step] = []
    missing: list[NotRendered] = []
    first: bundle_sql.Split | None = None
    segment_start = start
    while True:
        spec = f"{segment_start}:{target}" if segment_start else target
        part, failure = _segment(project, spec, heads, downgrade=False)
        first = first or part
        if failure is None:
            steps.extend(part.steps)
            break
        if not part.steps:
            raise failure  # env.py itself (not a revision) cannot run offline
        failed = part.steps[-1]
        steps.extend(part.steps[:-1])
        missing.append(NotRendered(failed.revision, failure.message))
        before = set(failed.heads_before) - set(_parents(project, failed.revision))
        heads = tuple(sorted(before | {failed.revision}))
        segment_start = failed.revision
    done = {s.revision for s in steps} | {m.revision for m in missing}
    missing += [
        NotRendered(r, "not reached: rendering from the revision that failed does not lead here")
        for r in wanted
        if r not in done
    ]
    return Rendering(first.prelude, tuple(steps), first.mode, first.version_table, tuple(missing))


def downgrade(
    project: AlembicProject, start: str | None, target: str, heads: tuple[str, ...]
) -> Rendering:
    """``target`` back down to ``start`` offline. Rolling back stops at the first revision whose
    downgrade cannot render (nothing below it can be undone without it)."""
    spec = f"{target}:{start or 'base'}"
    part, failure = _segment(project, spec, heads, downgrade=True)
    steps = part.steps
    missing: list[NotRendered] = []
    if failure is not None:
        if not part.steps:
            missing.append(NotRendered(target, failure.message))
        else:
            steps = part.steps[:-1]
            missing.append(NotRendered(part.steps[-1].revision, failure.message))
    return Rendering(part.prelude, steps, part.mode, part.version_table, tuple(missing))
