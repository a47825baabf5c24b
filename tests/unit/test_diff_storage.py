"""Column STORAGE back to the type's default: SET STORAGE DEFAULT exists from PostgreSQL 16."""

from __future__ import annotations

from dataclasses import replace

from alembic_baseline.diff import compare
from alembic_baseline.snapshot.model import Column, Snapshot, Table


def _snap(storage: str | None, server_version: str) -> Snapshot:
    column = Column("public", "t", "body", 1, "text", storage=storage)
    snap = Snapshot.build(tables=[Table("public", "t")], columns=[column])
    return replace(snap, server_version=server_version)


def test_storage_reset_to_default_by_major_of_the_database_fixed() -> None:
    on_16 = compare(_snap("main", "16.4"), _snap(None, "16.4")).to_statements()
    assert [s.sql for s in on_16] == ["ALTER TABLE public.t ALTER COLUMN body SET STORAGE DEFAULT"]
    on_15 = compare(_snap("main", "15.8"), _snap(None, "15.8")).to_statements()
    assert [s.manual for s in on_15] == [True] and "15" in (on_15[0].note or "")
