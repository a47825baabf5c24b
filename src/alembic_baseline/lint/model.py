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
