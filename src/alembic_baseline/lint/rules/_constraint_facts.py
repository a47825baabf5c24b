"""Parse-tree facts about added constraints, shared by the PG2xx rules and their lock hits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.revision import Statement

if TYPE_CHECKING:
    from pglast import ast, enums

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    enums = lazy_module("pglast.enums", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


def added(node: Any, contypes: tuple[Any, ...]) -> Iterator[ast.Constraint]:
    for cmd in sf.alter_cmds(node):
        con = cmd.def_
        adds = cmd.subtype == sf.AT.AT_AddConstraint and isinstance(con, ast.Constraint)
        if adds and con.contype in contypes:
            yield con


def validated_later_in_same_transaction(
    st: Statement, name: str | None, facts: RevisionFacts
) -> Statement | None:
    """A VALIDATE of constraint ``name`` in the same transaction as its NOT VALID add."""
    if not name or st.in_autocommit_block:
        return None
    for other in facts.rev.statements_of(st.direction)[st.index + 1 :]:
        if other.in_autocommit_block:
            return None  # Alembic committed before the autocommit block: a new transaction
        for cmd in sf.alter_cmds(other.node):
            if cmd.subtype == sf.AT.AT_ValidateConstraint and sf.lower(cmd.name) == name.lower():
                return other
    return None


def added_in_transaction(earlier: Sequence[Any], name: str | None, contype: Any) -> bool:
    """A NOT VALID constraint ``name`` was added since the last BEGIN/COMMIT in ``earlier``."""
    for other in reversed(earlier):
        if isinstance(other, ast.TransactionStmt):
            return False
        if any(sf.lower(c.conname) == sf.lower(name) for c in added(other, (contype,))):
            return True
    return False


def not_null_check(con: ast.Constraint) -> str | None:
    """The column of ``CHECK (col IS NOT NULL)``."""
    expr = con.raw_expr
    if not isinstance(expr, ast.NullTest) or expr.nulltesttype != enums.NullTestType.IS_NOT_NULL:
        return None
    if isinstance(expr.arg, ast.ColumnRef) and expr.arg.fields:
        return sf.last_name(expr.arg.fields)
    return None


def proved(earlier: Sequence[Any], table: str, column: str) -> bool:
    """A validated CHECK (column IS NOT NULL) on the table is among the ``earlier`` statements."""
    not_valid: set[str] = set()  # NOT VALID checks of this column added in this revision
    unrelated: set[str] = set()  # checks added here that prove something else
    for other in earlier:
        if not isinstance(other, ast.AlterTableStmt) or sf.rel(other.relation) != table:
            continue
        for con in added(other, (sf.CT.CONSTR_CHECK,)):
            if not_null_check(con) != column:
                unrelated.add(sf.lower(con.conname))
            elif not con.skip_validation:
                return True
            else:
                not_valid.add(sf.lower(con.conname))
        for cmd in sf.alter_cmds(other):
            if cmd.subtype == sf.AT.AT_ValidateConstraint:
                # A constraint from an earlier revision gets the benefit of the doubt.
                name = sf.lower(cmd.name)
                if name in not_valid or name not in unrelated:
                    return True
    return False
