"""Checklist items as declarations (the lint rules' pattern) — and the ones ``plan`` checks.

An item is one small class: a stable kebab-case ``name`` (what ``--skip-check NAME`` takes and
what output, records and hints show), a ``title`` (the runbook line it stands for), and a
docstring that *is* its documentation, with the sections Why / What the tool checks / Fix
(``docs/doctor/checklist-items.md`` is generated from them). Code that checks an item builds its
:class:`CheckItem` through the class (``Downgrades.item(...)``) and names it in hints through the
class too (``Downgrades.name``), never by retyping the name. The items of ``check
pre-baseline|pre-patch|post-apply`` are declared in ``doctor.items`` (above this package:
``doctor.items.all_checks()`` lists every item).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, ClassVar

NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_SECTIONS = ("Why", "What the tool checks", "Fix")

_REGISTRY: dict[str, type[Check]] = {}


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    MANUAL = "manual"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckItem:
    """One checklist line: a kebab-case name (for ``--skip-check``), the runbook's wording."""

    name: str
    runbook: str
    status: Status
    detail: str
    hint: str | None = None


class Check:
    """Base class of every checklist item; see the module docstring."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    """The runbook's line (the wording a list may adapt: ``item(runbook=...)``)."""
    plan: ClassVar[bool] = False
    """Checked by ``plan`` / ``apply`` (a failure blocks ``apply`` unless ``--skip-check``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not NAME_PATTERN.match(cls.name) or not cls.title:
            raise TypeError(f"{cls.__name__}: a kebab-case name and a title are required")
        other = _REGISTRY.get(cls.name)
        # Re-importing the module that defines an item registers the same class again: fine.
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__name__} reuses the name {cls.name} of {other.__name__}")
        _REGISTRY[cls.name] = cls

    @classmethod
    def item(
        cls, status: Status, detail: str, hint: str | None = None, *, runbook: str | None = None
    ) -> CheckItem:
        return CheckItem(cls.name, runbook or cls.title, status, detail, hint)

    @classmethod
    def manual(cls, hint: str, *, runbook: str | None = None) -> CheckItem:
        return cls.item(Status.MANUAL, "a person ticks this", hint, runbook=runbook)


def registered_checks() -> list[type[Check]]:
    """The items declared so far, sorted by name: this module's, plus any module's that declared
    more (``doctor.items.all_checks()`` is every item: ``doctor`` sits above ``deploy``)."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def find_check(name: str) -> type[Check]:
    """The declared item called ``name`` (KeyError: not declared)."""
    return _REGISTRY[name]


def plan_checks() -> list[type[Check]]:
    """The items ``plan`` checks and ``--skip-check`` accepts (declared in this module)."""
    return [c for c in sorted(_REGISTRY.values(), key=lambda c: c.name) if c.plan]


# -- the items of ``plan`` (パッチ適用前) ------------------------------------------------------


class Backup(Check):
    """A backup of production exists before its schema changes (or ``apply`` can take one).

    Why
    ---
    A restore is the only way back from a revision whose ``downgrade()`` cannot undo it, and from
    one that fails halfway through an autocommit block.

    What the tool checks
    --------------------
    ``plan``: a ``pg_dump`` at least as new as the server exists, and the backup directory has the
    estimated size (table data, uncompressed: an upper bound) plus ``--min-free-bytes`` free.
    ``check pre-baseline`` / ``pre-patch``: the newest dump of this database (``--backup FILE``, a
    run record's backup, ``<db>_*.dump`` in the backup directory) is at most
    ``--max-backup-age`` hours old and ``pg_restore --list`` reads it (and its checksum is the
    recorded one); before a patch, a missing one is a warning when ``apply`` can take one itself.

    Fix
    ---
    ``pg_dump --format=custom --file=<db>_$(date +%Y%m%d).dump`` (then ``--backup FILE``), or let
    ``alembic-baseline apply`` take one; free space or pass ``--backup-dir DIR``.
    """

    name = "backup"
    title = "本番DBのバックアップを取得 (pg_dump available, room in the backup directory)"
    plan = True


class Downgrades(Check):
    """Every pending revision can be undone by ``alembic downgrade``.

    Why
    ---
    The runbook's rollback is ``alembic downgrade``: a revision whose ``downgrade()`` is ``pass``
    or ``raise NotImplementedError`` can only be undone by a restore.

    What the tool checks
    --------------------
    Every pending revision's ``downgrade()`` is more than ``pass`` / ``...`` / a docstring /
    ``raise`` (AST, nothing imported); a revision that changes nothing either way (an ``alembic
    merge heads`` revision, a baseline's bridge) passes, its empty downgrade being the exact
    inverse.

    Fix
    ---
    Implement ``downgrade()``, or accept that only a restore can undo the revision:
    ``apply --skip-check downgrades``.
    """

    name = "downgrades"
    title = "downgrade() が正しく実装されている / ロールバック手順を確認"
    plan = True


class SingleHead(Check):
    """The target ``head`` is one revision.

    Why
    ---
    With several heads and no merge, ``upgrade head`` refuses and databases may follow different
    branches.

    What the tool checks
    --------------------
    The project's heads, when the target is ``head`` or ``heads``.

    Fix
    ---
    ``alembic merge heads -m merge``, or pass ``--target REV``.
    """

    name = "single-head"
    title = "no multiple heads (one target for `upgrade head`)"
    plan = True


class SchemaMatches(Check):
    """The database's schema is what the history builds at its recorded revision.

    Why
    ---
    Revisions are written against the schema the history builds: on a drifted schema they may fail
    or do the wrong thing.

    What the tool checks
    --------------------
    The live catalog snapshot equals the expected snapshot of the recorded revision (the cached
    replay ``status`` uses, on production's major); the first differences are named.

    Fix
    ---
    Find out why first: ``alembic-baseline status``, ``alembic-baseline doctor``.
    """

    name = "schema-matches"
    title = "本番DBのスキーマが正常 (the database matches its recorded revision)"
    plan = True


class LongLocks(Check):
    """No pending statement holds a strong lock for long (a warning only).

    Why
    ---
    A table rewrite, a ``SET NOT NULL`` scan or a ``CREATE INDEX`` without ``CONCURRENTLY`` blocks
    the application for as long as it runs.

    What the tool checks
    --------------------
    The statements of the pending revisions that hold strong locks while they scan or rewrite
    (the lock list of ``plan``).

    Fix
    ---
    Apply in a quiet period or a maintenance window; ``lock_timeout`` stops a statement that would
    queue behind long transactions.
    """

    name = "long-locks"
    title = "メンテナンスウィンドウを確保（必要に応じて）"
    plan = True


class Tested(Check):
    """The pending revisions ran on a copy of production before production.

    Why
    ---
    A revision that fails on production's data or schema should fail on a copy first.

    What the tool checks
    --------------------
    ``plan --rehearse`` applies the pending revisions to a scratch copy of production's schema:
    pass or fail; without a rehearsal the item is manual.

    Fix
    ---
    ``alembic-baseline plan --rehearse``; fix the failing revision before applying it.
    """

    name = "tested"
    title = "開発環境でマイグレーションをテスト"
    plan = True


class Lint(Check):
    """The pending revisions follow the lint rules (a warning only: enforce lint in CI).

    Why
    ---
    The lint rules catch the revisions that lock, rewrite or cannot be undone before they run.

    What the tool checks
    --------------------
    ``alembic-baseline lint`` over the pending revisions.

    Fix
    ---
    ``alembic-baseline lint --pending``; fix the findings or accept them in the lint baseline.
    """

    name = "lint"
    title = "migration lint rules"
    plan = True
