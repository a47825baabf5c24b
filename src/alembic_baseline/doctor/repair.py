"""``repair``: apply one diagnosed fix — shown first, confirmed, in one transaction, verified.

Fixes (``--fix``):

* ``restamp`` — record the revision the schema *is* at (``--to``, default: the identified one),
  through Alembic's own stamp, after removing the rows that are there;
* ``dedupe`` — the same for a version table holding a revision twice, then Alembic's primary key
  (``<table>_pkc`` on ``version_num``) put back when it is missing;
* ``bridge`` — record the baseline's bridge (the old head) for a database whose schema already
  equals it but whose version table still names an archived revision;
* ``drop-invalid-index`` — drop INVALID indexes an interrupted autocommit step left behind; when
  the revision that creates the index is the recorded one, it is un-recorded (stamped back to
  its parent) in the same transaction so that ``upgrade`` runs it again;
* ``rebuild-index`` — ``REINDEX INDEX CONCURRENTLY`` the INVALID index of a revision recorded as
  applied (finishes the step; CONCURRENTLY cannot run inside a transaction, so this one fix is
  not transactional — it is also the one that never touches the version table).

A stamp is refused (exit 3) unless the target's schema equals the live schema exactly: a stamp
must never mark unapplied changes as applied. Everything is re-checked inside the transaction
(the version table is locked and must still hold what was diagnosed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.compat import sqlalchemy_driver
from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.diff.render import describe
from alembic_baseline.doctor import leftovers, version_key
from alembic_baseline.doctor.model import DoctorReport
from alembic_baseline.errors import ConfigError, UnsafeError
from alembic_baseline.expected import expected_snapshot, inspect_options
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.engine_connect import retrying_engines
from alembic_baseline.pg.server import INVALID_INDEXES, invalid_from_rows
from alembic_baseline.pg.waits import NO_LIMITS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from alembic_baseline.doctor.examine import Examination
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.snapshot import Snapshot

FIXES = ("restamp", "dedupe", "bridge", "drop-invalid-index", "rebuild-index")
STAMPING = ("restamp", "dedupe", "bridge")


@dataclass(frozen=True)
class RepairPlan:
    """What ``repair`` will do, shown before it does it."""

    fix: str
    diagnosis: str
    """The code of the diagnosis it answers."""
    before: tuple[str, ...]
    """The version table's rows now."""
    stamp: tuple[str, ...] | None
    """The rows afterwards (None: the version table is not touched)."""
    indexes: tuple[str, ...]
    steps: tuple[str, ...]
    transactional: bool = True


def choose_fix(report: DoctorReport, fix: str | None) -> tuple[str, str]:
    """``(fix, diagnosis code)``: the asked one, or the only one the diagnoses offer."""
    offered = [(d.repair, d.code) for d in report.diagnoses if d.repair]
    if fix is not None:
        if fix not in FIXES:
            raise ConfigError(f"Unknown fix {fix!r}.", hint=f"Fixes: {', '.join(FIXES)}.")
        code = next((c for r, c in offered if r == fix), "")
        return fix, code
    actions = sorted({r for r, _ in offered if r})
    if not actions:
        raise ConfigError(
            "Nothing `repair` can fix was diagnosed.",
            hint="Run `alembic-baseline doctor`: its fixes say what to do by hand.",
        )
    if len(actions) > 1:
        raise ConfigError(
            f"Several fixes apply ({', '.join(actions)}); choose one.",
            hint=f"alembic-baseline repair --fix {actions[0]}",
        )
    return actions[0], next(c for r, c in offered if r == actions[0])


