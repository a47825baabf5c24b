"""Foreign-data wrappers, foreign servers and foreign tables (SQL/MED).

Options are ``name=value`` as the catalog stores them, sorted; an option whose name looks like a
secret (:data:`~.loaders_foreign.SECRET_OPTION`: passwords, users, keys, tokens) is kept by
name only — its value never leaves the server, so it is compared by name. User mappings (where
passwords live) are not modelled at all; the inventory lists them by role and server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alembic_baseline.snapshot.objects import CatalogObject, DomainCheck


@dataclass(frozen=True)
class ForeignDataWrapper(CatalogObject):
    KIND: ClassVar[str] = "foreign-data wrapper"
    name: str
    handler: str | None = None  # qualified function name
    validator: str | None = None
    options: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignServer(CatalogObject):
    KIND: ClassVar[str] = "server"
    name: str
    wrapper: str
    type: str | None = None
    version: str | None = None
    options: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignColumn:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None  # only when not the type's default
    options: tuple[str, ...] = ()
    local: bool = True  # False: comes from a parent table only
    comment: str | None = None


@dataclass(frozen=True)
class ForeignTable(CatalogObject):
    """A foreign table, with its columns and CHECK constraints: it holds no rows of its own, so
    any change but its comment and privileges is made by dropping and creating it again."""

    KIND: ClassVar[str] = "foreign table"
    schema: str
    name: str
    server: str
    columns: tuple[ForeignColumn, ...] = ()
    checks: tuple[DomainCheck, ...] = ()
    options: tuple[str, ...] = ()
    partition_of: str | None = None  # qualified parent, when a partition
    partition_bound: str | None = None
    inherits: tuple[str, ...] = ()
    owner: str | None = None
    acl: tuple[str, ...] = ()
