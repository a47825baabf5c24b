"""The rule base class and the registry every rule joins by subclassing.

A rule is one small class: a ``code`` (family prefix + number), a kebab-case ``name``, a default
``severity``, ``options`` with their defaults, and a docstring that *is* its documentation, with
the sections Why / Anti-pattern / Best practice / References (``docs/rules/<name>.md`` is
generated from it). Revision rules implement :meth:`Rule.check` and see one revision at a time
(so their findings can be cached per file); history rules implement :meth:`Rule.check_history`
and see every revision's summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from alembic_baseline.docstrings import sections
from alembic_baseline.lint.locks import LockEffect, LockHit
from alembic_baseline.lint.model import Finding, RevisionSummary, Severity
from alembic_baseline.lint.revision import RevisionFile, Statement

CODE_PATTERN = re.compile(r"^[A-Z]{2}\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_SECTIONS = ("Why", "Anti-pattern", "Best practice", "References")

_REGISTRY: dict[str, type[Rule]] = {}


@dataclass(frozen=True)
class History:
    """What history rules see: every revision's summary, and the heads Alembic computes."""

    revisions: tuple[RevisionSummary, ...]
    heads: tuple[str, ...] | None = None
    """Heads from Alembic's ScriptDirectory when a project is configured, else None."""


@dataclass(frozen=True)
class RuleContext:
    """Settings every rule may consult."""

    target_version: int = 13
    """Oldest PostgreSQL major the revisions must be safe on."""


class Rule:
    """Base class of all rules; see the module docstring."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {}
    """Option name (kebab-case) → default value; pyproject values must have the same type."""
    history: ClassVar[bool] = False
    """True for rules that need the whole history (:meth:`check_history`)."""
    lock: ClassVar[LockEffect | None] = None
    """For rules about lock-heavy statements: the lock it takes and whether it rewrites or
    scans the table (see :mod:`alembic_baseline.lint.locks`); such rules implement
    :meth:`lock_hits`."""

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        severity: Severity | None = None,
        context: RuleContext | None = None,
    ) -> None:
        self.opts: dict[str, Any] = {**self.options, **(options or {})}
        self.level = severity or self.severity
        self.context = context or RuleContext()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return  # an abstract helper base
        if not CODE_PATTERN.match(cls.code) or not NAME_PATTERN.match(cls.name):
            raise TypeError(f"{cls.__name__}: code must be like AB101 and name kebab-case")
        for other in _REGISTRY.values():
            clash = other.code == cls.code or other.name == cls.name
            # Re-importing the module that defines a rule registers the same class again: fine.
            if other is not cls and clash and other.__qualname__ != cls.__qualname__:
                raise TypeError(f"{cls.__name__} reuses {other.code} {other.name}")
        _REGISTRY[cls.code] = cls

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph, on one line."""
        paragraph = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
        return " ".join(line.strip() for line in paragraph.splitlines())

    def check(self, rev: RevisionFile) -> Iterable[Finding]:
        """Findings for one revision (revision rules)."""
        return ()

    def check_history(self, history: History) -> Iterable[Finding]:
        """Findings for the whole history (history rules)."""
        return ()

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterable[LockHit]:
        """The locks statement ``node`` takes, by this rule's decision (``earlier``: the parsed
        statements that run before it). The caller leaves out tables created earlier."""
        return ()

    def finding(
        self,
        path: object,
        line: int,
        message: str,
        hint: str,
        *,
        subject: str = "",
        end_line: int = 0,
        start_line: int = 0,
    ) -> Finding:
        return Finding(
            code=self.code,
            rule=self.name,
            severity=self.level,
            path=str(path),
            line=max(line, 1),
            message=message,
            hint=hint,
            subject=subject,
            end_line=end_line,
            start_line=start_line,
        )

    def at(self, st: Statement, message: str, hint: str, subject: str = "") -> Finding:
        """A finding at a statement; an ignore comment anywhere on its op call applies."""
        return self.finding(
            st.path,
            st.line,
            message,
            hint,
            subject=subject or f"{st.direction.value}: {' '.join(st.sql.split())}",
            end_line=max(st.end_line, st.op_end_line),
            start_line=min(st.line, st.op_line or st.line),
        )


def all_rules() -> list[type[Rule]]:
    """Every registered rule class, sorted by code."""
    # lazy: the plug-ins import this registry; loaded when all are asked for
    import alembic_baseline.lint.rules  # noqa: F401 - importing registers the rules

    return [_REGISTRY[code] for code in sorted(_REGISTRY)]


def find_rule(key: str) -> type[Rule] | None:
    """A rule by code (``PG101``) or name (``create-index-concurrently``)."""
    for rule in all_rules():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


def doc_sections(rule: type[Rule]) -> dict[str, str]:
    """The docstring split into its titled sections (``Title`` underlined with dashes)."""
    return sections(rule.__doc__)
