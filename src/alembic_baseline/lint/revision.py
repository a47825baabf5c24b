"""What the linter reads from one revision file: its operations, SQL statements and calls.

Split from :mod:`alembic_baseline.lint.model` so that a warm ``lint`` (every result cached), which
needs only findings and summaries, does not create these classes at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_baseline.lint.model import Direction, IgnoreDirectives


@dataclass(frozen=True)
class Operation:
    """One ``op.*`` call found in ``upgrade()`` or ``downgrade()`` by reading the source."""

    name: str
    """The method called on ``op``: ``create_index``, ``execute``, ``bulk_insert``..."""
    line: int
    end_line: int
    direction: Direction
    args: tuple[Any, ...] = ()
    """Positional arguments: literal values where the source has literals, else ``None``."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments, same convention as :attr:`args`."""
    arg_sources: tuple[str, ...] = ()
    """Source text of every argument (positional then ``name=value``), for messages."""
    in_autocommit_block: bool = False
    literal_line: int = 0
    """For ``op.execute("...")``: the line where the literal SQL string starts."""

    def arg(self, index: int, name: str) -> Any:
        """The argument given positionally at ``index`` or by keyword ``name``."""
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if index < len(self.args) else None


@dataclass(frozen=True, eq=False)
class Statement:
    """One SQL statement a revision emits (offline rendering) or contains (``op.execute``)."""

    sql: str
    node: Any
    """pglast parse node (``pglast.ast.Node``) of the statement."""
    path: Path
    line: int
    end_line: int
    direction: Direction
    origin: str
    """Where it came from: ``op.create_index``, ``op.execute``, ``bind.execute``..."""
    in_autocommit_block: bool = False
    """True when the statement runs outside the migration's transaction."""
    index: int = 0
    """Position among the statements of its direction (order of execution)."""
    op_line: int = 0
    op_end_line: int = 0
    """Lines of the ``op.*`` call that emitted it (an ignore comment anywhere there applies)."""

    @property
    def kind(self) -> str:
        return type(self.node).__name__


@dataclass(frozen=True, eq=False)
class RevisionFile:
    """One revision file, read: module-level identifiers, operations, statements."""

    path: Path
    source: str
    revision: str | None
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    revision_line: int
    docstring_revision: str | None
    """The ``Revision ID:`` written in the module docstring, if any."""
    operations: tuple[Operation, ...]
    statements: tuple[Statement, ...]
    upgrade_line: int | None
    downgrade_line: int | None
    downgrade_end_line: int | None
    downgrade_is_real: bool
    """``downgrade()`` exists and does something (not pass / ... / NotImplementedError)."""
    upgrade_is_empty: bool
    ignores: IgnoreDirectives
    calls: tuple[Call, ...] = ()
    """Every function call in the module (for rules on plain Python, e.g. ``open()``)."""
    archived: bool = False
    offline_error: str | None = None
    """Why the revision could not be rendered offline as a whole (then linted call by call)."""
    rendered: frozenset[Direction] = frozenset()
    """Directions whose SQL was rendered offline in full (so statements are complete)."""
    parse_errors: tuple[tuple[int, str], ...] = ()
    """(line, message) for Python or SQL that could not be parsed."""

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1

    @property
    def is_baseline(self) -> bool:
        """A baseline revision recreates a whole schema; some granularity rules skip it."""
        return "baseline" in self.branch_labels or (
            not self.down_revisions and (self.revision or "").startswith("baseline")
        )

    def statements_of(self, direction: Direction) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.direction is direction)

    def operations_of(self, direction: Direction) -> tuple[Operation, ...]:
        return tuple(o for o in self.operations if o.direction is direction)


@dataclass(frozen=True)
class Call:
    """A plain Python call: dotted name of the callee and the literal first argument."""

    func: str
    """``open``, ``io.open``, ``Path.read_text`` (for ``Path(...).read_text``)..."""
    line: int
    first_arg: str | None
    """The first positional argument when it is a string literal (for ``Path(x)``: ``x``)."""