def plan_repair(ex: Examination, fix: str | None, to: tuple[str, ...]) -> RepairPlan:
    """The plan for ``fix`` after the examination ``ex`` (refused with exit 3 when it is not
    safe). Nothing is changed: neither the database nor ``ex``."""
    fix, code = choose_fix(ex.report, fix)
    facts = ex.facts
    if fix in ("drop-invalid-index", "rebuild-index"):
        return _index_plan(ex, fix, code)
    target = _stamp_target(ex, fix, to)
    require_exact(ex, target, ex.live.snapshot)
    rows = ", ".join(facts.rows) or "(none)"
    steps: tuple[str, ...] = (
        f"lock {facts.table_label} and check it still holds: {rows}",
        f"delete its rows and stamp {', '.join(target)} (alembic stamp)",
        "verify the version table and that the schema equals the stamped revision",
    )
    if fix == "dedupe":  # duplicates mean the key is gone: put Alembic's back
        key = version_key.constraint_name(facts.version_table.name)
        steps = (*steps[:2], f"add the primary key {key} (version_num) if missing", steps[2])
    return RepairPlan(fix, code, facts.rows, target, (), steps)


def _stamp_target(ex: Examination, fix: str, to: tuple[str, ...]) -> tuple[str, ...]:
    if fix == "bridge":
        if ex.exam.baseline is None:
            raise ConfigError("The project has no baseline, so there is no bridge to stamp.")
        return (ex.exam.baseline.old_head,)
    if fix == "dedupe" and not to and len(ex.facts.recorded) == 1:
        return ex.facts.recorded
    if to:
        unknown = [r for r in to if ex.exam.history.locate(r) != "live"]
        if unknown:
            raise ConfigError(
                f"{', '.join(unknown)} is not a live revision of the project.",
                hint="Pass --to with a revision from `alembic history`.",
            )
        return tuple(sorted(to))
    ident = ex.report.identification
    if ident is None or ident.revision is None:
        raise UnsafeError(
            "Refused: no revision was identified whose schema equals the database's, so there "
            "is nothing that can be stamped safely. Nothing was done.",
            hint="Read `alembic-baseline doctor`'s differences; fix the schema first (or pass "
            "--to REV to check a revision of your choice).",
        )
    return ident.revision


def require_exact(ex: Examination, target: tuple[str, ...], live: Snapshot) -> None:
    """Refuse unless ``target``'s replayed schema equals ``live`` exactly."""

    ident = ex.identification
    if ident is not None and any(m.heads == target for m in ident.exact):
        return
    if len(target) != 1:
        raise UnsafeError(
            f"Refused: {', '.join(target)} was not identified as the database's schema.",
            hint="Run `alembic-baseline doctor --identify` and stamp what it identifies.",
        )
    exam = ex.exam
    options = inspect_options(exam.facts.version_table)
    expected, _ = expected_snapshot(
        exam.project, exam.history, exam.scratch, target[0], options, exam.cache_dir
    )
    diff = compare(expected, live, CompareOptions(ignore_column_order=True))
    if diff:
        lines = describe(diff)
        raise UnsafeError(
            f"Refused: the schema is not exactly revision {target[0]} ({len(diff.changes)} "
            "difference(s)); stamping it would mark changes as applied that are not. "
            "Nothing was done.",
            hint=f'See them with `alembic-baseline diff "$DATABASE_URL" rev:{target[0]}`.',
            context={f"difference {i}": line for i, line in enumerate(lines[:10], start=1)},
        )


def _index_plan(ex: Examination, fix: str, code: str) -> RepairPlan:

    facts = ex.facts
    found = [i for i in facts.invalid_indexes if not i.building]
    if not found:
        raise ConfigError("There is no INVALID index to repair.")
    names = tuple(i.qualified for i in found)
    if fix == "rebuild-index":
        steps = tuple(f"REINDEX INDEX CONCURRENTLY {n} (outside a transaction)" for n in names)
        return RepairPlan(fix, code, facts.rows, None, names, steps, transactional=False)
    stamp = None
    for index in found:
        rev = leftovers.origin(ex.exam.history, index)
        if rev is not None and facts.recorded == (rev.id,):
            stamp = rev.down_revisions  # un-record it: the re-run must create the index
            if stamp:  # un-recording is only safe when its other statements did not run
                require_exact(ex, stamp, ex.live.without_index(index.qualified))
    steps = tuple(f"DROP INDEX {n} (lock_timeout bounded)" for n in names)
    if stamp is not None:
        steps += (f"stamp {', '.join(stamp) or 'base'} so that `upgrade` re-runs the revision",)
    return RepairPlan(fix, code, facts.rows, stamp, names, steps)


