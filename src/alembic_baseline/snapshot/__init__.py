"""Catalog snapshots: read a live schema into a comparable, serialisable value.

Public API::

    from alembic_baseline.snapshot import InspectOptions, Snapshot, inspect

    with psycopg.connect(dsn) as conn:
        snap = inspect(conn, InspectOptions(exclude_schemas=("audit",)))
    Path("schema.json").write_text(snap.to_json())
    assert Snapshot.from_json(Path("schema.json").read_text()) == snap
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic_baseline.snapshot.inspect import InspectOptions, inspect

if TYPE_CHECKING:
    from alembic_baseline.snapshot.model import FORMAT_VERSION, CatalogObject, ObjectKey, Snapshot

_FROM_MODEL = frozenset(("FORMAT_VERSION", "CatalogObject", "ObjectKey", "Snapshot"))


def __getattr__(name: str) -> Any:
    # The model's classes are imported when first asked for: a snapshot of a database starts
    # its catalog queries before it creates them (see .inspect).
    if name in _FROM_MODEL:
        from alembic_baseline.snapshot import model  # lazy: start-up (see above)

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FORMAT_VERSION", "CatalogObject", "InspectOptions", "ObjectKey", "Snapshot", "inspect"]
