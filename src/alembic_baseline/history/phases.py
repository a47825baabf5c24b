"""Expand/contract phases: which revisions run before the new release, which after it.

A revision declares its phase with a module-level assignment next to ``revision``::

    revision = "9c1d2e3f4a5b"
    down_revision = "3f2a1c4b5d6e"
    phase = "post"          # runs after the new release is live (the "contract" step)

Without it a revision is ``pre`` (runs before the new release, the "expand" step): that is what
every existing revision does today. The value is read from the source (a string literal), never
by importing the module, so lint, ``status`` and ``plan`` agree without running anything.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path

PRE = "pre"
POST = "post"
PHASES = (PRE, POST)

# Only files that mention the name are parsed (most revisions do not).
_MENTIONS = re.compile(r"^phase\s*[:=]", re.MULTILINE)


class PhaseError(ValueError):
    """A revision declares a phase that is not ``pre`` or ``post``."""


def phase_of_source(source: str) -> str:
    """The phase a revision's source declares (``pre`` when it declares none)."""
    if _MENTIONS.search(source) is None:
        return PRE
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return PRE  # lint reports the syntax error; a broken file declares nothing
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "phase":
            if isinstance(value, ast.Constant) and value.value in PHASES:
                return str(value.value)
            shown = ast.get_source_segment(source, value) if value is not None else ""
            raise PhaseError(f"phase = {shown} (use 'pre' or 'post')")
    return PRE


def phase_of(path: Path) -> str:
    return phase_of_source(path.read_text(encoding="utf-8"))


def runnable(phases: Sequence[str], wanted: str) -> tuple[int, str | None]:
    """How many of the pending revisions (their phases, in upgrade order) ``apply --phase
    wanted`` may run, and why it stops before the rest (None: it runs them all).

    Revisions are never reordered: a ``pre`` revision that follows a pending ``post`` one
    cannot run before it (it was written against the schema after it). ``--phase pre`` runs
    the leading ``pre`` revisions; ``--phase post`` runs everything up to the last ``post``
    revision only when no ``pre`` revision is pending before or between them (those must run
    with ``--phase pre`` first, before the release).
    """
    if wanted == PRE:
        count = 0
        while count < len(phases) and phases[count] == PRE:
            count += 1
        blocked = count < len(phases) and PRE in phases[count:]
        return count, "a pre revision follows a pending post revision" if blocked else None
    if PRE in phases and POST in phases and phases.index(PRE) < _last(phases, POST):
        return 0, "pre revisions are pending before post ones: run --phase pre first"
    return _last(phases, POST) + 1 if POST in phases else 0, None


def _last(phases: Sequence[str], phase: str) -> int:
    return len(phases) - 1 - list(reversed(phases)).index(phase)
