"""PG2xx: adding constraints to existing tables without long blocking scans."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from alembic_baseline import compat
from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.locks import (
    ACCESS_EXCLUSIVE,
    SHARE_ROW_EXCLUSIVE,
    LockEffect,
    LockHit,
    qualified,
    validate_subject,
)
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.revision import Statement
from alembic_baseline.lint.rules import _constraint_facts as cf
from alembic_baseline.lint.rules._base import AUTOCOMMIT_HINT, StatementRule

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())

_SCAN_AE = LockEffect(ACCESS_EXCLUSIVE, "scan")
_NOT_VALID_HINT = "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision."


def _not_valid_how(op_call: str, table: str) -> str:
    """How to add a constraint NOT VALID with the installed SQLAlchemy (1.4.27 rejects
    ``postgresql_not_valid``; there only raw SQL can)."""

    if compat.has_postgresql_not_valid():
        return f"{op_call}(..., postgresql_not_valid=True)"
    return f'op.execute("ALTER TABLE {table} ADD CONSTRAINT ... NOT VALID")'


class _NotValidRule(StatementRule):
    """Shared check: constraint added to an existing table without NOT VALID."""

    contype_name = ""
    """The ``ConstrType`` member checked (by name: the enum is pglast's, imported when SQL is
    first checked)."""
    label = ""
    lock_words = ""
    op_call = ""

    @property
    def contype(self) -> Any:
        return getattr(sf.CT, self.contype_name)

    def _reason(self, con: ast.Constraint) -> str:
        return ""

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        if self.lock is None:
            return
        for con in cf.added(node, (self.contype,)):
            if not con.skip_validation:  # validated: a full scan
                relation = qualified(node.relation)
                yield LockHit(relation, self.lock, self._reason(con), _NOT_VALID_HINT, self.code)
        for cmd in sf.alter_cmds(node):
            if cmd.subtype == sf.AT.AT_ValidateConstraint and cf.added_in_transaction(
                earlier, cmd.name, self.contype
            ):
                yield LockHit(
                    qualified(node.relation),
                    self.lock,
                    f"VALIDATE CONSTRAINT {cmd.name} runs in the same transaction as its NOT "
                    f"VALID add: {self.lock_words} held during the scan",
                    "Move the VALIDATE to a revision of its own.",
                    self.code,
                    validate_subject(cmd.name),
                )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for con in cf.added(st.node, (self.contype,)):
            name = con.conname or "(unnamed)"
            if not con.skip_validation:  # the decision lock_hits makes
                yield self.at(
                    st,
                    f"{self.label} {name} on existing table {table} without NOT VALID "
                    f"scans the whole table under {self.lock_words}.",
                    f"Add it NOT VALID ({_not_valid_how(self.op_call, table)}), then "
                    f'in a later revision op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT '
                    f'{name}"), which does not block writes.',
                    subject=f"{table}.{name}",
                )
            elif (
                later := cf.validated_later_in_same_transaction(st, con.conname, facts)
            ) is not None:
                yield self.at(
                    later,
                    f"VALIDATE CONSTRAINT {name} runs in the same transaction as the NOT VALID "
                    f"add, so {self.lock_words} is held during the validating scan.",
                    "Move the VALIDATE to a revision of its own (or after the autocommit "
                    "block), so the add's lock is released first.",
                    subject=f"validate {table}.{name}",
                )


class ForeignKeyNotValid(_NotValidRule):
    """A foreign key on an existing table is added NOT VALID, then validated separately.

    Why
    ---
    ``ALTER TABLE ... ADD FOREIGN KEY`` takes a SHARE ROW EXCLUSIVE lock on *both* tables and
    checks every existing row while holding it: writes to the table and to the referenced table
    wait for the whole scan. Added ``NOT VALID`` the constraint is enforced for new rows at once
    and the lock is brief; ``VALIDATE CONSTRAINT`` later checks the old rows under SHARE UPDATE
    EXCLUSIVE, which does not block reads or writes. Validating in the same transaction as the
    add gains nothing: the strong lock is held until commit.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_foreign_key("fk_lots_product", "lots", "products", ["product_id"], ["id"])
    ```

    Best practice
    -------------
    ```python
    # revision 1
    def upgrade() -> None:
        op.create_foreign_key(
            "fk_lots_product", "lots", "products", ["product_id"], ["id"],
            postgresql_not_valid=True,
        )

    # revision 2
    def upgrade() -> None:
        op.execute("ALTER TABLE lots VALIDATE CONSTRAINT fk_lots_product")
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT
    - https://docs.sqlalchemy.org/en/20/dialects/postgresql.html#constraint-options
    """

    code = "PG201"
    name = "foreign-key-not-valid"
    severity = Severity.WARNING
    contype_name = "CONSTR_FOREIGN"
    label = "FOREIGN KEY"
    lock_words = "SHARE ROW EXCLUSIVE locks on both tables"
    op_call = "op.create_foreign_key"
    lock = LockEffect(SHARE_ROW_EXCLUSIVE, "scan")

    def _reason(self, con: ast.Constraint) -> str:
        return (
            "ADD FOREIGN KEY without NOT VALID scans the "
            f"table, blocking writes to it and to {qualified(con.pktable)}"
        )


class CheckNotValid(_NotValidRule):
    """A CHECK constraint on an existing table is added NOT VALID, then validated separately.

    Why
    ---
    ``ALTER TABLE ... ADD CONSTRAINT ... CHECK`` takes an ACCESS EXCLUSIVE lock and evaluates
    the expression on every row while holding it: no query can read or write the table until
    the scan ends. ``NOT VALID`` makes the add instantaneous (new rows are checked at once);
    ``VALIDATE CONSTRAINT`` then scans under SHARE UPDATE EXCLUSIVE, which blocks neither reads
    nor writes — provided it runs in a later transaction.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_check_constraint("ck_lots_quantity_positive", "lots", "quantity > 0")
    ```

    Best practice
    -------------
    ```python
    # revision 1
    def upgrade() -> None:
        op.create_check_constraint(
            "ck_lots_quantity_positive", "lots", "quantity > 0", postgresql_not_valid=True
        )

    # revision 2
    def upgrade() -> None:
        op.execute("ALTER TABLE lots VALIDATE CONSTRAINT ck_lots_quantity_positive")
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
    """

    code = "PG202"
    name = "check-constraint-not-valid"
    severity = Severity.WARNING
    contype_name = "CONSTR_CHECK"
    label = "CHECK constraint"
    lock_words = "an ACCESS EXCLUSIVE lock"
    op_call = "op.create_check_constraint"
    lock = _SCAN_AE

    def _reason(self, con: ast.Constraint) -> str:
        return "ADD CHECK without NOT VALID scans the whole table holding ACCESS EXCLUSIVE"


class SetNotNullWithCheck(StatementRule):
    """SET NOT NULL on an existing table needs a validated CHECK (col IS NOT NULL) first.

    Why
    ---
    ``ALTER COLUMN ... SET NOT NULL`` takes an ACCESS EXCLUSIVE lock and scans the whole table
    to prove there is no NULL: on a large table, minutes without reads or writes. Since
    PostgreSQL 12 the scan is skipped when a *validated* ``CHECK (col IS NOT NULL)`` constraint
    already proves it — and that CHECK can be added ``NOT VALID`` and validated without
    blocking (see PG202). Before 12 there is no way around the scan: plan a maintenance window.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.alter_column("lots", "warehouse_id", nullable=False)
    ```

    Best practice
    -------------
    ```python
    # revision 1
    def upgrade() -> None:
        op.create_check_constraint(
            "ck_lots_warehouse_id_nn", "lots", "warehouse_id IS NOT NULL",
            postgresql_not_valid=True,
        )

    # revision 2
    def upgrade() -> None:
        op.execute("ALTER TABLE lots VALIDATE CONSTRAINT ck_lots_warehouse_id_nn")
        op.alter_column("lots", "warehouse_id", existing_type=sa.Integer(), nullable=False)
        op.drop_constraint("ck_lots_warehouse_id_nn", "lots", type_="check")
    ```

    A ``VALIDATE CONSTRAINT`` earlier in the same revision counts as the proof (its constraint
    may come from an earlier revision).

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL
    """

    code = "PG203"
    name = "set-not-null-with-check"
    severity = Severity.WARNING
    lock = _SCAN_AE

    def _scanned(self, node: Any, earlier: Sequence[Any]) -> Iterator[str]:
        """Columns ``node`` sets NOT NULL with a scan (no validated CHECK earlier proves it)."""
        table = sf.rel(getattr(node, "relation", None))
        for cmd in sf.alter_cmds(node):
            if cmd.subtype != sf.AT.AT_SetNotNull:
                continue
            column = sf.lower(cmd.name)
            if self.context.target_version >= 12 and cf.proved(earlier, table, column):
                continue
            yield column

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        for column in self._scanned(node, earlier):
            yield LockHit(
                qualified(node.relation),
                _SCAN_AE,
                f"SET NOT NULL on {column} scans the whole table holding ACCESS EXCLUSIVE",
                "Add CHECK (col IS NOT NULL) NOT VALID, "
                "VALIDATE it in a later revision, then SET NOT NULL (no scan).",
                self.code,
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        earlier = [o.node for o in facts.earlier(st)]
        for column in self._scanned(st.node, earlier):
            hint = (
                "Add CHECK (col IS NOT NULL) NOT VALID, validate it in a later revision, then "
                "SET NOT NULL (no scan) and drop the CHECK."
                if self.context.target_version >= 12
                else "PostgreSQL < 12 always scans: run it in a maintenance window."
            )
            yield self.at(
                st,
                f"SET NOT NULL on {table}.{column} scans the whole table under an ACCESS "
                "EXCLUSIVE lock (no validated CHECK proves it first).",
                hint,
                subject=f"{table}.{column}",
            )


class UniqueUsingIndex(StatementRule):
    """A UNIQUE or PRIMARY KEY constraint on an existing table uses a concurrently built index.

    Why
    ---
    ``ADD CONSTRAINT ... UNIQUE`` (or ``PRIMARY KEY``) builds its index while holding an ACCESS
    EXCLUSIVE lock: the table is unreadable and unwritable for the whole build. Building the
    unique index ``CONCURRENTLY`` first and then attaching it with ``USING INDEX`` takes the
    strong lock only for an instant.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_unique_constraint("uq_lots_lot_number", "lots", ["lot_number"])
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        with op.get_context().autocommit_block():
            op.create_index(
                "uq_lots_lot_number", "lots", ["lot_number"],
                unique=True, postgresql_concurrently=True,
            )
        op.execute(
            "ALTER TABLE lots ADD CONSTRAINT uq_lots_lot_number "
            "UNIQUE USING INDEX uq_lots_lot_number"
        )

    def downgrade() -> None:
        # the constraint owns the index now: dropping it drops the index too
        op.drop_constraint("uq_lots_lot_number", "lots", type_="unique")
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
    """

    code = "PG204"
    name = "unique-constraint-using-index"
    severity = Severity.WARNING
    lock = _SCAN_AE

    def _builds(self, node: Any) -> Iterator[ast.Constraint]:
        """UNIQUE / PRIMARY KEY constraints that build their index (no USING INDEX)."""
        for con in cf.added(node, (sf.CT.CONSTR_UNIQUE, sf.CT.CONSTR_PRIMARY)):
            if not con.indexname:
                yield con

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        for _ in self._builds(node):
            yield LockHit(
                qualified(node.relation),
                _SCAN_AE,
                "ADD PRIMARY KEY/UNIQUE builds an index holding ACCESS EXCLUSIVE",
                "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.",
                self.code,
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for con in self._builds(st.node):
            kind = "UNIQUE" if con.contype == sf.CT.CONSTR_UNIQUE else "PRIMARY KEY"
            yield self.at(
                st,
                f"{kind} constraint {con.conname or '(unnamed)'} on existing table {table} builds "
                "its index under an ACCESS EXCLUSIVE lock.",
                f"Build the unique index first ({AUTOCOMMIT_HINT} op.create_index(..., "
                "unique=True, postgresql_concurrently=True)), then "
                f"ADD CONSTRAINT ... {kind} USING INDEX.",
                subject=f"{table}.{con.conname}",
            )
