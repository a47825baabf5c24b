"""DDL for tables and what lives on them: columns, constraints, indexes, defaults.

Each kind has ``create(plan, obj)``, ``drop(plan, obj, destructive)`` and ``alter(plan, change)``;
parts of a table that is itself dropped or created are skipped (the table statement covers them).
"""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal, qualified
from alembic_baseline.diff.sameness import column_readded
from alembic_baseline.snapshot.model import (
    CatalogObject,
    Column,
    Constraint,
    Index,
    ObjectKey,
    Table,
)


def _alter_table(schema: str, table: str) -> str:
    return f"ALTER TABLE {qualified(schema, table)}"


# -- tables -------------------------------------------------------------------------------------


def column_sql(plan: Plan, col: Column) -> str:
    """A column definition as in CREATE TABLE / ADD COLUMN."""
    parts = [ident(col.name), col.type]
    if col.compression:
        parts.append(f"COMPRESSION {col.compression}")
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated and col.default is not None:
        parts.append(f"GENERATED ALWAYS AS ({col.default}) {col.generated.upper()}")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if col.not_null:
        name = plan.not_null_name(col.schema, col.table, col.name)
        parts.append(f"CONSTRAINT {ident(name)} NOT NULL" if name else "NOT NULL")
    if col.identity:
        options = f" ({col.identity_options})" if col.identity_options else ""
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY{options}")
    return " ".join(parts)


def create_table(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Table)
    if not plan.create_once(obj.key):
        return
    name = qualified(obj.schema, obj.name)
    cols = [c for c in plan.b_columns(obj.schema, obj.name) if c.local]
    plan.created.update(c.key for c in plan.b_columns(obj.schema, obj.name))
    unlogged = "UNLOGGED " if obj.persistence == "unlogged" else ""
    if obj.partition_of:
        sql = f"CREATE {unlogged}TABLE {name} PARTITION OF {obj.partition_of}"
        if cols:
            sql += " (\n    " + ",\n    ".join(column_sql(plan, c) for c in cols) + "\n)"
        sql += f" {obj.partition_bound}"
    else:
        body = ",\n    ".join(column_sql(plan, c) for c in cols)
        sql = (
            f"CREATE {unlogged}TABLE {name} (\n    {body}\n)" if cols else f"CREATE TABLE {name} ()"
        )
        if obj.inherits:
            sql += f" INHERITS ({', '.join(obj.inherits)})"
    if obj.partition_key:
        sql += f" PARTITION BY {obj.partition_key}"
    if obj.options:
        sql += f" WITH ({', '.join(obj.options)})"
    # A partition or child of an existing table waits until the parent's new columns exist.
    plan.add("attach" if _parents(obj) else "tables", sql, obj.key)
    _row_security(plan, obj, Table(obj.schema, obj.name))
    for col in cols:
        _set_storage(plan, col, "columns")


def _parents(table: Table) -> tuple[str, ...]:
    return (table.partition_of, *table.inherits) if table.partition_of else table.inherits


def drop_table(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Table)
    if plan.drop_once(obj.key):
        plan.add(
            plan.drop_phase(obj.key),
            f"DROP TABLE {qualified(obj.schema, obj.name)}",
            obj.key,
            destructive=destructive,
        )


def _row_security(plan: Plan, new: Table, old: Table) -> None:
    alter, phase = _alter_table(new.schema, new.name), plan.phase(new.key)
    if new.rls_enabled != old.rls_enabled:
        verb = "ENABLE" if new.rls_enabled else "DISABLE"
        plan.add(phase, f"{alter} {verb} ROW LEVEL SECURITY", new.key)
    if new.rls_forced != old.rls_forced:
        verb = "FORCE" if new.rls_forced else "NO FORCE"
        plan.add(phase, f"{alter} {verb} ROW LEVEL SECURITY", new.key)


