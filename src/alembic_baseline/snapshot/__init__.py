"""Catalog snapshots: read a live schema into a comparable, serialisable value.

Public API::

    from alembic_baseline.snapshot import InspectOptions, Snapshot, inspect

    with psycopg.connect(dsn) as conn:
        snap = inspect(conn, InspectOptions(exclude_schemas=("audit",)))
    Path("schema.json").write_text(snap.to_json())
    assert Snapshot.from_json(Path("schema.json").read_text()) == snap
"""

from __future__ import annotations

from alembic_baseline.snapshot.inspect import InspectOptions, inspect
from alembic_baseline.snapshot.model import FORMAT_VERSION, CatalogObject, ObjectKey, Snapshot

__all__ = ["FORMAT_VERSION", "CatalogObject", "InspectOptions", "ObjectKey", "Snapshot", "inspect"]
