"""SchemaDiff → ordered DDL statements that turn A into B.

How it works:

1. Every object a change drags along (``Change.dependants``: views on a view being recreated,
   FKs on a primary key being replaced, triggers on a function being dropped...) is dropped and,
   when B has it, recreated from B.
2. Every change is handled by its kind: added → create, removed → drop (destructive when it can
   lose data), changed → an ALTER where one exists, else drop and create.
3. Comments and privileges are re-applied to everything created.
4. Statements are sorted by :data:`~alembic_baseline.diff.plan.PHASES`; inside the view and
   table phases by dependency (graphlib), so a view is created after the views it reads.

Each handler adds statements through :class:`~alembic_baseline.diff.plan.Plan`, which drops and
creates each object at most once, whichever change asked first.
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from alembic_baseline.diff import ddl_meta, ddl_tables
from alembic_baseline.diff.kinds import DDL_OF, PHASE_OF, RELATIONS
from alembic_baseline.diff.model import Change, ChangeKind, SchemaDiff
from alembic_baseline.diff.plan import PHASES, Plan, Statement
from alembic_baseline.diff.quote import qualified
from alembic_baseline.snapshot.kinds import COLUMNS, FOREIGN_TABLES, VIEWS, WITH_COLUMNS
from alembic_baseline.snapshot.model import CatalogObject, Column, Constraint, ObjectKey, Snapshot

_VIEWS = VIEWS.keys
_WHOLE = (*VIEWS.keys, *FOREIGN_TABLES.keys)
"""Relations dropped as a whole (their parts go with them) when recreated or removed."""


def create(plan: Plan, obj: CatalogObject) -> None:
    DDL_OF[obj.key.kind].create(plan, obj)


def drop(plan: Plan, obj: CatalogObject, *, removed: bool) -> None:
    """Drop ``obj``; destructive only when B does not have it and it holds data."""
    ddl = DDL_OF[obj.key.kind]
    ddl.drop(plan, obj, removed and ddl.loses_data)


def _prepare(plan: Plan, changes: Iterable[Change]) -> None:
    """What is dropped or created as a whole, so that parts of it are not handled twice."""
    for change in changes:
        key = change.key
        table = key.kind in WITH_COLUMNS  # a table: its columns are objects of their own
        if table and change.kind is ChangeKind.REMOVED:
            plan.removed_relations.add((key.schema, key.name))
        if table and change.kind is ChangeKind.ADDED:
            plan.new_tables.add((key.schema, key.name))
        if key.kind in _WHOLE and change.recreate:
            plan.removed_relations.add((key.schema, key.name))
        plan.removed_relations.update(
            (d.schema, d.name) for d in change.dependants if d.kind in _WHOLE
        )


def _drag(plan: Plan, key: ObjectKey) -> None:
    """Drop a dependant of A and recreate it from B (when B still has it)."""
    if key.kind == "default":
        ddl_tables.drop_default(plan, key)
        ddl_tables.restore_default(plan, key)
        return
    old = plan.a_objects.get(key)
    if old is not None:
        drop(plan, old, removed=False)
    new = plan.b(key)
    if new is not None:
        create(plan, new)


def restore_parts(plan: Plan) -> None:
    """What lived on a view or foreign table that was dropped and created again (indexes,
    triggers, rules) went with the drop: B's come back."""
    rebuilt = {(k.schema, k.name) for k in plan.dropped & plan.created if k.kind in _WHOLE}
    parts: list[CatalogObject] = [*plan.diff.b.indexes, *plan.diff.b.triggers, *plan.diff.b.rules]
    for part in parts:
        if (part.key.schema, part.key.table) in rebuilt:
            create(plan, part)


def _not_null_renames(plan: Plan, changes: Iterable[Change]) -> set[ObjectKey]:
    """PostgreSQL 18: pair a removed and an added NOT NULL constraint on the same column."""
    removed: dict[tuple[str, str, str], Constraint] = {}
    added: dict[tuple[str, str, str], Constraint] = {}
    for change in changes:
        obj = change.object
        if isinstance(obj, Constraint) and obj.type == "n" and obj.columns:
            side = removed if change.kind is ChangeKind.REMOVED else added
            if change.kind is not ChangeKind.CHANGED:
                side[(obj.schema, obj.table, obj.columns[0])] = obj
    handled: set[ObjectKey] = set()
    for column, old in removed.items():
        new = added.get(column)
        col = plan.b(ObjectKey("column", column[0], column[2], column[1]))
        was = plan.a_objects.get(ObjectKey("column", column[0], column[2], column[1]))
        if new is not None and getattr(col, "not_null", False) and getattr(was, "not_null", 0):
            ddl_tables.rename_not_null(plan, old, new)
            handled |= {old.key, new.key}
    return handled


def _apply(plan: Plan, change: Change) -> None:
    ddl = DDL_OF[change.key.kind]
    if change.kind is ChangeKind.ADDED and change.new is not None:
        ddl.create(plan, change.new)
    elif change.kind is ChangeKind.REMOVED and change.old is not None:
        drop(plan, change.old, removed=True)
    elif change.recreate and ddl.kind is not COLUMNS and change.old and change.new:
        # (a column's alter handler drops and re-adds it itself, keeping what it can)
        drop(plan, change.old, removed=False)
        ddl.create(plan, change.new)
    else:
        ddl.alter(plan, change)


