"""PG1xx: building and dropping indexes without blocking writes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.locks import (
    ACCESS_EXCLUSIVE,
    SHARE,
    LockEffect,
    LockHit,
    qualified,
)
from alembic_baseline.lint.model import Direction, Finding, Severity
from alembic_baseline.lint.revision import Statement
from alembic_baseline.lint.rules._base import AUTOCOMMIT_HINT, StatementRule

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())

_BUILD = LockEffect(SHARE, "scan")
_DROP = LockEffect(ACCESS_EXCLUSIVE, "none")


class CreateIndexConcurrently(StatementRule):
    """CREATE INDEX on an existing table must be built CONCURRENTLY.

    Why
    ---
    A plain ``CREATE INDEX`` takes a SHARE lock on the table for the whole build: reads go on,
    but every INSERT, UPDATE and DELETE waits until the index is finished — minutes on a large
    table. ``CREATE INDEX CONCURRENTLY`` takes SHARE UPDATE EXCLUSIVE, which lets writes
    continue, at the price of two table scans and of not running inside a transaction.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_index("ix_lots_product_id", "lots", ["product_id"])
    ```

    Best practice
    -------------
    Build it concurrently in an autocommit block (Alembic commits the migration's transaction
    first), ideally in a revision of its own:

    ```python
    def upgrade() -> None:
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_lots_product_id", "lots", ["product_id"],
                postgresql_concurrently=True, if_not_exists=True,
            )
    ```

    A failed concurrent build leaves an INVALID index behind; ``if_not_exists`` does not repair
    it — drop it (``DROP INDEX CONCURRENTLY``) and run the revision again. Indexes on a table
    created in the same revision are exempt: the table is empty and nobody else sees it yet.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
    - https://www.postgresql.org/docs/current/explicit-locking.html
    - https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block
    """

    code = "PG101"
    name = "create-index-concurrently"
    severity = Severity.WARNING
    lock = _BUILD

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        if isinstance(node, ast.IndexStmt) and not node.concurrent:
            yield LockHit(
                qualified(node.relation),
                _BUILD,
                "CREATE INDEX without CONCURRENTLY blocks writes while the whole index is built",
                "Use postgresql_concurrently=True inside op.get_context().autocommit_block().",
                self.code,
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        if not any(self.lock_hits(node, ())) or not facts.is_existing_table(st):
            return
        index = f"CREATE INDEX {node.idxname}" if node.idxname else "CREATE INDEX"
        yield self.at(
            st,
            f"{index} on existing table {sf.rel(node.relation)} without CONCURRENTLY holds a "
            "SHARE lock that blocks all writes to the table while the index builds.",
            f"Build it concurrently: {AUTOCOMMIT_HINT} op.create_index(..., "
            "postgresql_concurrently=True).",
        )


class ConcurrentlyInAutocommitBlock(StatementRule):
    """CONCURRENTLY operations must run in an autocommit block, outside the transaction.

    Why
    ---
    ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX CONCURRENTLY`` and
    ``ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`` cannot run inside a transaction
    block. Alembic runs each migration in a transaction on PostgreSQL, so the statement fails
    with "cannot run inside a transaction block" — in production, halfway through a deploy.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_index("ix_lots_expiry", "lots", ["expires_on"], postgresql_concurrently=True)
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_lots_expiry", "lots", ["expires_on"], postgresql_concurrently=True
            )
    ```

    The block commits whatever the revision did before it; keep such revisions to the
    concurrent operation alone (and use ``transaction_per_migration = True`` in env.py).

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-createindex.html
    - https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block
    """

    code = "PG102"
    name = "concurrently-in-autocommit-block"
    severity = Severity.ERROR
    directions = (Direction.UPGRADE, Direction.DOWNGRADE)

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if st.in_autocommit_block or not _is_concurrent(st.node):
            return
        yield self.at(
            st,
            f"{_verb(st.node)} ... CONCURRENTLY in {st.direction.value}() runs inside the "
            "migration's transaction, where PostgreSQL refuses it.",
            f"Wrap the call in `{AUTOCOMMIT_HINT}`.",
        )


def _is_concurrent(node: object) -> bool:
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == sf.AT.AT_DetachPartition and getattr(cmd.def_, "concurrent", False):
                return True
    return False


def _verb(node: object) -> str:
    return {
        ast.IndexStmt: "CREATE INDEX",
        ast.DropStmt: "DROP INDEX",
        ast.ReindexStmt: "REINDEX",
    }.get(type(node), "ALTER TABLE")


class DropIndexConcurrently(StatementRule):
    """DROP INDEX must be CONCURRENTLY.

    Why
    ---
    A plain ``DROP INDEX`` takes an ACCESS EXCLUSIVE lock on the index's table: every query,
    reads included, waits. It is quick once granted, but it waits behind any long-running query
    on the table, and every other query then queues behind it. ``DROP INDEX CONCURRENTLY``
    waits for conflicting transactions without blocking new ones.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.drop_index("ix_lots_legacy_code", table_name="lots")
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        with op.get_context().autocommit_block():
            op.drop_index(
                "ix_lots_legacy_code", table_name="lots",
                postgresql_concurrently=True, if_exists=True,
            )
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-dropindex.html
    """

    code = "PG103"
    name = "drop-index-concurrently"
    severity = Severity.WARNING
    lock = _DROP

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        if not isinstance(node, ast.DropStmt) or node.removeType != sf.OT.OBJECT_INDEX:
            return
        if node.concurrent:
            return
        for name in sf.drop_objects(node):
            yield LockHit(
                name,
                _DROP,
                f"DROP INDEX {name} without CONCURRENTLY waits for, then blocks, every query "
                "on its table (brief once granted)",
                "Use DROP INDEX CONCURRENTLY in an autocommit block.",
                self.code,
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        dropped = [h.relation for h in self.lock_hits(st.node, ())]
        names = [n for n in dropped if not facts.is_new(n, st)]
        if names:
            yield self.at(
                st,
                f"DROP INDEX {', '.join(names)} without CONCURRENTLY takes an ACCESS EXCLUSIVE "
                "lock on the table: reads and writes wait.",
                f"{AUTOCOMMIT_HINT} op.drop_index(..., postgresql_concurrently=True).",
            )