def alter_table(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Table) and isinstance(new, Table)
    alter, phase = _alter_table(new.schema, new.name), plan.phase(new.key)
    if new.persistence != old.persistence:
        verb = "UNLOGGED" if new.persistence == "unlogged" else "LOGGED"
        plan.add(phase, f"{alter} SET {verb}", new.key)
    _row_security(plan, new, old)
    removed = {o.split("=", 1)[0] for o in old.options} - {o.split("=", 1)[0] for o in new.options}
    if removed:
        plan.add(phase, f"{alter} RESET ({', '.join(sorted(removed))})", new.key)
    if new.options and new.options != old.options:
        plan.add(phase, f"{alter} SET ({', '.join(new.options)})", new.key)
    _relink(plan, old, new)
    if change.changed("partition_key"):
        plan.add(
            phase,
            f"-- {alter} PARTITION BY {new.partition_key}",
            new.key,
            manual=True,
            note="the partition key cannot be altered: recreate the table and move the rows",
        )
    if change.changed("column_order"):
        order = next(a.new for a in change.attributes if a.name == "column_order")
        name = qualified(new.schema, new.name)
        plan.add(
            phase,
            f"-- column order of {name}: {', '.join(order)}",
            new.key,
            manual=True,
            note="columns cannot be reordered in place: rebuild the table "
            "(or compare with --ignore-column-order)",
        )


def _relink(plan: Plan, old: Table, new: Table) -> None:
    """Detach and un-inherit before column changes, attach and inherit after them."""
    alter, phase = _alter_table(new.schema, new.name), plan.phase(new.key)
    for parent in old.inherits:
        if parent not in new.inherits:
            plan.add(phase, f"{alter} NO INHERIT {parent}", new.key)
    for parent in new.inherits:
        if parent not in old.inherits:
            plan.add("attach", f"{alter} INHERIT {parent}", new.key)
    if (old.partition_of, old.partition_bound) != (new.partition_of, new.partition_bound):
        name = qualified(new.schema, new.name)
        if old.partition_of:
            plan.add(
                phase,
                f"ALTER TABLE {old.partition_of} DETACH PARTITION {name}",
                new.key,
            )
        if new.partition_of:
            sql = f"ALTER TABLE {new.partition_of} ATTACH PARTITION {name} {new.partition_bound}"
            plan.add("attach", sql, new.key)


# -- columns ------------------------------------------------------------------------------------


def create_column(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Column)
    if (obj.schema, obj.table) in plan.new_tables or not obj.local:
        return  # part of CREATE TABLE, or arrives from the parent table
    if plan.create_once(obj.key):
        alter = _alter_table(obj.schema, obj.table)
        plan.add(plan.phase(obj.key), f"{alter} ADD COLUMN {column_sql(plan, obj)}", obj.key)
        _set_storage(plan, obj, plan.phase(obj.key))  # (right after it: same key, same place)


def _set_storage(plan: Plan, col: Column, phase: str) -> None:
    """SET STORAGE once the column exists: PostgreSQL 15 has no STORAGE in a column definition."""
    if col.storage:
        sql = f"{_alter_table(col.schema, col.table)} ALTER COLUMN {ident(col.name)} SET STORAGE"
        plan.add(phase, f"{sql} {col.storage.upper()}", col.key)


def _alter_storage(plan: Plan, alter: str, change: Change, new: Column) -> None:
    if change.changed("compression"):
        plan.add("columns", f"{alter} SET COMPRESSION {new.compression or 'default'}", new.key)
    if not change.changed("storage"):
        return
    if new.storage:
        plan.add("columns", f"{alter} SET STORAGE {new.storage.upper()}", new.key)
    elif plan.diff.a.server_version.split(".")[0] not in ("", "15"):
        plan.add("columns", f"{alter} SET STORAGE DEFAULT", new.key)  # PostgreSQL 16+
    else:
        plan.add(
            "columns",
            f"-- {alter} SET STORAGE <the type's storage>",
            new.key,
            manual=True,
            note="PostgreSQL 15 has no SET STORAGE DEFAULT: name the storage of the column's type",
        )


