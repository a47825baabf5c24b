"""Whether two attribute values are the same for a schema comparison (shared by the comparison
and the DDL handlers, which must agree on it)."""

from __future__ import annotations

from typing import Any

from alembic_baseline.snapshot.model import Column

# Attributes holding SQL text that PostgreSQL prints back from a stored parse tree: compared in
# canonical form, because a dump-restored schema can store another tree for the same meaning.
_SQL_TEXT = {"definition", "predicate", "default"}


def same(name: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if name in _SQL_TEXT and isinstance(a, str) and isinstance(b, str):
        # lazy: start-up: pglast is parsed in only when two SQL texts differ
        from alembic_baseline.diff.expressions import canonical

        return canonical(a) == canonical(b)
    return False


def column_readded(old: Column, new: Column) -> bool:
    """A generation expression cannot be altered (before PostgreSQL 17): the column is dropped
    and added again, which moves it to the end of the table."""
    if old.generated != new.generated:
        return True
    return bool(new.generated) and not same("default", old.default, new.default)