def statements(diff: SchemaDiff, *, allow_destructive: bool = False) -> list[Statement]:
    """All statements that turn ``diff.a`` into ``diff.b``, in execution order."""
    plan = Plan(diff, PHASE_OF, RELATIONS)
    _prepare(plan, diff.changes)
    for change in diff.changes:
        for key in change.dependants:
            _drag(plan, key)
    handled = _not_null_renames(plan, diff.changes)
    for change in diff.changes:
        if change.key not in handled:
            _apply(plan, change)
    restore_parts(plan)
    ddl_meta.comments(plan)
    ddl_meta.privileges(plan)
    if any(s.phase in ("functions", "late functions") for s in plan.statements):
        # Like pg_dump: a SQL function's body may name a table created later in the script.
        plan.add("setup", "SET check_function_bodies = false")
        plan.add("teardown", "RESET check_function_bodies")
    return [
        replace(s, enabled=not s.manual and (allow_destructive or not s.destructive))
        for s in _ordered(plan)
    ]


# -- ordering inside phases -------------------------------------------------------------------


def _view_edges(snap: Snapshot, *, reverse: bool) -> dict[ObjectKey, set[ObjectKey]]:
    edges: dict[ObjectKey, set[ObjectKey]] = defaultdict(set)
    for dep in snap.dependencies:
        if dep.dependent.kind in _VIEWS and dep.referenced.kind in _VIEWS:
            if reverse:
                edges[dep.referenced].add(dep.dependent)
            else:
                edges[dep.dependent].add(dep.referenced)
    return edges


def _table_edges(snap: Snapshot, *, reverse: bool) -> dict[ObjectKey, set[ObjectKey]]:
    by_name = {qualified(t.schema, t.name): t.key for t in snap.tables}
    edges: dict[ObjectKey, set[ObjectKey]] = defaultdict(set)
    for table in snap.tables:
        for parent in ddl_tables._parents(table):
            if parent in by_name:
                child, ref = table.key, by_name[parent]
                edges[ref if reverse else child].add(child if reverse else ref)
    return edges


def _toposort(stmts: list[Statement], edges: Mapping[ObjectKey, set[ObjectKey]]) -> list[Statement]:
    """Statements grouped by key, keys after the keys they depend on (else as added)."""
    groups: dict[ObjectKey | None, list[Statement]] = {}
    for s in stmts:
        groups.setdefault(s.key, []).append(s)
    sorter: graphlib.TopologicalSorter[ObjectKey | None] = graphlib.TopologicalSorter()
    for key in groups:
        if key is not None:
            sorter.add(key, *(e for e in edges.get(key, ()) if e in groups))
    try:
        order = [k for k in sorter.static_order() if k in groups]
    except graphlib.CycleError:
        return stmts
    order += [k for k in groups if k not in order]
    return [s for k in order for s in groups[k]]


def _ordered(plan: Plan) -> list[Statement]:
    by_phase: dict[str, list[Statement]] = defaultdict(list)
    for s in plan.statements:
        by_phase[s.phase].append(s)
    a, b = plan.diff.a, plan.diff.b
    sorting = {
        "views": _view_edges(b, reverse=False),
        "drop views": _view_edges(a, reverse=True),
        "tables": _table_edges(b, reverse=False),
        "attach": _table_edges(b, reverse=False),
        "drop tables": _table_edges(a, reverse=True),
    }
    out: list[Statement] = []
    for phase in PHASES:
        stmts = by_phase.get(phase, [])
        if phase == "add columns":
            # Appended in B's column order, so that the table ends up with B's order.
            stmts = sorted(stmts, key=lambda s: _column_position(plan, s.key))
        out += _toposort(stmts, sorting[phase]) if phase in sorting else stmts
    return out


def _column_position(plan: Plan, key: ObjectKey | None) -> tuple[str, str, int]:
    column = plan.b(key) if key is not None else None
    position = column.position if isinstance(column, Column) else 0
    return (key.schema, key.table, position) if key is not None else ("", "", 0)


# -- the script ---------------------------------------------------------------------------------


def _commented(text: str) -> str:
    return "\n".join(line if line.startswith("--") else f"-- {line}" for line in text.splitlines())


def render_script(stmts: list[Statement]) -> str:
    """The statements as one SQL script; what is not enabled is commented out with a reason."""
    if not stmts:
        return "-- alembic-baseline: no differences, nothing to do.\n"
    held = sum(1 for s in stmts if s.destructive and not s.enabled)
    manual = sum(1 for s in stmts if s.manual)
    lines = [
        "-- alembic-baseline fix script: turns A into B. Review before running.",
        f"-- {len(stmts)} statements; {held} destructive held back (commented out: rerun with "
        f"--allow-destructive), {manual} need manual work.",
    ]
    phase = None
    for s in stmts:
        if s.phase != phase:
            phase = s.phase
            lines += ["", f"-- == {phase} =="]
        if s.manual:
            lines.append(f"-- MANUAL: {s.note}")
            lines.append(_commented(s.sql))
        elif not s.enabled:
            lines.append(
                f"-- DESTRUCTIVE{': ' + s.note if s.note else ''} (held back: --allow-destructive)"
            )
            lines.append(_commented(s.sql + ";"))
        else:
            if s.destructive:
                lines.append(f"-- destructive{': ' + s.note if s.note else ''}")
            elif s.note:
                lines.append(f"-- note: {s.note}")
            lines.append(s.sql + ";")
    return "\n".join(lines) + "\n"
