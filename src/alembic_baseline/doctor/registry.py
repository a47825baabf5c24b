"""The base class of doctor's diagnoses and the registry every one joins by subclassing.

A kind of problem is one small class (the lint rules' pattern): a ``code`` (``AB-Dnnn``), a
kebab-case ``name``, its usual ``severity`` (and any ``other_severities`` some cases get), a
one-line ``title``, and a docstring that *is* its documentation, with the sections Why / What the
tool checks / Fix (``docs/doctor/<name>.md`` is generated from it). The code that finds a problem
builds its :class:`Diagnosis` through the class (``HalfApplied.of(...)``), never from a code
literal, so a code that is not declared and documented cannot be reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from alembic_baseline.docstrings import sections
from alembic_baseline.doctor.model import Diagnosis, Severity

CODE_PATTERN = re.compile(r"^AB-D\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_SECTIONS = ("Why", "What the tool checks", "Fix")

_REGISTRY: dict[str, type[Problem]] = {}


class Problem:
    """Base class of every kind of diagnosis; see the module docstring."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    other_severities: ClassVar[tuple[Severity, ...]] = ()
    """Severities some cases of this problem get instead (the docstring says which)."""
    title: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register(cls)

    @classmethod
    def of(
        cls,
        message: str,
        fix: str,
        context: Mapping[str, str] | None = None,
        details: tuple[str, ...] = (),
        repair: str | None = None,
        sql: str | None = None,
        differences: tuple[str, ...] = (),
        *,
        severity: Severity | None = None,
    ) -> Diagnosis:
        """A diagnosis of this kind (``severity``: one of ``other_severities`` instead)."""
        level = severity or cls.severity
        if level is not cls.severity and level not in cls.other_severities:
            raise ValueError(f"{cls.code} is never {level.value} (see its docstring)")
        return Diagnosis(
            cls.code, level, message, fix, dict(context or {}), details, repair, sql, differences
        )

    @classmethod
    def sections(cls) -> dict[str, str]:
        return sections(cls.__doc__)


def register(cls: type[Problem]) -> None:
    """Validate ``cls``'s code, name and title and add it; a clash is a programming error."""
    if not CODE_PATTERN.match(cls.code) or not NAME_PATTERN.match(cls.name) or not cls.title:
        raise TypeError(f"{cls.__name__}: code must be like AB-D001, name kebab-case, a title")
    for other in _REGISTRY.values():
        clash = other.code == cls.code or other.name == cls.name
        # Re-importing the module that defines a problem registers the same class again: fine.
        if other is not cls and clash and other.__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__name__} reuses {other.code} {other.name}")
    _REGISTRY[cls.code] = cls


def all_problems() -> list[type[Problem]]:
    """Every registered kind of problem, sorted by code."""
    # lazy: the plug-ins import this registry; loaded when all are asked for
    import alembic_baseline.doctor.problems  # noqa: F401 - importing registers them

    return [_REGISTRY[code] for code in sorted(_REGISTRY)]


def find_problem(code: str) -> type[Problem]:
    """The kind of problem with ``code`` (KeyError: not declared)."""
    for problem in all_problems():
        if problem.code == code:
            return problem
    raise KeyError(code)