def drop_column(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Column)
    if plan.relation_gone(obj.schema, obj.table) or not obj.local:
        return
    if plan.drop_once(obj.key):
        alter = _alter_table(obj.schema, obj.table)
        plan.add(
            plan.drop_phase(obj.key),
            f"{alter} DROP COLUMN {ident(obj.name)}",
            obj.key,
            destructive=destructive,
        )


def alter_column(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Column) and isinstance(new, Column)
    if column_readded(old, new):
        # A generation expression cannot be altered before PostgreSQL 17: drop and re-add.
        drop_column(plan, old, destructive=True)
        if plan.create_once(new.key):  # held back together with the drop
            sql = f"{_alter_table(new.schema, new.table)} ADD COLUMN {column_sql(plan, new)}"
            plan.add(
                plan.phase(new.key),
                sql,
                new.key,
                destructive=True,
                note="re-added with the new generation expression",
            )
            _set_storage(plan, new, plan.phase(new.key))
        return
    alter = f"{_alter_table(new.schema, new.table)} ALTER COLUMN {ident(new.name)}"
    if change.changed("type", "collation"):
        collate = f" COLLATE {new.collation}" if new.collation else ""
        plan.add(
            "columns",
            f"{alter} TYPE {new.type}{collate} USING {ident(new.name)}::{new.type}",
            new.key,
            destructive=True,
            note="may fail or lose precision on existing rows",
        )
    if change.changed("default") and not new.identity:
        plan.created.add(ObjectKey("default", new.schema, new.name, new.table))
        sql = f"{alter} SET DEFAULT {new.default}" if new.default else f"{alter} DROP DEFAULT"
        plan.add("columns", sql, new.key)
    if change.changed("not_null"):  # before identity, which needs NOT NULL
        _alter_not_null(plan, alter, new)
    _alter_identity(plan, alter, old, new)
    _alter_storage(plan, alter, change, new)


def _alter_identity(plan: Plan, alter: str, old: Column, new: Column) -> None:
    if old.identity and not new.identity:
        plan.add("columns", f"{alter} DROP IDENTITY", new.key)
    elif new.identity and not old.identity:
        options = f" ({new.identity_options})" if new.identity_options else ""
        plan.add(
            "columns", f"{alter} ADD GENERATED {new.identity.upper()} AS IDENTITY{options}", new.key
        )
    elif new.identity and old.identity:
        if new.identity != old.identity:
            plan.add("columns", f"{alter} SET GENERATED {new.identity.upper()}", new.key)
        if new.identity_options and new.identity_options != old.identity_options:
            options = new.identity_options.replace(" NO CYCLE", " NO_CYCLE")
            sets = []
            for word in ("START WITH", "INCREMENT BY", "MINVALUE", "MAXVALUE", "CACHE"):
                value = options.split(word + " ", 1)[1].split(" ", 1)[0]
                sets.append(f"SET {word} {value}")
            sets.append("SET NO CYCLE" if "NO_CYCLE" in options else "SET CYCLE")
            plan.add("columns", f"{alter} {' '.join(sets)}", new.key)


def _alter_not_null(plan: Plan, alter: str, new: Column) -> None:
    if not new.not_null:
        plan.add("columns", f"{alter} DROP NOT NULL", new.key)
        return
    name = plan.not_null_name(new.schema, new.table, new.name)
    if name:  # PostgreSQL 18: keep B's constraint name
        table = _alter_table(new.schema, new.table)
        plan.add(
            "columns", f"{table} ADD CONSTRAINT {ident(name)} NOT NULL {ident(new.name)}", new.key
        )
    else:
        plan.add("columns", f"{alter} SET NOT NULL", new.key)


# -- defaults dragged along (a default that calls a function being recreated) -----------------


