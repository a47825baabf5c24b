"""Publications (logical replication): database-wide, read without a schema filter only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alembic_baseline.snapshot.objects import CatalogObject


@dataclass(frozen=True)
class Publication(CatalogObject):
    """``tables`` as CREATE PUBLICATION names them (``public.t (a, b) WHERE (a > 1)``), sorted;
    ``schemas``: TABLES IN SCHEMA; ``generated``: publish_generated_columns (18) when not none."""

    KIND: ClassVar[str] = "publication"
    name: str
    all_tables: bool = False
    publish: tuple[str, ...] = ("insert", "update", "delete", "truncate")
    via_root: bool = False
    tables: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    generated: str | None = None
    owner: str | None = None
