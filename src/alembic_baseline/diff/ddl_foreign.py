"""DDL for foreign-data wrappers, foreign servers and foreign tables.

Options the snapshot holds by name only (secrets: see
:data:`~alembic_baseline.snapshot.loaders_foreign.SECRET_OPTION`) cannot be written back: a
statement that would need one is emitted as manual work, naming the option, never a value.
"""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal, qualified
from alembic_baseline.snapshot.model import (
    CatalogObject,
    ForeignColumn,
    ForeignDataWrapper,
    ForeignServer,
    ForeignTable,
)

_SECRET_NOTE = "the value of {} is not in the snapshot (a secret): write the statement with it"


def _option_map(options: tuple[str, ...]) -> dict[str, str | None]:
    """``name=value`` items → name → value (None: held by name only)."""
    out: dict[str, str | None] = {}
    for item in options:
        name, sep, value = item.partition("=")
        out[name] = value if sep else None
    return out


def _value(name: str, value: str | None) -> str:
    return f"{ident(name)} {literal(value) if value is not None else '<secret>'}"


def options_clause(options: tuple[str, ...]) -> str:
    """`` OPTIONS (name 'value', ...)`` (empty without options)."""
    if not options:
        return ""
    return f" OPTIONS ({', '.join(_value(n, v) for n, v in _option_map(options).items())})"


def _secrets(*option_lists: tuple[str, ...]) -> list[str]:
    return [n for opts in option_lists for n, v in _option_map(opts).items() if v is None]


def _add(plan: Plan, phase: str, sql: str, obj: CatalogObject, secrets: list[str]) -> None:
    if secrets:
        note = _SECRET_NOTE.format(", ".join(secrets))
        plan.add(phase, f"-- {sql}", obj.key, manual=True, note=note)
    else:
        plan.add(phase, sql, obj.key)


def alter_options(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, list[str]]:
    """``OPTIONS (ADD/SET/DROP ...)`` turning ``old`` into ``new`` ("" when equal), and the
    secret options it would have to set."""
    a, b = _option_map(old), _option_map(new)
    items = [f"DROP {ident(n)}" for n in a if n not in b]
    secrets = []
    for name, value in b.items():
        if name in a and a[name] == value:
            continue  # (a secret present on both sides is equal: compared by name)
        secrets += [name] if value is None else []
        items.append(f"{'SET' if name in a else 'ADD'} {_value(name, value)}")
    return (f"OPTIONS ({', '.join(items)})" if items else ""), secrets


# -- wrappers and servers -----------------------------------------------------------------------


def create_wrapper(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, ForeignDataWrapper)
    if plan.create_once(obj.key):
        sql = f"CREATE FOREIGN DATA WRAPPER {ident(obj.name)}"
        sql += f" HANDLER {obj.handler}" if obj.handler else ""
        sql += f" VALIDATOR {obj.validator}" if obj.validator else ""
        _add(
            plan, plan.phase(obj.key), sql + options_clause(obj.options), obj, _secrets(obj.options)
        )


def drop_wrapper(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        sql = f"DROP FOREIGN DATA WRAPPER {ident(obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key, destructive=destructive)


def alter_wrapper(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, ForeignDataWrapper) and isinstance(new, ForeignDataWrapper)
    clauses = []
    if change.changed("handler"):
        clauses.append(f"HANDLER {new.handler}" if new.handler else "NO HANDLER")
    if change.changed("validator"):
        clauses.append(f"VALIDATOR {new.validator}" if new.validator else "NO VALIDATOR")
    options, secrets = alter_options(old.options, new.options)
    if clauses or options:
        sql = " ".join([f"ALTER FOREIGN DATA WRAPPER {ident(new.name)}", *clauses, options])
        _add(plan, plan.phase(new.key), sql.rstrip(), new, secrets)


def create_server(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, ForeignServer)
    if plan.create_once(obj.key):
        sql = f"CREATE SERVER {ident(obj.name)}"
        sql += f" TYPE {literal(obj.type)}" if obj.type is not None else ""
        sql += f" VERSION {literal(obj.version)}" if obj.version is not None else ""
        sql += f" FOREIGN DATA WRAPPER {ident(obj.wrapper)}{options_clause(obj.options)}"
        _add(plan, plan.phase(obj.key), sql, obj, _secrets(obj.options))


def drop_server(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    # No CASCADE: a server with user mappings (not modelled: they hold passwords) stays, and
    # the statement fails instead of dropping them.
    if plan.drop_once(obj.key):
        sql = f"DROP SERVER {ident(obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key, destructive=destructive)


def alter_server(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, ForeignServer) and isinstance(new, ForeignServer)
    version = ""
    if change.changed("version"):
        version = f"VERSION {literal(new.version) if new.version is not None else 'NULL'}"
    options, secrets = alter_options(old.options, new.options)
    if version or options:
        sql = " ".join(x for x in (f"ALTER SERVER {ident(new.name)}", version, options) if x)
        _add(plan, plan.phase(new.key), sql, new, secrets)


# -- foreign tables -------------------------------------------------------------------------------


def _column_sql(col: ForeignColumn) -> str:
    sql = f"{ident(col.name)} {col.type}{options_clause(col.options)}"
    sql += f" COLLATE {col.collation}" if col.collation else ""
    sql += " NOT NULL" if col.not_null else ""
    return sql + (f" DEFAULT {col.default}" if col.default is not None else "")


def foreign_table_sql(obj: ForeignTable) -> str:
    """CREATE FOREIGN TABLE with its local columns and CHECK constraints."""
    checks = [f"CONSTRAINT {ident(c.name)} {c.definition}" for c in obj.checks]
    name = qualified(obj.schema, obj.name)
    if obj.partition_of:
        body = f" ({', '.join(checks)})" if checks else ""
        head = f"CREATE FOREIGN TABLE {name} PARTITION OF {obj.partition_of}{body} "
        head += f"{obj.partition_bound}"
    else:
        items = [_column_sql(c) for c in obj.columns if c.local] + checks
        head = f"CREATE FOREIGN TABLE {name} (\n    " + ",\n    ".join(items) + "\n)"
        head += f" INHERITS ({', '.join(obj.inherits)})" if obj.inherits else ""
    return f"{head} SERVER {ident(obj.server)}{options_clause(obj.options)}"


def create_foreign_table(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, ForeignTable)
    if not plan.create_once(obj.key):
        return
    secrets = _secrets(obj.options, *(c.options for c in obj.columns))
    phase, name = plan.phase(obj.key), qualified(obj.schema, obj.name)
    _add(plan, phase, foreign_table_sql(obj), obj, secrets)
    for col in obj.columns:
        if not col.local and col.options:  # an inherited column: options set afterwards
            sql = f"ALTER FOREIGN TABLE {name} ALTER COLUMN {ident(col.name)}"
            plan.add(phase, sql + options_clause(col.options), obj.key)
        if col.comment is not None:
            sql = f"COMMENT ON COLUMN {name}.{ident(col.name)} IS {literal(col.comment)}"
            plan.add("comments", sql, obj.key)
    # (its triggers, when it was dropped and created again: ddl.restore_parts)


def drop_foreign_table(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        plan.removed_relations.add((obj.key.schema, obj.key.name))
        sql = f"DROP FOREIGN TABLE {qualified(obj.key.schema, obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key, destructive=destructive)
