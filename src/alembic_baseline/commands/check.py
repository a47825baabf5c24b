"""``check pre-baseline|pre-patch|post-apply``: the runbook's checklists, one operation each.

Each is :func:`alembic_baseline.commands.doctor.check` with the checklist's name; they exist so
that every command has its own documented operation (whose docstring is its ``--help``).
"""

from __future__ import annotations

from typing import Any

from alembic_baseline.commands.doctor import check
from alembic_baseline.doctor.checklists import Checklist
from alembic_baseline.settings import Settings


def pre_baseline(settings: Settings, **options: Any) -> Checklist:
    """ベースライン化実施前: all applied, schema sane, fresh backup, baseline verified."""
    return check(settings, "pre-baseline", **options)


def pre_patch(settings: Settings, **options: Any) -> Checklist:
    """パッチ適用前: downgrades, backup, one head, schema sane (saves pg_stat counters)."""
    return check(settings, "pre-patch", **options)


def post_apply(settings: Settings, **options: Any) -> Checklist:
    """適用後: current = head, schema matches, health URL, errors in pg_stat since pre-patch."""
    return check(settings, "post-apply", **options)
