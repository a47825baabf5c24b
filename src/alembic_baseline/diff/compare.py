"""Snapshot × Snapshot → :class:`SchemaDiff`. Pure: no database, no I/O.

Objects are matched by :class:`ObjectKey`; matched objects are compared attribute by attribute
(generated dataclass fields, so a new attribute is compared the day it is added). Two things
are not plain attribute comparisons: the order of a table's columns (ADD COLUMN can only append,
so what matters is whether B's order is reachable from A's) and what a change drags along
(from the dependency edges recorded in A).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from alembic_baseline.diff.model import (
    AttributeChange,
    Change,
    ChangeKind,
    CompareOptions,
    SchemaDiff,
)
from alembic_baseline.snapshot.model import (
    OBJECT_TYPES,
    CatalogObject,
    Column,
    Constraint,
    Function,
    ObjectKey,
    Snapshot,
)

# Attributes that are not part of an object's definition for comparison purposes.
_NOT_COMPARED = {"position"}
# A function can be CREATE OR REPLACEd when only these changed; anything else means DROP+CREATE.
_REPLACEABLE_FUNCTION = {
    "body",
    "sql_body",
    "language",
    "volatility",
    "strict",
    "security_definer",
    "leakproof",
    "parallel",
    "cost",
    "rows",
    "config",
    "comment",
    "owner",
    "acl",
}
_COLUMN_REBUILD = {"type", "collation", "generated"}
_RECREATED_ON_CHANGE = {
    "view",
    "materialized view",
    "constraint",
    "index",
    "trigger",
    "policy",
    "event trigger",
}
# Changes made in place, whatever the kind (enabled: ALTER TABLE ... ENABLE TRIGGER).
_IN_PLACE = {"comment", "owner", "acl", "enabled"}


def normalize(snap: Snapshot, options: CompareOptions) -> Snapshot:
    """``snap`` without what ``options`` ignore (comments, privileges, NOT NULL constraints)."""
    kinds: dict[str, Iterable[CatalogObject]] = {}
    for name in OBJECT_TYPES:
        objects: Iterable[CatalogObject] = getattr(snap, name)
        if options.ignore_not_null_names and name == "constraints":
            objects = [c for c in objects if not (isinstance(c, Constraint) and c.type == "n")]
        if options.ignore_comments:
            objects = [o if o.comment is None else replace(o, comment=None) for o in objects]
        if options.ignore_privileges:
            objects = [_without_privileges(o) for o in objects]
        kinds[name] = objects
    return snap.with_objects(**kinds)


def _without_privileges(obj: CatalogObject) -> CatalogObject:
    changes: dict[str, Any] = {}
    if getattr(obj, "owner", None) is not None:
        changes["owner"] = None
    if getattr(obj, "acl", ()):
        changes["acl"] = ()
    return replace(obj, **changes) if changes else obj


# Attributes holding SQL text that PostgreSQL prints back from a stored parse tree: compared in
# canonical form, because a dump-restored schema can store another tree for the same meaning.
_SQL_TEXT = {"definition", "predicate", "default"}


def _same(name: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if name in _SQL_TEXT and isinstance(a, str) and isinstance(b, str):
        from alembic_baseline.diff.expressions import canonical

        return canonical(a) == canonical(b)
    return False


def attribute_changes(old: CatalogObject, new: CatalogObject) -> tuple[AttributeChange, ...]:
    """The attributes whose values differ, in declaration order."""
    return tuple(
        AttributeChange(f.name, getattr(old, f.name), getattr(new, f.name))
        for f in fields(old)
        if f.name not in _NOT_COMPARED
        and not _same(f.name, getattr(old, f.name), getattr(new, f.name))
    )


def column_readded(old: Column, new: Column) -> bool:
    """A generation expression cannot be altered (before PostgreSQL 17): the column is dropped
    and added again, which moves it to the end of the table."""
    if old.generated != new.generated:
        return True
    return bool(new.generated) and not _same("default", old.default, new.default)


def _column_orders(snap: Snapshot) -> dict[tuple[str, str], list[str]]:
    orders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for col in snap.columns:  # already in table, position order
        orders[(col.schema, col.table)].append(col.name)
    return orders


def _order_changes(a: Snapshot, b: Snapshot) -> dict[ObjectKey, AttributeChange]:
    """Tables whose column order in B cannot be reached from A by dropping and appending."""
    found: dict[ObjectKey, AttributeChange] = {}
    b_orders = _column_orders(b)
    b_columns = {c.key: c for c in b.columns}
    readded = {
        c.key for c in a.columns if c.key in b_columns and column_readded(c, b_columns[c.key])
    }
    for (schema, table), old in _column_orders(a).items():
        new = b_orders.get((schema, table))
        if new is None:
            continue
        kept = [c for c in old if c in new and ObjectKey("column", schema, c, table) not in readded]
        reachable = kept + [c for c in new if c not in kept]
        if reachable != new:
            key = ObjectKey("table", schema, table)
            found[key] = AttributeChange("column_order", tuple(old), tuple(new))
    return found


def needs_recreate(change: Change) -> bool:
    """Whether B's object can only be reached by dropping A's (which drags its dependants)."""
    if change.kind is ChangeKind.REMOVED:
        return True
    if change.kind is ChangeKind.ADDED:
        return False
    names = {a.name for a in change.attributes}
    obj = change.object
    if isinstance(obj, Function):
        return not names <= _REPLACEABLE_FUNCTION
    if isinstance(obj, Column):
        return bool(names & _COLUMN_REBUILD) or (bool(names & {"default"}) and bool(obj.generated))
    if isinstance(obj, Constraint) and obj.type == "n":
        return False  # renamed or re-flagged in place
    return change.key.kind in _RECREATED_ON_CHANGE and not names <= _IN_PLACE


def _reverse_edges(snap: Snapshot) -> dict[ObjectKey, list[ObjectKey]]:
    reverse: dict[ObjectKey, list[ObjectKey]] = defaultdict(list)
    for dep in snap.dependencies:
        reverse[dep.referenced].append(dep.dependent)
    return reverse


def _dependants(
    roots: Iterable[ObjectKey], reverse: Mapping[ObjectKey, list[ObjectKey]]
) -> tuple[ObjectKey, ...]:
    """Everything that transitively depends on ``roots`` (roots excluded), sorted."""
    seen: set[ObjectKey] = set()
    stack = list(roots)
    start = set(stack)
    while stack:
        for dependant in reverse.get(stack.pop(), ()):
            if dependant not in seen and dependant not in start:
                seen.add(dependant)
                stack.append(dependant)
    return tuple(sorted(seen))


def _roots(change: Change, a: Snapshot) -> list[ObjectKey]:
    """The keys whose dependants a dropped object takes with it (a table: also its columns)."""
    roots = [change.key]
    if change.key.kind == "table":
        table = (change.key.schema, change.key.name)
        roots += [c.key for c in a.columns if (c.schema, c.table) == table]
    return roots


def compare(a: Snapshot, b: Snapshot, options: CompareOptions | None = None) -> SchemaDiff:
    """What differs between ``a`` and ``b`` (the changes that turn A into B).

    Pure and deterministic: changes come in snapshot kind order, then key order.
    """
    options = options or CompareOptions()
    if options != CompareOptions():
        a, b = normalize(a, options), normalize(b, options)
    old, new = a.by_key(), b.by_key()
    orders = {} if options.ignore_column_order else _order_changes(a, b)
    reverse = _reverse_edges(a)
    changes: list[Change] = []
    for name in OBJECT_TYPES:
        keys = {o.key for o in getattr(a, name)} | {o.key for o in getattr(b, name)}
        for key in sorted(keys, key=lambda k: (k.kind, k.schema, k.table, k.name)):
            change = _change(key, old.get(key), new.get(key), orders.get(key))
            if change is None:
                continue
            if needs_recreate(change):
                deps = _dependants(_roots(change, a), reverse)
                change = replace(change, recreate=True, dependants=deps)
            changes.append(change)
    return SchemaDiff(tuple(changes), a, b, options)


def _change(
    key: ObjectKey,
    old: CatalogObject | None,
    new: CatalogObject | None,
    order: AttributeChange | None,
) -> Change | None:
    if old is None:
        return Change(ChangeKind.ADDED, key, None, new)
    if new is None:
        return Change(ChangeKind.REMOVED, key, old, None)
    if old == new and order is None:
        return None
    attrs = attribute_changes(old, new) + ((order,) if order else ())
    return Change(ChangeKind.CHANGED, key, old, new, attrs) if attrs else None
