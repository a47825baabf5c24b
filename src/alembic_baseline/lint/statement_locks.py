"""The locks a list of parsed statements takes, by asking every lint rule that declares one.

Above :mod:`alembic_baseline.lint.registry` (which imports :mod:`alembic_baseline.lint.locks` for
the lock types): the deploy plan's lock report is built from :func:`statement_locks`, so ``lint``
and ``plan`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from alembic_baseline.lint.locks import LockHit, created_names, unruled_hits
from alembic_baseline.lint.registry import RuleContext, all_rules


def statement_locks(nodes: Sequence[Any], *, target_version: int) -> list[list[LockHit]]:
    """For each parsed statement (in execution order), the locks it takes on existing tables.

    Asks every lint rule that declares a ``lock`` (with its default options, and
    ``target_version`` as the server's major), then the statements no rule covers. A relation
    created by an earlier statement of the list is new: its locks are left out, as lint does.
    """
    context = RuleContext(target_version=target_version)
    rules = [cls(context=context) for cls in all_rules() if cls.lock is not None]
    created: set[str] = set()
    result: list[list[LockHit]] = []
    for index, node in enumerate(nodes):
        earlier = _Prefix(nodes, index)
        hits = [h for rule in rules for h in rule.lock_hits(node, earlier)]
        known = {(h.relation, h.subject) for h in hits if h.subject}  # a rule's word wins
        hits += [h for h in unruled_hits(node) if (h.relation, h.subject) not in known]
        result.append([h for h in hits if h.table not in created])
        created.update(created_names(node))
    return result


class _Prefix(Sequence[Any]):
    """``nodes[:end]`` without copying (a plan can hold tens of thousands of statements)."""

    def __init__(self, nodes: Sequence[Any], end: int) -> None:
        self._nodes, self._end = nodes, end

    def __len__(self) -> int:
        return self._end

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self._nodes[: self._end])[index]
        if not -self._end <= index < self._end:
            raise IndexError(index)
        return self._nodes[index % self._end]
