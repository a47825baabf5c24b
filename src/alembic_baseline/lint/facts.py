"""Per-revision facts several rules share, computed once per revision and memoised."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.effects import Effect, effects_of
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction
from alembic_baseline.lint.revision import RevisionFile, Statement

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


class RevisionFacts:
    """Which relations a revision creates and where, its effects, its lock_timeout."""

    def __init__(self, rev: RevisionFile) -> None:
        self.rev = rev
        self._created: dict[Direction, dict[str, int]] = {d: {} for d in Direction}
        for st in rev.statements:
            created = sf.created_relation(st.node)
            names: list[str] = [created[1]] if created else []
            if isinstance(st.node, ast.IndexStmt) and st.node.idxname:
                names.append(sf.lower(st.node.idxname))
            if (
                isinstance(st.node, ast.RenameStmt)
                and sf.rel(st.node.relation) in (self._created[st.direction])
            ):
                names.append(sf.lower(st.node.newname))  # a new table renamed is still new
            for name in names:
                self._created[st.direction].setdefault(name, st.index)

    def is_new(self, name: str, st: Statement) -> bool:
        """``name`` (table, view, index) was created earlier in the same direction."""
        index = self._created[st.direction].get(sf.lower(name))
        return index is not None and index < st.index

    def is_existing_table(self, st: Statement) -> bool:
        """The statement's target table existed before this revision (its lock matters)."""
        table = target_table(st.node)
        return bool(table) and not self.is_new(table, st)

    @functools.cached_property
    def upgrade_effects(self) -> list[Effect]:
        return effects_of(self.rev, Direction.UPGRADE)

    @functools.cached_property
    def downgrade_effects(self) -> list[Effect]:
        return effects_of(self.rev, Direction.DOWNGRADE)

    def effects(self, direction: Direction) -> list[Effect]:
        return self.upgrade_effects if direction is Direction.UPGRADE else self.downgrade_effects

    def earlier(self, st: Statement) -> Iterator[Statement]:
        """Statements of the same direction that run before ``st``."""
        for other in self.rev.statements_of(st.direction):
            if other.index >= st.index:
                return
            yield other

    def lock_timeout_before(self, st: Statement) -> bool:
        return any(sf.sets_lock_timeout(o.node) for o in self.earlier(st))


def target_table(node: Any) -> str:
    """The table an ALTER TABLE / CREATE INDEX / RENAME / CREATE TRIGGER acts on."""
    if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.CreateTrigStmt):
        return sf.rel(node.relation)
    if isinstance(node, ast.RenameStmt) and node.relation is not None:
        return sf.rel(node.relation)
    return ""


@functools.lru_cache(maxsize=32)
def facts(rev: RevisionFile) -> RevisionFacts:
    """Memoised per revision object (RevisionFile hashes by identity)."""
    return RevisionFacts(rev)
