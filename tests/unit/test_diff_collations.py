"""Collations cannot be altered: the fix SQL drops and creates them, never while in use."""

from __future__ import annotations

from alembic_baseline.diff import compare
from alembic_baseline.snapshot.model import Collation, Column, Snapshot, Table


def _snap(collation: Collation, used: bool) -> Snapshot:
    column = Column("public", "t", "c", 1, "text", collation="public.co" if used else None)
    return Snapshot.build(tables=[Table("public", "t")], columns=[column], collations=[collation])


def test_a_changed_collation_in_use_is_manual_work_not_a_failing_drop() -> None:
    old = Collation("public", "co", "libc", lc_collate="C", lc_ctype="C")
    new = Collation("public", "co", "libc", lc_collate="POSIX", lc_ctype="C")
    statements = compare(_snap(old, True), _snap(new, True)).to_statements()
    assert [(s.manual, s.sql) for s in statements] == [(True, "-- DROP COLLATION public.co")]

    unused = compare(_snap(old, False), _snap(new, False)).to_statements()
    assert [s.sql for s in unused] == [
        "DROP COLLATION public.co",
        "CREATE COLLATION public.co (provider = libc, lc_collate = 'POSIX', lc_ctype = 'C')",
    ]
