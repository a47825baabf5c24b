"""What a rebase puts in a new order: tables and columns touched on both sides.

The moved revisions were written against the schema at the fork; they now run after the other
branch. Each revision's upgrade effects (:mod:`alembic_baseline.lint.effects`: from its offline
SQL, else from its ``op.*`` calls) name the tables and columns it creates, drops or changes; a
table or column both sides touch is reported — the order may matter, a review decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.lint.effects import Effect, effects_of
from alembic_baseline.lint.extract import read_revision
from alembic_baseline.lint.model import Direction

_COLUMN_KINDS = frozenset(("column", "not_null", "column_type", "default", "constraint"))
_TABLE_KINDS = frozenset(("table", "view", "matview", "data"))


@dataclass(frozen=True)
class Overlap:
    moved: str
    """The moved revision."""
    other: str
    """The revision of the other branch that it now follows."""
    subject: str
    """``table lots`` or ``column lots.note``."""


def touched(effects: Iterable[Effect]) -> set[str]:
    """Subjects an upgrade touches: every table it changes, and its columns by name."""
    found: set[str] = set()
    for e in effects:
        if e.kind in _COLUMN_KINDS and "." in e.name:
            table = e.table or e.name.split(".", 1)[0]
            found.add(f"table {table}")
            if e.kind != "constraint":
                found.add(f"column {e.name}")
        elif e.kind in _TABLE_KINDS and e.name not in ("", "?"):
            found.add(f"table {e.table or e.name}")
        elif e.table:
            found.add(f"table {e.table}")
    return found


def _subjects(path: Path, sys_path: Sequence[str]) -> set[str]:
    rev = read_revision(path, sys_path=sys_path)
    return touched(effects_of(rev, Direction.UPGRADE))


def overlaps(
    moved: Sequence[tuple[str, Path]], other: Sequence[tuple[str, Path]], sys_path: Sequence[str]
) -> list[Overlap]:
    """Every (moved revision, other revision, subject) both touch."""
    theirs = [(rev, _subjects(path, sys_path)) for rev, path in other]
    found: list[Overlap] = []
    for rev, path in moved:
        mine = _subjects(path, sys_path)
        for other_rev, subjects in theirs:
            found.extend(Overlap(rev, other_rev, s) for s in sorted(mine & subjects))
    return found
