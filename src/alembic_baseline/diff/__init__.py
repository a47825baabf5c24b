"""Semantic schema diff: compare two snapshots, report what differs, write the fix SQL.

Public API::

    from alembic_baseline.diff import CompareOptions, compare

    diff = compare(snapshot_a, snapshot_b, CompareOptions(ignore_comments=True))
    if diff:
        for change in diff.changes:
            print(change.kind.value, change.key, [a.name for a in change.attributes])
        print(diff.to_sql())  # destructive statements commented out
"""

from __future__ import annotations

from alembic_baseline.diff.compare import compare
from alembic_baseline.diff.model import (
    AttributeChange,
    Change,
    ChangeKind,
    CompareOptions,
    SchemaDiff,
)
from alembic_baseline.diff.plan import PHASES, Statement

__all__ = [
    "PHASES",
    "AttributeChange",
    "Change",
    "ChangeKind",
    "CompareOptions",
    "SchemaDiff",
    "Statement",
    "compare",
]
