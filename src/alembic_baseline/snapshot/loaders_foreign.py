"""Catalog rows → foreign-data wrappers, servers and foreign tables (queries/foreign_*.sql)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic_baseline.snapshot import objects_foreign as f
from alembic_baseline.snapshot.inspect import SECRET_OPTION as SECRET_OPTION
from alembic_baseline.snapshot.loaders import Row, privileges_of
from alembic_baseline.snapshot.objects import DomainCheck

if TYPE_CHECKING:
    from alembic_baseline.snapshot.inspect import InspectOptions


def wrapper(row: Row, o: InspectOptions) -> f.ForeignDataWrapper:
    return f.ForeignDataWrapper(
        row.name,
        row.handler,
        row.validator,
        tuple(row.options),
        comment=row.comment,
        **privileges_of(row, o),
    )


def server(row: Row, o: InspectOptions) -> f.ForeignServer:
    return f.ForeignServer(
        row.name,
        row.wrapper,
        row.type,
        row.version,
        tuple(row.options),
        comment=row.comment,
        **privileges_of(row, o),
    )


def _column(c: dict[str, Any]) -> f.ForeignColumn:
    return f.ForeignColumn(
        c["name"],
        c["type"],
        bool(c["not_null"]),
        c["default"],
        c["collation"],
        tuple(c["options"] or ()),
        bool(c["local"]),
        c["comment"],
    )


def foreign_table(row: Row, o: InspectOptions) -> f.ForeignTable:
    return f.ForeignTable(
        row.schema,
        row.name,
        row.server,
        tuple(_column(c) for c in row.columns),
        tuple(DomainCheck(c["name"], c["definition"]) for c in row.checks),
        tuple(row.options),
        row.partition_of,
        row.partition_bound,
        tuple(row.inherits),
        comment=row.comment,
        **privileges_of(row, o),
    )
