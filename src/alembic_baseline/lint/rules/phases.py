"""PG505: a change that breaks the running release belongs in a ``post`` revision.

Phases (``phase = "post"`` in a revision; default ``pre``) are described in
:mod:`alembic_baseline.history.phases` and docs/team.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from alembic_baseline.history.phases import PRE, PhaseError, phase_of_source
from alembic_baseline.lint import coercion
from alembic_baseline.lint.facts import RevisionFacts, facts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction, Finding, Severity
from alembic_baseline.lint.revision import RevisionFile, Statement
from alembic_baseline.lint.rules._base import StatementRule
from alembic_baseline.lint.rules.rewrites import _existing_type

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


@functools.cache
def _kinds() -> tuple[dict[Any, str], dict[Any, str]]:
    """(dropped, renamed): object types whose drop or rename breaks code, named. A function,
    not constants: the enum is pglast's, imported when SQL is first checked."""
    dropped = {
        sf.OT.OBJECT_TABLE: "table",
        sf.OT.OBJECT_VIEW: "view",
        sf.OT.OBJECT_MATVIEW: "materialized view",
        sf.OT.OBJECT_FUNCTION: "function",
        sf.OT.OBJECT_PROCEDURE: "procedure",
        sf.OT.OBJECT_ROUTINE: "routine",
    }
    renamed = {
        sf.OT.OBJECT_TABLE: "table",
        sf.OT.OBJECT_COLUMN: "column",
        sf.OT.OBJECT_VIEW: "view",
        sf.OT.OBJECT_MATVIEW: "materialized view",
        sf.OT.OBJECT_FUNCTION: "function",
    }
    return dropped, renamed


def _has_default(coldef: ast.ColumnDef) -> bool:
    return any(
        isinstance(c, ast.Constraint) and c.contype in (sf.CT.CONSTR_DEFAULT, sf.CT.CONSTR_IDENTITY)
        for c in coldef.constraints or ()
    ) or any(flag not in (None, "", "\x00") for flag in (coldef.identity, coldef.generated))


def _not_null(coldef: ast.ColumnDef) -> bool:
    return bool(coldef.is_not_null) or any(
        isinstance(c, ast.Constraint) and c.contype in (sf.CT.CONSTR_NOTNULL, sf.CT.CONSTR_PRIMARY)
        for c in coldef.constraints or ()
    )


def _recreated(facts: RevisionFacts, st: Statement) -> set[str]:
    """Names the upgrade creates again after ``st`` (a view or function dropped and re-created
    in one transaction: running code never sees it missing)."""
    return {
        e.name
        for e in facts.upgrade_effects
        if e.action in ("create", "replace") and e.line >= st.line and not e.rename
    }


def _adds_required_column(cmd: Any) -> bool:
    """ADD COLUMN ... NOT NULL without a default: fails on a table with rows, and the running
    code's INSERTs that do not name the column fail too."""
    coldef = cmd.def_
    added = cmd.subtype == sf.AT.AT_AddColumn and isinstance(coldef, ast.ColumnDef)
    return added and _not_null(coldef) and not _has_default(coldef)


def _defaults_set(rev: RevisionFile) -> set[str]:
    """``table.column`` whose default this revision sets (before or with a SET NOT NULL)."""
    return {
        e.name for e in facts(rev).upgrade_effects if e.kind == "default" and e.action == "change"
    }


def _widened(node: Any, old: coercion.Canon | None) -> set[str]:
    """Columns whose type change keeps every value and its text form (varchar(30) → (64),
    varchar → text): code written for the old type keeps working."""
    found = set()
    for cmd in sf.alter_cmds(node):
        if cmd.subtype == sf.AT.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            new = coercion.from_sql(cmd.def_.typeName)
            using = cmd.def_.raw_default is not None
            if old is not None and new is not None and not coercion.rewrites(old, new, using=using):
                found.add(f"{sf.rel(node.relation)}.{sf.lower(cmd.name)}")
    return found


