"""``apply --phase pre|post``: which pending revisions a phase may run, as an upgrade target.

The convention (``phase = "post"`` in a revision, default ``pre``) and the rule that decides
how far a phase may go are in :mod:`alembic_baseline.history.phases`. Here that rule meets a
database: its pending revisions, in Alembic's upgrade order, become the revision ``apply``
upgrades to — or a refusal (exit 3) when the phase cannot run without reordering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import ConfigError, UnsafeError
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.history.phases import PHASES, phase_of, runnable


def phase_target(
    history: History, current: Sequence[str], target: str, wanted: str
) -> tuple[str | None, list[Revision]]:
    """The upgrade target that runs exactly the revisions phase ``wanted`` may run now (and
    those revisions; None and none when no revision of that phase is due). Refuses when the
    phase would need revisions reordered or skipped."""
    if wanted not in PHASES:
        raise ConfigError(f"--phase {wanted}: use pre or post.")
    pending = history.pending(current, target)
    phases = [phase_of(r.path) for r in pending]
    count, reason = runnable(phases, wanted)
    if reason is not None:
        order = ", ".join(f"{r.id} ({p})" for r, p in zip(pending, phases, strict=True))
        other = "post" if wanted == "pre" else "pre"
        raise UnsafeError(
            f"Refused: --phase {wanted} cannot run: {reason}. Pending, in order: {order}. "
            "Revisions are never reordered. Nothing was done.",
            hint=f"Run `alembic-baseline apply --phase {other}` first if that is the step due "
            "now; otherwise move the change to the right phase in a new revision.",
        )
    chosen = pending[:count]
    if not chosen:
        return None, []
    last = chosen[-1]
    below = {s.revision for s in history.script.iterate_revisions(last.id, "base") if s}
    if {r.id for r in pending} & below != {r.id for r in chosen}:
        raise UnsafeError(
            f"Refused: the pending {wanted} revisions are on several branches; --phase needs "
            "them in one line. Nothing was done.",
            hint="Merge the heads first (alembic merge heads), or apply with --target REV.",
        )
    return last.id, chosen


def narrowed(dep: Deployment) -> Deployment | None:
    """The deployment with its target narrowed to ``dep.options.phase`` (None: nothing of that
    phase is due; refusals as :func:`phase_target`)."""
    options = dep.options
    assert options.phase is not None
    target, _ = phase_target(dep.history, dep.state.current, options.target, options.phase)
    if target is None:
        return None
    return replace(dep, options=replace(options, target=target))
