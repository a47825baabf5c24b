"""What the linter works on and what it produces: statements, operations, revisions, findings.

Pure data. ``Statement.node`` holds the pglast parse tree of one SQL statement; everything else is
plain values so that :class:`RevisionSummary` and :class:`Finding` can be cached as JSON and sent
between processes.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.IntEnum):
    """How serious a finding is; ``--fail-on`` compares against these."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or error)") from None


class Direction(enum.StrEnum):
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"


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


@dataclass(frozen=True)
class Finding:
    """One problem: what is wrong (message) and what to do the Alembic way (hint)."""

    code: str
    rule: str
    severity: Severity
    path: str
    line: int
    message: str
    hint: str
    subject: str = ""
    """A line-independent description of what the finding is about (for the baseline)."""
    end_line: int = 0
    start_line: int = 0
    """First line where an inline ignore comment applies (default: ``line``)."""

    @property
    def fingerprint(self) -> str:
        """Stable across line shifts: the rule and what it is about, not where."""
        text = f"{self.code}\0{self.subject or self.message}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line or self.line,
            "start_line": self.start_line or self.line,
            "message": self.message,
            "hint": self.hint,
            "subject": self.subject,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            code=data["code"],
            rule=data["rule"],
            severity=Severity.parse(data["severity"]),
            path=data["path"],
            line=int(data["line"]),
            message=data["message"],
            hint=data["hint"],
            subject=data.get("subject", ""),
            end_line=int(data.get("end_line", 0)),
            start_line=int(data.get("start_line", 0)),
        )


@dataclass(frozen=True)
class ViewEvent:
    """A view-level effect of an upgrade, in execution order (for the view dependants rule)."""

    action: str
    """``create`` (view or materialized view), ``drop`` or ``drop_cascade`` (any relation)."""
    name: str
    line: int
    refs: tuple[str, ...] = ()
    """For ``create``: the relations its query reads (lower-case, schema stripped)."""


@dataclass(frozen=True)
class IgnoreDirectives:
    """``# alembic-baseline: ignore[...]`` comments of one file."""

    lines: Mapping[int, frozenset[str]] = field(default_factory=dict)
    """Line → codes ignored there (``*`` for all)."""
    file: frozenset[str] = frozenset()
    """Codes ignored in the whole file (``*`` for all)."""

    def hides(self, finding: Finding) -> bool:
        if _matches(self.file, finding.code):
            return True
        first = min(finding.start_line or finding.line, finding.line)
        last = max(finding.end_line, finding.line)
        return any(
            _matches(self.lines.get(number, frozenset()), finding.code)
            for number in range(first, last + 1)
        )


def _matches(codes: frozenset[str], code: str) -> bool:
    return "*" in codes or any(code.startswith(c) for c in codes)


@dataclass(frozen=True)
class RevisionSummary:
    """What the history-wide rules need to know about one revision (cacheable)."""

    path: str
    revision: str | None
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    revision_line: int = 1
    archived: bool = False
    view_events: tuple[ViewEvent, ...] = ()
    ignores: IgnoreDirectives = field(default_factory=IgnoreDirectives)
    offline_error: str | None = None
    """Why rendering the SQL offline failed (the file was linted from its source alone)."""


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