def breaking(
    node: Any, defaults: set[str], widened: frozenset[str] | set[str] = frozenset()
) -> Iterator[str]:
    """What in one statement breaks code written for the schema before it."""
    dropped, renamed = _kinds()
    if isinstance(node, ast.DropStmt) and node.removeType in dropped:
        for name in sf.drop_objects(node):
            yield f"drops {dropped[node.removeType]} {name}"
    elif isinstance(node, ast.RenameStmt) and node.renameType in renamed:
        kind = renamed[node.renameType]
        table = sf.rel(node.relation) if node.relation is not None else ""
        old = f"{table}.{sf.lower(node.subname)}" if kind == "column" else table
        old = old or sf.last_name(node.object)
        yield f"renames {kind} {old} to {node.newname}"
    elif isinstance(node, ast.AlterTableStmt):
        table = sf.rel(node.relation)
        for cmd in sf.alter_cmds(node):
            column = f"{table}.{sf.lower(cmd.name)}"
            if cmd.subtype == sf.AT.AT_DropColumn:
                yield f"drops column {column}"
            elif cmd.subtype == sf.AT.AT_AlterColumnType and column not in widened:
                yield f"changes the type of {column}"
            elif cmd.subtype == sf.AT.AT_SetNotNull and column not in defaults:
                yield f"makes {column} NOT NULL (code that leaves it out fails)"
            elif _adds_required_column(cmd):
                yield f"adds NOT NULL column {table}.{sf.lower(cmd.def_.colname)} without a default"


class BreakingChangePreDeploy(StatementRule):
    """A pre-deploy revision does not break the release that is still running.

    Why
    ---
    With expand/contract deploys, ``alembic-baseline apply --phase pre`` runs before the new
    release starts, while the old release still serves traffic; ``--phase post`` runs once the
    new release is live. A ``pre`` revision (the default) that drops or renames a table, a
    column, a view or a function, changes a column's type, or adds a NOT NULL column without a
    default to an existing table breaks the old release at once — and the release you would roll
    back to. Such changes belong in a ``post`` revision (``phase = "post"``), after no running
    code uses the old shape.

    Anti-pattern
    ------------
    ```python
    revision = "9c1d2e3f4a5b"
    down_revision = "3f2a1c4b5d6e"

    def upgrade() -> None:
        op.drop_column("lots", "legacy_code")
    ```

    Best practice
    -------------
    Expand first (add, backfill), release, then contract in a revision marked ``post``:

    ```python
    revision = "9c1d2e3f4a5b"
    down_revision = "3f2a1c4b5d6e"
    phase = "post"  # runs with `alembic-baseline apply --phase post`, after the release

    def upgrade() -> None:
        op.drop_column("lots", "legacy_code")  # alembic-baseline: ignore[PG503] unused since 2.3
    ```

    Not reported: objects the same revision created (nothing uses them yet), a view or function
    dropped and created again in the same revision (one transaction: nobody sees it missing),
    a type change that keeps every value (``varchar(30)`` → ``varchar(64)``, known from
    ``existing_type=``).

    References
    ----------
    - https://docs.gitlab.com/ee/development/database/post_deployment_migrations.html
    - https://www.prisma.io/dataguide/types/relational/expand-and-contract-pattern
    """

    code = "PG505"
    name = "breaking-change-pre-deploy"
    severity = Severity.WARNING
    directions = (Direction.UPGRADE,)

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        try:
            phase = phase_of_source(rev.source)
        except PhaseError as exc:
            yield self.finding(
                rev.path,
                1,
                f"Unknown phase: {exc}.",
                'Declare phase = "pre" (the default) or phase = "post" at module level.',
                subject="phase",
            )
            return
        if phase == PRE and not rev.is_baseline:
            yield from super().check(rev)

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        name = sf.rel(getattr(node, "relation", None)) if getattr(node, "relation", None) else ""
        if name and facts.is_new(name, st):
            return
        if isinstance(node, ast.DropStmt):
            recreated = _recreated(facts, st)
            if all(facts.is_new(n, st) or n in recreated for n in sf.drop_objects(node)):
                return
        widened = _widened(node, _existing_type(facts, st))
        for what in breaking(node, _defaults_set(facts.rev), widened):
            yield self.at(
                st,
                f"This pre-deploy revision {what}: the release still running during the deploy "
                "breaks.",
                'Move the change to a later revision marked phase = "post" (applied with '
                "`alembic-baseline apply --phase post` after the release); expand first.",
                subject=what,
            )
