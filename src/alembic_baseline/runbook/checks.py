"""The runbook's "パッチ適用前" checklist, each item checked where the tool can check it (by
``plan`` and ``apply``, and by ``check pre-patch``, which reuses them).

An item is ``pass`` / ``fail`` / ``warn`` / ``manual`` (only a person can tick it) / ``skipped``
(could not be checked here, ``detail`` says why). ``apply`` refuses while any item fails, unless
that item is named in ``--skip-check NAME``; warnings never block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alembic_baseline.history.code import has_real_downgrade, is_no_op
from alembic_baseline.history.graph import Revision
from alembic_baseline.runbook.items import (
    CheckItem,
    Downgrades,
    LongLocks,
    SingleHead,
    Status,
    Tested,
    find_check,
    plan_checks,
)

NAMES = {c.name: c.title for c in plan_checks()}
"""Every check name ``plan`` knows (``--skip-check`` accepts these), with its runbook line."""


# -- checklist items ---------------------------------------------------------------------------


def item(name: str, status: Status, detail: str, hint: str | None = None) -> CheckItem:
    """The item ``name`` (prefer ``TheCheck.item(...)``: the class, not a retyped name)."""
    return find_check(name).item(status, detail, hint)


def downgrades(revisions: Iterable[Revision], *, direction: str = "pending") -> CheckItem:
    """Every revision on the way can be undone by ``alembic downgrade``."""
    revisions = list(revisions)
    missing = [r for r in revisions if not has_real_downgrade(r.path)]
    if not revisions:
        return Downgrades.item(Status.PASS, f"no {direction} revisions")
    if missing:
        names = ", ".join(f"{r.id} ({r.message})" for r in missing)
        return Downgrades.item(
            Status.FAIL,
            f"{len(missing)} of {len(revisions)} {direction} revision(s) have no real "
            f"downgrade(): {names}",
            "Implement downgrade() (the runbook: 必ず downgrade を実装する), or accept "
            "that only a restore can undo them: "
            f"--skip-check {Downgrades.name}.",
        )
    no_ops = sum(1 for r in revisions if is_no_op(r.path))
    return Downgrades.item(
        Status.PASS,
        f"all {len(revisions)} {direction} revision(s) have a downgrade()"
        + (f" ({no_ops} change nothing either way: merge or bridge)" if no_ops else ""),
    )


def single_head(heads: Sequence[str], target: str) -> CheckItem:
    if len(heads) <= 1 or target not in ("head", "heads"):
        return SingleHead.item(Status.PASS, f"target {target}: {', '.join(heads) or '-'}")
    return SingleHead.item(
        Status.FAIL,
        f"the project has {len(heads)} heads: {', '.join(heads)}",
        "Merge them (alembic merge heads -m merge) or pass --target REV.",
    )


def long_locks(count: int, revisions: Sequence[str]) -> CheckItem:
    if not count:
        return LongLocks.item(Status.PASS, "no pending statement holds a strong lock for long")
    return LongLocks.item(
        Status.WARN,
        f"{count} statement(s) in {', '.join(revisions)} hold strong locks while they "
        "scan or rewrite (listed under locks)",
        "Apply in a quiet period or a maintenance window; lock_timeout stops a "
        "statement that would queue behind long transactions.",
    )


def tested(rehearsed: bool, ok: bool | None) -> CheckItem:
    if rehearsed and ok:
        return Tested.item(Status.PASS, "rehearsed on a scratch copy of production's schema")
    if rehearsed:
        return Tested.item(
            Status.FAIL,
            "the rehearsal on a copy of production failed",
            "Fix the failing revision before applying it to production.",
        )
    return Tested.item(
        Status.MANUAL,
        "not rehearsed in this plan",
        "Run `alembic-baseline plan --rehearse` (a scratch copy of production's schema).",
    )


def failing(items: Iterable[CheckItem], skipped: Iterable[str]) -> list[CheckItem]:
    """Items that block ``apply`` (failed and not skipped by name)."""
    skip = set(skipped)
    return [i for i in items if i.status is Status.FAIL and i.name not in skip]


def unknown_names(names: Iterable[str]) -> list[str]:
    return sorted(set(names) - set(NAMES))
