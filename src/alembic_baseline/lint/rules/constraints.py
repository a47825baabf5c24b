"""PG2xx: adding constraints to existing tables without long blocking scans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, enums

from alembic_baseline.lint import sqlfacts as sf
from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.model import Finding, Severity, Statement
from alembic_baseline.lint.rules._base import AUTOCOMMIT_HINT, StatementRule


def _added(st: Statement, contypes: tuple[Any, ...]) -> Iterator[ast.Constraint]:
    for cmd in sf.alter_cmds(st.node):
        con = cmd.def_
        adds = cmd.subtype == sf.AT.AT_AddConstraint and isinstance(con, ast.Constraint)
        if adds and con.contype in contypes:
            yield con


def _validated_later_in_same_transaction(
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


def _not_valid_how(op_call: str, table: str) -> str:
    """How to add a constraint NOT VALID with the installed SQLAlchemy (1.4.27 rejects
    ``postgresql_not_valid``; there only raw SQL can)."""
    from alembic_baseline import compat

    if compat.has_postgresql_not_valid():
        return f"{op_call}(..., postgresql_not_valid=True)"
    return f'op.execute("ALTER TABLE {table} ADD CONSTRAINT ... NOT VALID")'


class _NotValidRule(StatementRule):
    """Shared check: constraint added to an existing table without NOT VALID."""

    contype: Any = None
    label = ""
    lock = ""
    op_call = ""

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for con in _added(st, (self.contype,)):
            name = con.conname or "(unnamed)"
            if not con.skip_validation:
                yield self.at(
                    st,
                    f"{self.label} {name} on existing table {table} without NOT VALID "
                    f"scans the whole table under {self.lock}.",
                    f"Add it NOT VALID ({_not_valid_how(self.op_call, table)}), then "
                    f'in a later revision op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT '
                    f'{name}"), which does not block writes.',
                    subject=f"{table}.{name}",
                )
            elif (
                later := _validated_later_in_same_transaction(st, con.conname, facts)
            ) is not None:
                yield self.at(
                    later,
                    f"VALIDATE CONSTRAINT {name} runs in the same transaction as the NOT VALID "
                    f"add, so {self.lock} is held during the validating scan.",
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
    contype = sf.CT.CONSTR_FOREIGN
    label = "FOREIGN KEY"
    lock = "SHARE ROW EXCLUSIVE locks on both tables"
    op_call = "op.create_foreign_key"


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
    contype = sf.CT.CONSTR_CHECK
    label = "CHECK constraint"
    lock = "an ACCESS EXCLUSIVE lock"
    op_call = "op.create_check_constraint"


def _not_null_check(con: ast.Constraint) -> str | None:
    """The column of ``CHECK (col IS NOT NULL)``."""
    expr = con.raw_expr
    if not isinstance(expr, ast.NullTest) or expr.nulltesttype != enums.NullTestType.IS_NOT_NULL:
        return None
    if isinstance(expr.arg, ast.ColumnRef) and expr.arg.fields:
        return sf.last_name(expr.arg.fields)
    return None


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

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for cmd in sf.alter_cmds(st.node):
            if cmd.subtype != sf.AT.AT_SetNotNull:
                continue
            column = sf.lower(cmd.name)
            if self.context.target_version >= 12 and _proved(st, table, column, facts):
                continue
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


def _proved(st: Statement, table: str, column: str, facts: RevisionFacts) -> bool:
    """A validated CHECK (column IS NOT NULL) on the table precedes ``st``."""
    not_valid: set[str] = set()  # NOT VALID checks of this column added in this revision
    unrelated: set[str] = set()  # checks added here that prove something else
    for other in facts.earlier(st):
        if not isinstance(other.node, ast.AlterTableStmt) or sf.rel(other.node.relation) != table:
            continue
        for con in _added(other, (sf.CT.CONSTR_CHECK,)):
            if _not_null_check(con) != column:
                unrelated.add(sf.lower(con.conname))
            elif not con.skip_validation:
                return True
            else:
                not_valid.add(sf.lower(con.conname))
        for cmd in sf.alter_cmds(other.node):
            if cmd.subtype == sf.AT.AT_ValidateConstraint:
                # A constraint from an earlier revision gets the benefit of the doubt.
                name = sf.lower(cmd.name)
                if name in not_valid or name not in unrelated:
                    return True
    return False


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

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for con in _added(st, (sf.CT.CONSTR_UNIQUE, sf.CT.CONSTR_PRIMARY)):
            if con.indexname:
                continue
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
