"""What ``doctor`` finds: diagnoses (code, severity, message, context, the exact fix) and reports.

A diagnosis is data: the code (``AB-D004``) and kebab-case name identify the problem for people,
docs and scripts (each kind is declared and documented once, in ``doctor.problems``); ``fix`` is
the one command (or SQL) that gets the database out, and ``repair`` names the
``alembic-baseline repair --fix`` action that applies it when the tool can do it safely. Nothing
here touches a database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from alembic_baseline.errors import ExitCode


class Severity(enum.StrEnum):
    ERROR = "error"
    """The version bookkeeping or the schema is wrong: patches must not be applied."""
    WARNING = "warning"
    """Works today, but the next step (upgrade, patch, baseline) will go wrong."""
    INFO = "info"
    """Worth knowing; nothing to do."""


@dataclass(frozen=True)
class Diagnosis:
    """One problem found, and the way out."""

    code: str
    severity: Severity
    message: str
    fix: str
    """The exact command (or SQL) to run."""
    context: Mapping[str, str] = field(default_factory=dict)
    details: tuple[str, ...] = ()
    """Supporting lines: differences, candidate revisions, leftovers."""
    repair: str | None = None
    """The ``repair --fix`` action that applies ``fix``, when the tool can apply it."""
    sql: str | None = None
    """SQL that would fix it by hand (shown for review; ``repair`` is the safe way)."""
    differences: tuple[str, ...] = ()
    """What differs between the schema and its recorded revision, one line per object (the
    ``differences`` count in ``context`` counts these)."""

    @property
    def name(self) -> str:
        from alembic_baseline.doctor.registry import find_problem

        return find_problem(self.code).name

    def to_json(self) -> dict[str, object]:
        """The fields, plus the kebab-case name (for ``--json`` readers)."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "repair": self.repair,
            "context": dict(self.context),
            "details": list(self.details),
            "sql": self.sql,
            "differences": list(self.differences),
        }


@dataclass(frozen=True)
class Baseline:
    """The project's baseline as the diagnoses need it (read from its manifest by the caller)."""

    revision: str
    old_head: str
    """The bridge: the head the baseline replaced."""


@dataclass(frozen=True)
class Match:
    """A replayed state compared with the live schema."""

    heads: tuple[str, ...]
    """The version table's rows in that state (one revision unless branches are unmerged)."""
    exact: bool
    differences: tuple[str, ...] = ()
    distance: int = 0
    """Objects that differ, by the cheap shape comparison (0 for an exact match)."""

    @property
    def label(self) -> str:
        return ", ".join(self.heads) or "base (empty schema)"


@dataclass(frozen=True)
class Identification:
    """Which revision the live schema really is at."""

    exact: tuple[Match, ...]
    """States whose schema equals the live one, in upgrade order (several when revisions in
    between change data only)."""
    closest: Match | None
    """The nearest state when none is exact."""
    states: int
    replays: int
    """Replays of the history this run needed (0: every state came from the cache)."""
    seconds: float

    @property
    def revision(self) -> tuple[str, ...] | None:
        """The identified heads: the earliest exact match, so that nothing unapplied (a data
        migration between schema-identical revisions) is ever marked as applied."""
        return self.exact[0].heads if self.exact else None


@dataclass(frozen=True)
class DoctorReport:
    """Everything ``doctor`` found about one database."""

    database: str
    server_version: str
    version_table: str
    recorded: tuple[str, ...]
    heads: tuple[str, ...]
    diagnoses: tuple[Diagnosis, ...]
    identification: Identification | None
    seconds: float
    schema_compared: bool = True
    """False with ``--no-schema-check`` (the report then says the schema was not compared)."""

    @property
    def ok(self) -> bool:
        return all(d.severity is Severity.INFO for d in self.diagnoses)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.ok else ExitCode.FINDINGS

    def by_code(self, code: str) -> list[Diagnosis]:
        return [d for d in self.diagnoses if d.code == code]
