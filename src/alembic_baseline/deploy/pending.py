"""A revision ``apply`` will run, as ``status`` and ``plan`` show it (apart from the plan, so that
``status`` does not import what only a plan needs: the lock analysis and with it pglast)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ConfigError
from alembic_baseline.history import code
from alembic_baseline.history.graph import Revision
from alembic_baseline.history.phases import PRE, PhaseError, phase_of


@dataclass(frozen=True)
class PendingRevision:
    """One revision ``apply`` will run, in order."""

    id: str
    message: str
    path: str
    has_downgrade: bool
    autocommit: bool
    """Its upgrade() opens autocommit_block(): those statements commit one by one."""
    phase: str = PRE
    """``pre`` (before the new release; the default) or ``post`` (history/phases.py)."""

    @classmethod
    def of(cls, rev: Revision, base: Path) -> PendingRevision:
        try:
            shown = str(rev.path.relative_to(base))
        except ValueError:
            shown = str(rev.path)
        return cls(
            rev.id,
            rev.message,
            shown,
            code.has_real_downgrade(rev.path),
            code.uses_autocommit_block(rev.path),
            revision_phase(rev),
        )


def revision_phase(rev: Revision) -> str:
    """The phase ``rev`` declares; an unknown value is a configuration error (exit 2)."""
    try:
        return phase_of(rev.path)
    except PhaseError as exc:
        raise ConfigError(
            f"Revision {rev.id} ({rev.path.name}) declares {exc}.",
            hint='Write phase = "pre" (the default) or phase = "post" at module level.',
        ) from None
