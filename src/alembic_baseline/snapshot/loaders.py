"""Catalog rows → model objects: what loaders share, and the loaders of the kinds that need
nothing but their own row (the table family is in :mod:`.loaders_tables`).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline.snapshot import objects as m
from alembic_baseline.snapshot.objects_casts import Cast
from alembic_baseline.snapshot.objects_replication import Publication
from alembic_baseline.snapshot.objects_routines import Aggregate, Operator
from alembic_baseline.snapshot.objects_textsearch import (
    TextSearchConfiguration,
    TextSearchDictionary,
)

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
AGGKIND = {"n": "normal", "o": "ordered-set", "h": "hypothetical"}
FINALMODIFY = {"r": "read_only", "s": "shareable", "w": "read_write"}
_TRIGGER_WHEN = re.compile(r" WHEN \((?P<when>.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)


def privileges_of(row: Row, options: InspectOptions) -> dict[str, Any]:
    if not options.privileges:
        return {}
    return {"owner": row.owner, "acl": tuple(sorted(row.acl or ()))}


def schema(row: Row, o: InspectOptions) -> m.Schema:
    return m.Schema(row.name, comment=row.comment, **privileges_of(row, o))


def extension(row: Row, o: InspectOptions) -> m.Extension:
    return m.Extension(row.name, row.schema, row.version)


def view(row: Row, o: InspectOptions) -> m.View:
    return m.View(
        row.schema,
        row.name,
        row.definition,
        materialized=row.materialized,
        options=tuple(sorted(row.options or ())),
        comment=row.comment,
        **privileges_of(row, o),
    )


def sequence(row: Row, o: InspectOptions) -> m.Sequence:
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
        **privileges_of(row, o),
    )


def enum(row: Row, o: InspectOptions) -> m.Enum:
    return m.Enum(
        row.schema, row.name, tuple(row.labels), comment=row.comment, **privileges_of(row, o)
    )


def domain(row: Row, o: InspectOptions) -> m.Domain:
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
        **privileges_of(row, o),
    )


def composite(row: Row, o: InspectOptions) -> m.Composite:
    attrs = tuple(
        m.Attribute(n, t, c or None)
        for n, t, c in zip(row.attr_names, row.attr_types, row.attr_collations, strict=True)
    )
    return m.Composite(row.schema, row.name, attrs, comment=row.comment, **privileges_of(row, o))


def function(row: Row, o: InspectOptions) -> m.Function:
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
        **privileges_of(row, o),
    )


def aggregate(row: Row, o: InspectOptions) -> Aggregate:
    moving: list[tuple[str, str]] = []
    if row.msfunc is not None:  # the moving-aggregate mode, as CREATE AGGREGATE spells it
        moving += [("msfunc", row.msfunc), ("minvfunc", row.minvfunc), ("mstype", row.mstype)]
        moving += [("msspace", str(row.msspace))] if row.msspace else []
        if row.mfinalfunc is not None:
            moving += [("mfinalfunc", row.mfinalfunc)]
            moving += [("mfinalfunc_extra", "true")] if row.mfinalfunc_extra else []
        moving += [("mfinalfunc_modify", FINALMODIFY[row.mfinalfunc_modify])]
        moving += [] if row.minitcond is None else [("minitcond", row.minitcond)]
    return Aggregate(
        row.schema,
        row.name,
        row.identity_args,
        row.arguments,
        AGGKIND[row.kind],
        row.direct_args,
        row.sfunc,
        row.stype,
        row.sspace,
        row.finalfunc,
        row.finalfunc_extra,
        FINALMODIFY[row.finalfunc_modify],
        row.combinefunc,
        row.serialfunc,
        row.deserialfunc,
        row.initcond,
        tuple(moving),
        row.sortop,
        PARALLEL[row.parallel],
        comment=row.comment,
        **privileges_of(row, o),
    )


def operator(row: Row, o: InspectOptions) -> Operator:
    return Operator(
        row.schema,
        row.name,
        row.left,
        row.right,
        row.result,
        row.function,
        row.commutator,
        row.negator,
        row.restrict,
        row.join,
        row.hashes,
        row.merges,
        tuple(row.families),
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def trigger(row: Row, o: InspectOptions) -> m.Trigger:
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


def event_trigger(row: Row, o: InspectOptions) -> m.EventTrigger:
    return m.EventTrigger(
        row.name,
        row.event,
        row.function,
        tags=tuple(sorted(row.tags)),
        enabled=ENABLED[row.enabled],
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


PROVIDER = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def collation(row: Row, o: InspectOptions) -> m.Collation:
    return m.Collation(
        row.schema,
        row.name,
        PROVIDER[row.provider],
        row.deterministic,
        row.lc_collate,
        row.lc_ctype,
        row.locale,
        row.rules,
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def publication(row: Row, o: InspectOptions) -> Publication:
    return Publication(
        row.name,
        row.all_tables,
        tuple(row.publish),
        row.via_root,
        tuple(row.tables),
        tuple(row.schemas),
        row.generated,
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def statistics(row: Row, o: InspectOptions) -> m.Statistics:
    return m.Statistics(
        row.schema,
        row.name,
        row.definition,
        None if row.target is None else int(row.target),
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def rule(row: Row, o: InspectOptions) -> m.Rule:
    return m.Rule(
        row.schema, row.table, row.name, row.definition, ENABLED[row.enabled], comment=row.comment
    )


# One ``name = value`` of a dictionary's serialized options (tsearchcmds.c serialize_deflist):
# the name quoted as an identifier when needed, the value a number or a (perhaps E'') literal.
_DICT_OPTION = re.compile(r"""("(?:[^"]|"")*"|[^\s=,]+)\s*=\s*(E?'(?:[^'\\]|''|\\.)*'|[^,\s]+)""")


def text_search_dictionary(row: Row, o: InspectOptions) -> TextSearchDictionary:
    options = sorted(_DICT_OPTION.findall(row.options or ""))
    return TextSearchDictionary(
        row.schema,
        row.name,
        row.template,
        tuple(f"{name} = {value}" for name, value in options),
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


def text_search_configuration(row: Row, o: InspectOptions) -> TextSearchConfiguration:
    return TextSearchConfiguration(
        row.schema,
        row.name,
        row.parser,
        tuple(row.mappings),
        comment=row.comment,
        **({"owner": row.owner} if o.privileges else {}),
    )


CAST_METHOD = {"f": "function", "i": "inout", "b": "binary"}
CAST_CONTEXT = {"e": "explicit", "a": "assignment", "i": "implicit"}


def cast(row: Row, o: InspectOptions) -> Cast:
    return Cast(
        row.source,
        row.target,
        CAST_METHOD[row.method],
        row.function,
        CAST_CONTEXT[row.context],
        comment=row.comment,
    )


def policy(row: Row, o: InspectOptions) -> m.Policy:
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
"""Rows of a kind's query → its objects, in row order (what a :class:`~.kinds.Kind` names)."""


def each(load: Callable[[Row, InspectOptions], m.CatalogObject]) -> Loader:
    """The loader of a kind whose objects are each made from one row alone."""

    def loader(rows: Iterable[Row], ld: Loading) -> list[Any]:
        return [load(row, ld.options) for row in rows]

    return loader
