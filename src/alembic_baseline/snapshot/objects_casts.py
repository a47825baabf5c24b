"""Casts made by CREATE CAST (database-wide: read without a schema filter only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alembic_baseline.snapshot.objects import CatalogObject, ObjectKey, cached_key


@dataclass(frozen=True)
class Cast(CatalogObject):
    """``source`` and ``target`` as ``format_type`` prints them (qualified but for built-in
    types); ``function`` as ``regprocedure`` prints it (``public.f(integer)``), only when
    ``method`` is ``function`` (else ``inout`` or ``binary``: WITH INOUT, WITHOUT FUNCTION)."""

    KIND: ClassVar[str] = "cast"
    source: str
    target: str
    method: str = "function"
    function: str | None = None
    context: str = "explicit"  # explicit | assignment | implicit

    @cached_key
    def key(self) -> ObjectKey:
        # named as pg_identify_object names it (and COMMENT ON CAST): ``(integer AS public.t)``
        return ObjectKey.of(self.KIND, "", f"({self.source} AS {self.target})")
