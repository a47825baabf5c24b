"""Catalog rows → model objects: one loader per object kind.

Loaders drop what is noise for a schema comparison: catalog codes become words, arrays become
sorted tuples where their order means nothing, owners and privileges are kept only when asked.
A row is a named tuple of its query's columns (psycopg's ``namedtuple_row``: decoded in C and
read by attribute, a third of the cost of dict rows on large schemas). Tables load first,
then columns: column and constraint rows name their table by oid, constraints and indexes name
their columns by attnum, and dependency rows name both ends by oid, all resolved through
:class:`Loading`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from alembic_baseline.snapshot import model as m
from alembic_baseline.snapshot.objects import assemble

if TYPE_CHECKING:
    from alembic_baseline.snapshot.inspect import InspectOptions

Row = Any
"""One row of a catalog query: a named tuple of its columns."""

IndexText = tuple[str, tuple[str, ...], tuple[str, ...]]
"""An index definition as pg_get_indexdef prints it, its key elements and INCLUDE columns."""


@dataclass
class Loading:
    """What loaders share within one snapshot."""

    options: InspectOptions
    tables: dict[int, tuple[str, str]] = field(default_factory=dict)
    """(schema, name) of each loaded table by oid, filled by the table loader: column and
    constraint rows name their table by oid only."""
    columns: dict[tuple[int, int], Row] = field(default_factory=dict)
    """Column rows by (table oid, attnum), filled by the column loader."""
    default_opclasses: dict[int, int] = field(default_factory=dict)
    """Default operator classes: opclass oid → the type oid it is the default for."""
    index_text: dict[int, IndexText] = field(default_factory=dict)
    """Definitions of the indexes whose row left it NULL (see indexes.sql), by index oid."""
    dependents: dict[tuple[str, int], m.ObjectKey] = field(default_factory=dict)
    referenced: dict[tuple[str, int], m.ObjectKey] = field(default_factory=dict)
    """Loaded objects by (catalog, oid) as the two ends of a dependency row name them (see
    dependencies.sql): what :func:`edges` resolves rows with."""


PERSISTENCE = {"p": "permanent", "u": "unlogged", "t": "temporary"}
VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
IDENTITY = {"a": "always", "d": "by default"}
GENERATED = {"s": "stored", "v": "virtual"}
ENABLED = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}
_TRIGGER_WHEN = re.compile(r" WHEN \((?P<when>.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)


def _acl(row: Row, options: InspectOptions) -> dict[str, Any]:
    if not options.privileges:
        return {}
    return {"owner": row.owner, "acl": tuple(sorted(row.acl or ()))}


def _schema(row: Row, o: InspectOptions) -> m.Schema:
    return m.Schema(row.name, comment=row.comment, **_acl(row, o))


def _extension(row: Row, o: InspectOptions) -> m.Extension:
    return m.Extension(row.name, row.schema, row.version)


def _tables(rows: Iterable[Row], ld: Loading) -> list[m.Table]:
    rows = list(rows)
    privileges, key = ld.options.privileges, m.ObjectKey.of
    ld.tables.update((row.oid, (row.schema, row.name)) for row in rows)
    return [
        assemble(
            m.Table,
            {
                "schema": row.schema,
                "name": row.name,
                "persistence": PERSISTENCE[row.persistence],
                "partition_key": row.partition_key,
                "partition_of": row.partition_of,
                "partition_bound": row.partition_bound,
                "inherits": tuple(row.inherits),
                "rls_enabled": row.rls_enabled,
                "rls_forced": row.rls_forced,
                "options": tuple(sorted(row.options)) if row.options else (),
                "owner": row.owner if privileges else None,
                "acl": tuple(sorted(row.acl or ())) if privileges else (),
                "comment": row.comment,
                "key": key("table", row.schema, row.name),  # cached now: edges look it up
            },
        )
        for row in rows
    ]


def _columns(rows: Iterable[Row], ld: Loading) -> list[m.Column]:
    """Columns with dense positions (dropped columns leave attnum gaps that are catalog noise).

    ``rows`` come grouped by table in attnum order (see columns.sql); the groups are put in
    table name order here, so the columns come out in canonical order (see IN_ORDER).
    """
    groups: list[tuple[tuple[str, str], list[m.Column]]] = []
    group: list[m.Column] = []
    by_attnum, tables, previous, position = ld.columns, ld.tables, None, 0
    schema = table = ""
    for row in rows:
        oid = row.table_oid
        if oid != previous:
            previous, position, group = oid, 0, []
            schema, table = names = tables[oid]
            groups.append((names, group))
        position += 1
        by_attnum[oid, row.attnum] = row
        group.append(
            assemble(
                m.Column,
                {
                    "schema": schema,
                    "table": table,
                    "name": row.name,
                    "position": position,
                    "type": row.type,
                    "not_null": row.not_null,
                    "default": row.default,
                    "identity": IDENTITY.get(row.identity),
                    "identity_options": row.identity_options,
                    "generated": GENERATED.get(row.generated),
                    "collation": row.collation,
                    "local": row.local,
                    "comment": row.comment,
                },
            )
        )
    groups.sort(key=itemgetter(0))
    return [column for _, group in groups for column in group]


def _constraints(rows: Iterable[Row], ld: Loading) -> list[m.Constraint]:
    by_attnum, tables, key, out = ld.columns, ld.tables, m.ObjectKey.of, []
    for row in rows:
        oid = row.table_oid
        schema, table = tables[oid]
        out.append(
            assemble(
                m.Constraint,
                {
                    "schema": schema,
                    "table": table,
                    "name": row.name,
                    "type": row.type,
                    "definition": row.definition,
                    "columns": tuple([by_attnum[oid, n].name for n in row.attnums or ()]),
                    "ref_table": row.ref_table,
                    "deferrable": row.deferrable,
                    "deferred": row.deferred,
                    "validated": row.validated,
                    "enforced": row.enforced,
                    "comment": row.comment,
                    # its key, cached now: dependency edges and the diff look it up
                    "key": key("constraint", schema, row.name, table),
                },
            )
        )
    return out


def split_list(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated items of the parenthesised list opening at ``text[start]`` (quotes
    and nested parentheses respected), and the index after its closing parenthesis."""
    items, depth, quote, current = [], 0, "", start + 1
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                items.append(text[current:i].strip())
                return [x for x in items if x], i + 1
        elif ch == "," and depth == 1:
            items.append(text[current:i].strip())
            current = i + 1
    return [x for x in items if x], len(text)