def drop_default(plan: Plan, key: ObjectKey) -> None:
    col = plan.a_objects.get(ObjectKey("column", key.schema, key.name, key.table))
    if isinstance(col, Column) and col.generated:
        return  # a generation expression goes with its column (dropped and re-added)
    if plan.relation_gone(key.schema, key.table) or not plan.drop_once(key):
        return
    sql = f"{_alter_table(key.schema, key.table)} ALTER COLUMN {ident(key.name)} DROP DEFAULT"
    plan.add("drop defaults", sql, key)


def restore_default(plan: Plan, key: ObjectKey) -> None:
    col = plan.b(ObjectKey("column", key.schema, key.name, key.table))
    if not isinstance(col, Column) or col.default is None or col.generated:
        return
    if plan.create_once(key):
        alter = f"{_alter_table(key.schema, key.table)} ALTER COLUMN {ident(key.name)}"
        plan.add("columns", f"{alter} SET DEFAULT {col.default}", key)


# -- constraints --------------------------------------------------------------------------------


def create_constraint(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Constraint)
    if obj.type == "n" and _not_null_covered(plan, obj):
        return
    if plan.left_by_detach(obj):
        plan.created.add(obj.key)
        return
    if plan.create_once(obj.key):
        phase = "foreign keys" if obj.type == "f" else "constraints"
        sql = f"{_alter_table(obj.schema, obj.table)} ADD CONSTRAINT {ident(obj.name)} "
        plan.add(phase, sql + obj.definition, obj.key)


def _not_null_covered(plan: Plan, obj: Constraint) -> bool:
    """A NOT NULL constraint comes with its column's creation or nullability change."""
    col_key = ObjectKey("column", obj.schema, obj.columns[0], obj.table)
    old = plan.a_objects.get(col_key)
    return not (isinstance(old, Column) and old.not_null) or col_key in plan.created


def drop_constraint(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Constraint)
    if plan.relation_gone(obj.schema, obj.table):
        return
    if plan.absorbed_by_attach(obj):
        plan.dropped.add(obj.key)
        return
    if obj.type == "n":
        col = plan.b(ObjectKey("column", obj.schema, obj.columns[0], obj.table))
        if not (isinstance(col, Column) and col.not_null):
            return  # DROP NOT NULL / DROP COLUMN of the column removes it
    if plan.drop_once(obj.key):
        phase = "drop foreign keys" if obj.type == "f" else "drop constraints"
        sql = f"{_alter_table(obj.schema, obj.table)} DROP CONSTRAINT {ident(obj.name)}"
        plan.add(phase, sql, obj.key)


def rename_not_null(plan: Plan, old: Constraint, new: Constraint) -> None:
    """PostgreSQL 18: the same column's NOT NULL constraint under another name."""
    plan.dropped.add(old.key)
    plan.created.add(new.key)
    sql = f"{_alter_table(new.schema, new.table)} RENAME CONSTRAINT {ident(old.name)} TO "
    plan.add(plan.phase(new.key), sql + ident(new.name), new.key)


# -- indexes ------------------------------------------------------------------------------------


def create_index(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Index)
    if plan.left_by_detach(obj):
        plan.created.add(obj.key)
        return
    if plan.create_once(obj.key):
        on_view = plan.b(ObjectKey("materialized view", obj.schema, obj.table)) is not None
        # pg_get_indexdef says ON ONLY for a partitioned table (pg_dump attaches the partitions'
        # indexes one by one); plain ON creates them on every partition at once.
        sql = obj.definition.replace(" ON ONLY ", " ON ", 1)
        plan.add("view indexes" if on_view else "indexes", sql, obj.key)


def drop_index(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Index)
    if plan.absorbed_by_attach(obj):
        plan.dropped.add(obj.key)
        return
    if not plan.relation_gone(obj.schema, obj.table) and plan.drop_once(obj.key):
        plan.add(plan.drop_phase(obj.key), f"DROP INDEX {qualified(obj.schema, obj.name)}", obj.key)


def quote_comment(text: str | None) -> str:
    return "NULL" if text is None else literal(text)