# -- doing it ----------------------------------------------------------------------------------


@contextmanager
def transaction(ex: Examination, lock_timeout: str) -> Iterator[Connection]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    url = ex.facts.url.render(sqlalchemy_driver("psycopg"))
    engine = create_engine(url, poolclass=NullPool)
    try:
        with retrying_engines(), engine.begin() as conn:
            conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": lock_timeout})
            yield conn
    finally:
        engine.dispose()


def execute(ex: Examination, plan: RepairPlan, lock_timeout: str) -> None:
    """Carry out ``plan``: one transaction (``rebuild-index``: one statement per index)."""
    if plan.fix == "rebuild-index":
        _rebuild(ex, plan)
        return
    with transaction(ex, lock_timeout) as conn:
        _lock_and_check(conn, ex.facts, plan)
        for index in plan.indexes:
            _drop_index(conn, index)
        if plan.stamp is not None:
            _stamp(conn, ex, plan.stamp)
        if plan.fix == "dedupe":
            version_key.restore(conn, _table(ex.facts), ex.facts.version_table.name)


def _ident(*parts: str) -> str:
    from psycopg import sql

    return sql.SQL(".").join(sql.Identifier(p) for p in parts).as_string(None)


def _table(facts: Facts) -> str:
    """The version table's name as SQL (unqualified without a schema: Alembic then finds it
    through the search_path, and so does this)."""
    vt = facts.version_table
    return _ident(vt.schema, vt.name) if vt.schema else _ident(vt.name)


def _lock_and_check(conn: Connection, facts: Facts, plan: RepairPlan) -> None:
    from sqlalchemy import text

    name = _table(facts)
    exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": name}).scalar()
    if not exists:
        if plan.before:
            raise UnsafeError("The version table disappeared since the diagnosis; nothing done.")
        return
    conn.exec_driver_sql(f"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE")
    rows = tuple(sorted(str(r[0]) for r in conn.exec_driver_sql(f"SELECT version_num FROM {name}")))
    if rows != plan.before:
        raise UnsafeError(
            f"The version table changed since the diagnosis ({', '.join(rows) or 'empty'} "
            f"instead of {', '.join(plan.before) or 'empty'}): someone is migrating. "
            "Nothing was done.",
            hint="Run `alembic-baseline doctor` again when the other run has finished.",
        )
    if plan.stamp is not None:
        conn.exec_driver_sql(f"DELETE FROM {name}")


def _drop_index(conn: Connection, qualified: str) -> None:
    rows = conn.exec_driver_sql(INVALID_INDEXES).fetchall()  # the driver of any SQLAlchemy
    still = any(i.qualified == qualified for i in invalid_from_rows(rows))
    if not still:
        raise UnsafeError(f"The index {qualified} is no longer INVALID; nothing was done.")
    schema, name = qualified.split(".", 1)
    conn.exec_driver_sql(f"DROP INDEX {_ident(schema, name)}")


def _stamp(conn: Connection, ex: Examination, target: tuple[str, ...]) -> None:
    from alembic.runtime.migration import MigrationContext

    vt = ex.facts.version_table
    opts: dict[str, Any] = {"version_table": vt.name, "version_table_schema": vt.schema}
    context = MigrationContext.configure(connection=conn, opts=opts)
    context.stamp(ex.exam.project.script, target or "base")  # type: ignore[arg-type]


def _rebuild(ex: Examination, plan: RepairPlan) -> None:

    # autocommit: CONCURRENTLY needs it. No timeouts: a REINDEX CONCURRENTLY stopped half way
    # (it waits for older transactions) would leave one more INVALID index behind.
    with connection(ex.facts.url, waits=NO_LIMITS) as conn:
        for qualified in plan.indexes:
            schema, name = qualified.split(".", 1)
            conn.execute(f"REINDEX INDEX CONCURRENTLY {_ident(schema, name)}".encode())