def index_columns(definition: str, method: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Key elements and INCLUDE columns of a ``pg_get_indexdef`` text."""
    at = definition.find(f" USING {method} (")
    if at < 0:
        return (), ()
    keys, end = split_list(definition, definition.index("(", at))
    include: list[str] = []
    if definition.startswith(" INCLUDE (", end):
        include, _ = split_list(definition, end + len(" INCLUDE "))
    return tuple(keys), tuple(include)


def spell_index(
    row: Row, by_attnum: Mapping[tuple[int, int], Row], default_opclasses: Mapping[int, int]
) -> IndexText | None:
    """The definition of an index row the way pg_get_indexdef prints it (with its keys and
    INCLUDE columns), when the index is plain: key columns only, each with the one default
    operator class of its exact type and the column's own collation (then pg_get_indexdef
    prints neither). None when that cannot be shown from the rows at hand."""
    table, key_count, quoted = row.table_oid, row.key_count, []
    for k, attnum in enumerate(row.attnums):
        column = by_attnum.get((table, attnum))
        if column is None:  # an expression, or a materialized view's column
            return None
        if k < key_count and (
            column.is_domain
            or default_opclasses.get(row.opclasses[k]) != column.type_oid
            or row.collations[k] not in (0, column.collation_oid)
        ):
            return None
        quoted.append(column.quoted or column.name)  # NULL: needs no quotes
    keys, include = quoted[:key_count], quoted[key_count:]
    text = f"CREATE {'UNIQUE ' if row.unique else ''}INDEX {row.spelled_target} "
    text += f"({', '.join(keys)})"
    if include:
        text += f" INCLUDE ({', '.join(include)})"
    if row.nulls_not_distinct:
        text += " NULLS NOT DISTINCT"
    if row.predicate is not None:
        text += f" WHERE {row.predicate}"
    return text, tuple(keys), tuple(include)


def _indexes(rows: Iterable[Row], ld: Loading) -> list[m.Index]:
    out, key = [], m.ObjectKey.of
    for row in rows:
        if row.definition is None:
            definition, keys, include = ld.index_text[row.oid]
        else:
            definition = row.definition
            keys, include = index_columns(definition, row.method)
        out.append(
            assemble(
                m.Index,
                {
                    "schema": row.schema,
                    "table": row.table,
                    "name": row.name,
                    "definition": definition,
                    "method": row.method,
                    "unique": row.unique,
                    "keys": keys,
                    "include": include,
                    "predicate": row.predicate,
                    "nulls_not_distinct": row.nulls_not_distinct,
                    "comment": row.comment,
                    "key": key("index", row.schema, row.name, row.table),
                },
            )
        )
    return out


def _view(row: Row, o: InspectOptions) -> m.View:
    return m.View(
        row.schema,
        row.name,
        row.definition,
        materialized=row.materialized,
        options=tuple(sorted(row.options or ())),
        comment=row.comment,
        **_acl(row, o),
    )


def _sequence(row: Row, o: InspectOptions) -> m.Sequence:
    return m.Sequence(
        row.schema,
        row.name,
        row.data_type,
        int(row.start),
        int(row.increment),
        int(row.min_value),
        int(row.max_value),
        cache=int(row.cache),
        cycle=row.cycle,
        owned_by=row.owned_by,
        persistence=PERSISTENCE[row.persistence],
        comment=row.comment,
        **_acl(row, o),
    )


def _enum(row: Row, o: InspectOptions) -> m.Enum:
    return m.Enum(row.schema, row.name, tuple(row.labels), comment=row.comment, **_acl(row, o))


def _domain(row: Row, o: InspectOptions) -> m.Domain:
    checks = tuple(
        m.DomainCheck(n, d) for n, d in zip(row.check_names, row.check_defs, strict=True)
    )
    return m.Domain(
        row.schema,
        row.name,
        row.base_type,
        not_null=row.not_null,
        default=row.default,
        collation=row.collation,
        checks=checks,
        comment=row.comment,
        **_acl(row, o),
    )


def _composite(row: Row, o: InspectOptions) -> m.Composite:
    attrs = tuple(
        m.Attribute(n, t, c or None)
        for n, t, c in zip(row.attr_names, row.attr_types, row.attr_collations, strict=True)
    )
    return m.Composite(row.schema, row.name, attrs, comment=row.comment, **_acl(row, o))


def _function(row: Row, o: InspectOptions) -> m.Function:
    return m.Function(
        row.schema,
        row.name,
        row.identity_args,
        row.arguments,
        row.result,
        row.language,
        row.body,
        procedure=row.procedure,
        sql_body=row.sql_body,
        volatility=VOLATILITY[row.volatility],
        strict=row.strict,
        security_definer=row.security_definer,
        leakproof=row.leakproof,
        parallel=PARALLEL[row.parallel],
        cost=float(row.cost),
        rows=float(row.rows),
        config=tuple(sorted(row.config or ())),
        window=row.window,
        comment=row.comment,
        **_acl(row, o),
    )


def _trigger(row: Row, o: InspectOptions) -> m.Trigger:
    match = _TRIGGER_WHEN.search(row.definition)
    return m.Trigger(
        row.schema,
        row.table,
        row.name,
        row.definition,
        row.timing,
        tuple(row.events),
        row.function,
        when=match.group("when") if match else None,
        enabled=ENABLED[row.enabled],
        comment=row.comment,
    )


def _event_trigger(row: Row, o: InspectOptions) -> m.EventTrigger:
    return m.EventTrigger(
        row.name,
        row.event,
        row.function,
        tags=tuple(sorted(row.tags)),
        enabled=ENABLED[row.enabled],
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def _policy(row: Row, o: InspectOptions) -> m.Policy:
    return m.Policy(
        row.schema,
        row.table,
        row.name,
        row.command,
        permissive=row.permissive,
        roles=tuple(row.roles),
        using=row.using,
        with_check=row.with_check,
        comment=row.comment,
    )


Loader = Callable[[Iterable[Row], Loading], list[Any]]


def _each(load: Callable[[Row, InspectOptions], m.CatalogObject]) -> Loader:
    def loader(rows: Iterable[Row], ld: Loading) -> list[Any]:
        return [load(row, ld.options) for row in rows]

    return loader


LOADERS: Mapping[str, Loader] = {
    "schemas": _each(_schema),
    "extensions": _each(_extension),
    "tables": _tables,
    "columns": _columns,
    "constraints": _constraints,
    "indexes": _indexes,
    "views": _each(_view),
    "sequences": _each(_sequence),
    "enums": _each(_enum),
    "domains": _each(_domain),
    "composites": _each(_composite),
    "functions": _each(_function),
    "triggers": _each(_trigger),
    "event_triggers": _each(_event_trigger),
    "policies": _each(_policy),
}
"""Kind → loader, in loading order: tables, then columns, then the constraints and indexes
naming them."""

IN_ORDER = frozenset({"columns"})
"""Kinds whose loader returns them in canonical order already (see :func:`_columns`)."""

_DEPENDENT, _REFERENCED = "dependents", "referenced"
_ENDS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    # kind: (which end, catalog as dependencies.sql names it, the row's oid column), ...
    "tables": ((_REFERENCED, "relation", "oid"), (_REFERENCED, "type", "type_oid")),
    "views": (
        (_DEPENDENT, "view", "oid"),
        (_REFERENCED, "relation", "oid"),
        (_REFERENCED, "type", "type_oid"),
    ),
    "sequences": ((_REFERENCED, "relation", "oid"),),
    # a PK/UNIQUE/EXCLUDE index stands for its constraint
    "constraints": ((_DEPENDENT, "constraint", "oid"), (_REFERENCED, "relation", "index_oid")),
    "indexes": ((_DEPENDENT, "relation", "oid"),),
    "functions": ((_DEPENDENT, "function", "oid"), (_REFERENCED, "function", "oid")),
    "triggers": ((_DEPENDENT, "trigger", "oid"),),
    "policies": ((_DEPENDENT, "policy", "oid"),),
    "enums": ((_REFERENCED, "type", "oid"),),
    "domains": ((_REFERENCED, "type", "oid"),),
    "composites": ((_REFERENCED, "type", "oid"),),
}


def load_kind(name: str, rows: list[Row], ld: Loading) -> list[Any]:
    """The objects of kind ``name``, in row order; each is also recorded by the oids a
    dependency row may name it by."""
    objects = LOADERS[name](rows, ld)
    for end, catalog, column in _ENDS.get(name, ()):
        table = getattr(ld, end)
        for row, obj in zip(rows, objects, strict=True):
            oid = getattr(row, column)
            if oid is not None:
                table[catalog, oid] = obj.key
    return objects


def edges(rows: Iterable[Row], ld: Loading) -> list[m.Dependency]:
    """Dependency rows → edges between loaded objects (a column counts when its table was
    loaded: an edge to a table column names the column, one from a column default names the
    default). Rows with an end outside the snapshot are dropped."""
    dependents, referenced, columns, tables = ld.dependents, ld.referenced, ld.columns, ld.tables
    key, out = m.ObjectKey.of, []
    for r in rows:
        dep: m.ObjectKey | None
        if r.dep_catalog == "default":
            column = columns.get((r.dep_oid, r.dep_attnum))
            if column is None:
                continue
            schema, table = tables[r.dep_oid]
            dep = key("default", schema, column.name, table)
        else:
            dep = dependents.get((r.dep_catalog, r.dep_oid))
        ref = referenced.get((r.ref_catalog, r.ref_oid))
        if ref is not None and r.ref_attnum > 0 and ref.kind == "table":
            column = columns.get((r.ref_oid, r.ref_attnum))
            ref = None if column is None else key("column", ref.schema, column.name, ref.name)
        if dep is not None and ref is not None and dep != ref:
            out.append(m.Dependency(dep, ref))
    return out
