"""Shared bases for rules that look at statements one at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from alembic_baseline.lint.facts import RevisionFacts, facts
from alembic_baseline.lint.model import Direction, Finding
from alembic_baseline.lint.registry import Rule
from alembic_baseline.lint.revision import RevisionFile, Statement

AUTOCOMMIT_HINT = "with op.get_context().autocommit_block():"


class StatementRule(Rule):
    """Calls :meth:`check_statement` for each statement of the checked directions.

    Safety rules check ``upgrade()`` only: that is what runs against production. A downgrade is
    the emergency path; its locks matter less than getting back quickly.
    """

    directions: ClassVar[tuple[Direction, ...]] = (Direction.UPGRADE,)

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        known = facts(rev)
        for st in rev.statements:
            if st.direction in self.directions:
                yield from self.check_statement(st, known)

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterable[Finding]:
        return ()
