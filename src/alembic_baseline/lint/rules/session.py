"""PG4xx: transaction and session hygiene — enum values, lock_timeout, identifier length."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.facts import RevisionFacts, facts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction, Finding, Severity
from alembic_baseline.lint.pysource import Expr
from alembic_baseline.lint.revision import Operation, RevisionFile, Statement
from alembic_baseline.lint.rules._base import AUTOCOMMIT_HINT, StatementRule

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


class EnumAddValueInTransaction(StatementRule):
    """ALTER TYPE ... ADD VALUE must run in an autocommit block on old servers, and its value
    must not be used in the same transaction.

    Why
    ---
    Before PostgreSQL 12, ``ALTER TYPE ... ADD VALUE`` cannot run inside a transaction block at
    all, and Alembic runs every migration in one. From 12 on it can, but the new value cannot
    be *used* until that transaction commits ("unsafe use of new value"), so an ``UPDATE`` or
    ``INSERT`` with it in the same revision fails. ``target-version`` (default 13, or
    ``pg_major``) says which servers the revisions must work on.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.execute("ALTER TYPE lot_status ADD VALUE 'quarantined'")
        op.execute("UPDATE lots SET status = 'quarantined' WHERE blocked")
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE lot_status ADD VALUE IF NOT EXISTS 'quarantined'")
    ```

    and use the value in a later revision (with ``transaction_per_migration = True``).

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES
    - https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block
    """

    code = "PG401"
    name = "enum-add-value-in-transaction"
    severity = Severity.ERROR

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        if not isinstance(node, ast.AlterEnumStmt) or not node.newVal or node.oldVal:
            return
        if st.in_autocommit_block:
            return
        type_name = sf.last_name(node.typeName)
        if self.context.target_version < 12:
            yield self.at(
                st,
                f"ALTER TYPE {type_name} ADD VALUE runs inside the migration's transaction; "
                f"PostgreSQL {self.context.target_version} refuses that (allowed from 12).",
                f"Wrap it in `{AUTOCOMMIT_HINT}`.",
            )
            return
        user = _first_use(st, node.newVal, facts)
        if user is not None:
            yield self.at(
                user,
                f"Enum value {node.newVal!r} of {type_name} is used in the same transaction "
                "that adds it; PostgreSQL refuses that until the ADD VALUE commits.",
                f"Add the value in `{AUTOCOMMIT_HINT}` (or its own revision) and use it "
                "in a later revision.",
                subject=f"{type_name}.{node.newVal}",
            )


def _first_use(st: Statement, value: str, facts: RevisionFacts) -> Statement | None:
    for other in facts.rev.statements_of(st.direction)[st.index + 1 :]:
        if other.in_autocommit_block:
            return None  # Alembic committed: the value is usable from here on
        if any(
            sf.string_value(n) == value for n in sf.walk(other.node) if isinstance(n, ast.A_Const)
        ):
            return other
    return None


@functools.cache
def _table_kinds() -> tuple[Any, ...]:
    # a function, not a constant: the enum is pglast's, imported when SQL is first checked
    return (sf.OT.OBJECT_TABLE, sf.OT.OBJECT_INDEX, sf.OT.OBJECT_SEQUENCE)


def _is_heavy(st: Statement, facts: RevisionFacts) -> bool:
    """Takes a lock that blocks other sessions' reads or writes on an existing table."""
    node = st.node
    if isinstance(node, ast.AlterTableStmt):
        quiet = {sf.AT.AT_ValidateConstraint}
        return facts.is_existing_table(st) and any(c.subtype not in quiet for c in node.cmds or ())
    if isinstance(node, ast.IndexStmt):
        return not node.concurrent and facts.is_existing_table(st)
    # Views are left out: dropping one locks the view only, not the tables behind it.
    if isinstance(node, ast.DropStmt) and node.removeType in _table_kinds():
        return not node.concurrent and not all(facts.is_new(n, st) for n in sf.drop_objects(node))
    if isinstance(node, ast.RenameStmt | ast.CreateTrigStmt):
        return facts.is_existing_table(st)
    return isinstance(node, ast.TruncateStmt | ast.LockStmt | ast.ClusterStmt)


class LockTimeout(StatementRule):
    """Revisions that lock existing tables set lock_timeout first.

    Why
    ---
    A DDL statement that needs a strong lock waits for every transaction using the table — a
    long report, an idle-in-transaction session — and while it waits, every new query on the
    table queues *behind it*. A one-millisecond ``ALTER TABLE`` becomes a minutes-long outage.
    ``lock_timeout`` makes the migration give up instead (and be retried), leaving the
    application running.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.add_column("lots", sa.Column("note", sa.Text()))
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        op.execute("SET lock_timeout = '5s'")
        op.add_column("lots", sa.Column("note", sa.Text()))
    ```

    If env.py sets it for every migration (``SET lock_timeout`` on the connection before
    ``context.run_migrations()``), disable this rule: ``ignore = ["PG402"]``.

    References
    ----------
    - https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
    - https://www.postgresql.org/docs/current/explicit-locking.html
    """

    code = "PG402"
    name = "lock-timeout"
    severity = Severity.WARNING

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        known = facts(rev)
        for st in rev.statements_of(Direction.UPGRADE):
            if _is_heavy(st, known):
                if not known.lock_timeout_before(st):
                    yield self.at(
                        st,
                        "This revision locks an existing table without setting lock_timeout: "
                        "waiting for the lock, it would queue every other query on the table.",
                        "Start upgrade() with op.execute(\"SET lock_timeout = '5s'\") (or set it "
                        "in env.py for all migrations and ignore PG402).",
                        subject="lock_timeout",
                    )
                return  # one finding per revision: the first statement that needs it


MAX_BYTES = 63
_NAME_ARG = {
    "create_table": (0, "table_name"),
    "create_index": (0, "index_name"),
    "create_foreign_key": (0, "constraint_name"),
    "create_unique_constraint": (0, "constraint_name"),
    "create_check_constraint": (0, "constraint_name"),
    "create_primary_key": (0, "constraint_name"),
    "rename_table": (1, "new_table_name"),
}


def _op_names(op: Operation) -> Iterator[str]:
    if op.name in _NAME_ARG:
        value = op.arg(*_NAME_ARG[op.name])
        if isinstance(value, str):
            yield value
    if op.name == "alter_column" and isinstance(op.kwargs.get("new_column_name"), str):
        yield op.kwargs["new_column_name"]
    for value in (*op.args, *op.kwargs.values()):
        is_column = isinstance(value, Expr) and value.func.split(".")[-1] == "Column"
        if is_column and value.args and isinstance(value.args[0], str):
            yield value.args[0]


def _clip(name: str) -> str:
    return name.encode("utf-8")[:MAX_BYTES].decode("utf-8", errors="ignore")


class IdentifierMaxLength(StatementRule):
    """Identifiers fit in 63 bytes of UTF-8.

    Why
    ---
    PostgreSQL keeps the first 63 *bytes* of an identifier (NAMEDATALEN - 1) and silently drops
    the rest (a NOTICE nobody reads in a migration). In UTF-8 a Japanese character takes 3
    bytes, so ``在庫ロット引当履歴...`` overflows at 21 characters. Two long names sharing
    their first 63 bytes collide; Alembic and SQLAlchemy (which count *characters*) then look
    for a name that does not exist: autogenerate reports phantom differences, and
    ``op.drop_constraint`` with the full name fails.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_index(
            "ix_inventory_allocation_history_by_warehouse_and_product_and_date",
            "inventory_allocation_history", ["warehouse_id", "product_id", "allocated_on"],
        )
    ```

    Best practice
    -------------
    Keep names short and ASCII; use a naming convention (``MetaData(naming_convention=...)``)
    with abbreviations, and name constraints explicitly:

    ```python
    def upgrade() -> None:
        op.create_index(
            "ix_alloc_hist_wh_prod_date",
            "inventory_allocation_history", ["warehouse_id", "product_id", "allocated_on"],
        )
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
    - https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions
    """

    code = "PG403"
    name = "identifier-max-length"
    severity = Severity.ERROR
    directions = (Direction.UPGRADE, Direction.DOWNGRADE)

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        seen: set[str] = set()
        for found in super().check(rev):
            if found.subject not in seen:
                seen.add(found.subject)
                yield found
        for op in rev.operations:
            for name in _op_names(op):
                if len(name.encode("utf-8")) > MAX_BYTES and name not in seen:
                    seen.add(name)
                    yield self.finding(
                        rev.path, op.line, self._message(name), self._hint(), subject=name
                    )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterable[Finding]:
        if not sf.is_ddl(st.node):
            return
        for name in sf.identifier_tokens(st.sql):
            if len(name.encode("utf-8")) > MAX_BYTES:
                yield self.at(st, self._message(name), self._hint(), subject=name)

    def _message(self, name: str) -> str:
        size = len(name.encode("utf-8"))
        return (
            f"Identifier {name!r} is {size} bytes in UTF-8; PostgreSQL keeps only the first "
            f"{MAX_BYTES}: {_clip(name)!r}."
        )

    def _hint(self) -> str:
        return "Shorten it (ASCII abbreviations; a naming convention) to at most 63 bytes."
