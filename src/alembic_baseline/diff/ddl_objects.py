"""DDL for schemas, extensions, types, views, functions, triggers, event triggers and policies."""

from __future__ import annotations

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import dollar_quote, ident, literal, qualified
from alembic_baseline.snapshot.model import (
    CatalogObject,
    Composite,
    Domain,
    Enum,
    Extension,
    Function,
    ObjectKey,
    View,
)

# GUCs whose value is a list: each element is quoted on its own (as pg_dump does).
_LIST_SETTINGS = {
    "search_path",
    "temp_tablespaces",
    "local_preload_libraries",
    "session_preload_libraries",
    "shared_preload_libraries",
}


# -- schemas and extensions ---------------------------------------------------------------------


def create_schema(plan: Plan, obj: CatalogObject) -> None:
    if plan.create_once(obj.key):
        plan.add(plan.phase(obj.key), f"CREATE SCHEMA {ident(obj.key.name)}", obj.key)


def drop_schema(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        plan.add(
            plan.drop_phase(obj.key),
            f"DROP SCHEMA {ident(obj.key.name)}",
            obj.key,
            destructive=destructive,
        )


def create_extension(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Extension)
    if plan.create_once(obj.key):
        sql = (
            f"CREATE EXTENSION IF NOT EXISTS {ident(obj.name)} WITH SCHEMA {ident(obj.schema)} "
            f"VERSION {literal(obj.version)}"
        )
        plan.add(plan.phase(obj.key), sql, obj.key)


def drop_extension(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        plan.add(
            plan.drop_phase(obj.key),
            f"DROP EXTENSION {ident(obj.key.name)}",
            obj.key,
            destructive=destructive,
        )


def alter_extension(plan: Plan, change: Change) -> None:
    new = change.new
    assert isinstance(new, Extension)
    if change.changed("version"):
        sql = f"ALTER EXTENSION {ident(new.name)} UPDATE TO {literal(new.version)}"
        plan.add(plan.phase(new.key), sql, new.key)
    if change.changed("schema"):
        plan.add(
            plan.phase(new.key),
            f"ALTER EXTENSION {ident(new.name)} SET SCHEMA {ident(new.schema)}",
            new.key,
        )


# -- types: enums, domains, composite types ------------------------------------------------------


def create_enum(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Enum)
    if plan.create_once(obj.key):
        labels = ", ".join(literal(label) for label in obj.labels)
        plan.add(
            plan.phase(obj.key),
            f"CREATE TYPE {qualified(obj.schema, obj.name)} AS ENUM ({labels})",
            obj.key,
        )


def drop_type(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        verb = "DOMAIN" if isinstance(obj, Domain) else "TYPE"
        plan.add(
            plan.drop_phase(obj.key),
            f"DROP {verb} {qualified(obj.key.schema, obj.key.name)}",
            obj.key,
            destructive=destructive,
        )


def enum_additions(old: tuple[str, ...], new: tuple[str, ...]) -> list[str] | None:
    """``ADD VALUE`` clauses that turn labels ``old`` into ``new``, or None when labels were
    removed or reordered (which ALTER TYPE cannot do)."""
    if [label for label in new if label in old] != list(old):
        return None
    clauses, present = [], list(old)
    for i, label in enumerate(new):
        if label in present:
            continue
        following = next((x for x in new[i + 1 :] if x in present), None)
        if following is not None:
            clauses.append(f"ADD VALUE {literal(label)} BEFORE {literal(following)}")
        elif present:
            clauses.append(f"ADD VALUE {literal(label)} AFTER {literal(new[i - 1])}")
        else:
            clauses.append(f"ADD VALUE {literal(label)}")
        present.append(label)
    return clauses


def alter_enum(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Enum) and isinstance(new, Enum)
    if not change.changed("labels"):
        return
    name = qualified(new.schema, new.name)
    clauses = enum_additions(old.labels, new.labels)
    if clauses is None:
        plan.add(
            plan.phase(new.key),
            f"-- ALTER TYPE {name}: labels {list(old.labels)} -> {list(new.labels)}",
            new.key,
            manual=True,
            note="enum labels cannot be removed or reordered in place: "
            "create the new type, ALTER the columns' TYPE ... USING, drop the old type",
        )
        return
    for clause in clauses:
        plan.add(plan.phase(new.key), f"ALTER TYPE {name} {clause}", new.key)


def create_domain(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Domain)
    if not plan.create_once(obj.key):
        return
    sql = f"CREATE DOMAIN {qualified(obj.schema, obj.name)} AS {obj.base_type}"
    if obj.collation:
        sql += f" COLLATE {obj.collation}"
    if obj.default is not None:
        sql += f" DEFAULT {obj.default}"
    if obj.not_null:
        sql += " NOT NULL"
    for check in obj.checks:
        sql += f" CONSTRAINT {ident(check.name)} {check.definition}"
    plan.add(plan.phase(obj.key), sql, obj.key)


def alter_domain(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Domain) and isinstance(new, Domain)
    alter = f"ALTER DOMAIN {qualified(new.schema, new.name)}"
    if change.changed("base_type", "collation"):
        plan.add(
            plan.phase(new.key),
            f"-- {alter}: base type {old.base_type} -> {new.base_type}",
            new.key,
            manual=True,
            note="a domain's base type cannot be altered: create a new domain and move the columns",
        )
    if change.changed("default"):
        sql = f"{alter} SET DEFAULT {new.default}" if new.default else f"{alter} DROP DEFAULT"
        plan.add(plan.phase(new.key), sql, new.key)
    if change.changed("not_null"):
        plan.add(
            plan.phase(new.key), f"{alter} {'SET' if new.not_null else 'DROP'} NOT NULL", new.key
        )
    for check in old.checks:
        if check not in new.checks:
            plan.add(plan.phase(new.key), f"{alter} DROP CONSTRAINT {ident(check.name)}", new.key)
    for check in new.checks:
        if check not in old.checks:
            plan.add(
                plan.phase(new.key),
                f"{alter} ADD CONSTRAINT {ident(check.name)} {check.definition}",
                new.key,
            )


def create_composite(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Composite)
    if plan.create_once(obj.key):
        attrs = ", ".join(
            f"{ident(a.name)} {a.type}" + (f" COLLATE {a.collation}" if a.collation else "")
            for a in obj.attributes
        )
        plan.add(
            plan.phase(obj.key),
            f"CREATE TYPE {qualified(obj.schema, obj.name)} AS ({attrs})",
            obj.key,
        )


def alter_composite(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    assert isinstance(old, Composite) and isinstance(new, Composite)
    if not change.changed("attributes"):
        return
    alter = f"ALTER TYPE {qualified(new.schema, new.name)}"
    old_attrs = {a.name: a for a in old.attributes}
    new_names = [a.name for a in new.attributes]
    for attr in old.attributes:
        if attr.name not in new_names:
            plan.add(
                plan.phase(new.key),
                f"{alter} DROP ATTRIBUTE {ident(attr.name)}",
                new.key,
                destructive=True,
            )
    for attr in new.attributes:
        before = old_attrs.get(attr.name)
        collate = f" COLLATE {attr.collation}" if attr.collation else ""
        if before is None:
            plan.add(
                plan.phase(new.key),
                f"{alter} ADD ATTRIBUTE {ident(attr.name)} {attr.type}{collate}",
                new.key,
            )
        elif before != attr:
            plan.add(
                plan.phase(new.key),
                f"{alter} ALTER ATTRIBUTE {ident(attr.name)} TYPE {attr.type}{collate}",
                new.key,
                destructive=True,
            )


# -- views ---------------------------------------------------------------------------------------


def create_view(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, View)
    if not plan.create_once(obj.key):
        return
    kind = "MATERIALIZED VIEW" if obj.materialized else "VIEW"
    options = f" WITH ({', '.join(obj.options)})" if obj.options else ""
    body = obj.definition.strip().rstrip(";")
    sql = f"CREATE {kind} {qualified(obj.schema, obj.name)}{options} AS\n{body}"
    plan.add(plan.phase(obj.key), sql, obj.key)  # (its indexes and triggers: ddl.restore_parts)


def drop_view(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, View)
    if plan.drop_once(obj.key):
        plan.removed_relations.add((obj.schema, obj.name))
        kind = "MATERIALIZED VIEW" if obj.materialized else "VIEW"
        plan.add(
            plan.drop_phase(obj.key), f"DROP {kind} {qualified(obj.schema, obj.name)}", obj.key
        )


# -- functions and procedures ---------------------------------------------------------------------


def _setting(item: str) -> str:
    name, _, value = item.partition("=")
    if name in _LIST_SETTINGS:
        parts = [p.strip().strip('"') for p in value.split(",")]
        return f"SET {name} TO {', '.join(literal(p) for p in parts)}"
    return f"SET {name} TO {literal(value)}"


def function_sql(fn: Function) -> str:
    """CREATE OR REPLACE FUNCTION/PROCEDURE built from the snapshot's attributes."""
    kind = "PROCEDURE" if fn.procedure else "FUNCTION"
    lines = [f"CREATE OR REPLACE {kind} {qualified(fn.schema, fn.name)}({fn.arguments})"]
    if fn.result is not None:
        lines.append(f" RETURNS {fn.result}")
    lines.append(f" LANGUAGE {ident(fn.language)}")
    attrs: list[str] = []
    if fn.window:
        attrs.append("WINDOW")
    if not fn.procedure:
        attrs.append(fn.volatility.upper())
        if fn.leakproof:
            attrs.append("LEAKPROOF")
        attrs.append("STRICT" if fn.strict else "CALLED ON NULL INPUT")
        attrs.append(f"PARALLEL {fn.parallel.upper()}")
        attrs.append(f"COST {fn.cost:g}")
        if fn.rows:
            attrs.append(f"ROWS {fn.rows:g}")
    attrs.append("SECURITY DEFINER" if fn.security_definer else "SECURITY INVOKER")
    lines.append(" " + " ".join(attrs))
    lines.extend(f" {_setting(item)}" for item in fn.config)
    lines.append(fn.body if fn.sql_body else f"AS {dollar_quote(fn.body)}")
    return "\n".join(lines)


def _late(plan: Plan, key: ObjectKey) -> bool:
    """Functions whose signature or SQL-standard body uses a relation wait for the relations."""
    return any(
        d.dependent == key and d.referenced.kind in plan.relations for d in plan.diff.b.dependencies
    )


def create_function(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, Function)
    if plan.create_once(obj.key):
        phase = "late functions" if _late(plan, obj.key) else plan.phase(obj.key)
        plan.add(phase, function_sql(obj), obj.key)


def drop_function(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, Function)
    if plan.drop_once(obj.key):
        kind = "PROCEDURE" if obj.procedure else "FUNCTION"
        sql = f"DROP {kind} {qualified(obj.schema, obj.name)}({obj.identity_args})"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)


def alter_function(plan: Plan, change: Change) -> None:
    new = change.new
    assert isinstance(new, Function)
    if any(a.name not in {"comment", "owner", "acl"} for a in change.attributes):
        create_function(plan, new)


def no_alter(plan: Plan, change: Change) -> None:
    """Kinds whose in-place changes are only comments and privileges (handled centrally)."""
