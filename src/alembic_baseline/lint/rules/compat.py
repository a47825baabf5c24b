"""PG5xx: changes that break the application code still running during a deploy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.revision import Statement
from alembic_baseline.lint.rules._base import StatementRule

_RUNNING_CODE = (
    "During a rolling deploy (and for a rollback) the previous release still runs against the "
    "new schema"
)

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


class RenamingColumn(StatementRule):
    """Renaming a column breaks the code that still reads the old name.

    Why
    ---
    ``ALTER TABLE ... RENAME COLUMN`` is instantaneous (a brief ACCESS EXCLUSIVE lock), but the
    application release that is still running during the deploy — and the one you roll back
    to — queries the old name and fails at once. SQLAlchemy models list every mapped column in
    their SELECTs and INSERTs, so even code that never uses the column breaks.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.alter_column("lots", "qty", new_column_name="quantity")
    ```

    Best practice
    -------------
    Expand/contract across releases: add ``quantity``, write both columns from the code (or a
    trigger), backfill in a data revision, switch reads, and drop ``qty`` in a later release.

    ```python
    # release 1
    def upgrade() -> None:
        op.add_column("lots", sa.Column("quantity", sa.Integer()))

    # release 1, data revision
    def upgrade() -> None:
        op.execute("UPDATE lots SET quantity = qty WHERE quantity IS NULL")

    # release 2, once no code reads qty
    def upgrade() -> None:
        op.drop_column("lots", "qty")  # alembic-baseline: ignore[PG503] unused since release 2
    ```

    If a short incompatibility window is acceptable, deploy the code that tolerates both names
    first and say so with ``# alembic-baseline: ignore[PG501]`` on the call.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html
    - https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.alter_column
    """

    code = "PG501"
    name = "renaming-column"
    severity = Severity.WARNING

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        renames = isinstance(node, ast.RenameStmt) and node.renameType == sf.OT.OBJECT_COLUMN
        if renames and facts.is_existing_table(st):
            table = sf.rel(node.relation)
            yield self.at(
                st,
                f"Renaming {table}.{node.subname} to {node.newname}: {_RUNNING_CODE} and "
                "still uses the old name.",
                "Add the new column, write both, backfill, switch reads, then drop the old "
                "column in a later release (expand/contract).",
                subject=f"{table}.{node.subname}",
            )


class RenamingTable(StatementRule):
    """Renaming a table breaks the code that still uses the old name.

    Why
    ---
    ``ALTER TABLE ... RENAME TO`` is quick, but every query of the release still running —
    and of the release you would roll back to — names the old table and fails.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.rename_table("lot", "lots")
    ```

    Best practice
    -------------
    Rename and leave a compatibility view under the old name (simple views are updatable),
    then drop the view once no release uses the old name:

    ```python
    def upgrade() -> None:
        op.rename_table("lot", "lots")
        op.execute("CREATE VIEW lot AS SELECT * FROM lots")
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html
    - https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS
    """

    code = "PG502"
    name = "renaming-table"
    severity = Severity.WARNING

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        renames = isinstance(node, ast.RenameStmt) and node.renameType == sf.OT.OBJECT_TABLE
        if renames and facts.is_existing_table(st):
            table = sf.rel(node.relation)
            yield self.at(
                st,
                f"Renaming table {table} to {node.newname}: {_RUNNING_CODE} and still "
                "queries the old name.",
                f'Leave a compatibility view: op.execute("CREATE VIEW {table} AS SELECT * '
                f'FROM {node.newname}") and drop it in a later release.',
                subject=table,
            )


class DroppingColumn(StatementRule):
    """Dropping a column breaks running code and loses its data for good.

    Why
    ---
    ``DROP COLUMN`` is quick (the column is only marked dropped) but irreversible: the
    downgrade can re-add the column, never its data. And a release that still maps the column
    (SQLAlchemy selects every mapped column) fails as soon as the column is gone.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.drop_column("lots", "legacy_code")
    ```

    Best practice
    -------------
    First release: stop using the column in the code (remove it from the model). Later
    release: drop it, after a backup, in a revision of its own, marked as reviewed:

    ```python
    def upgrade() -> None:
        op.drop_column("lots", "legacy_code")  # alembic-baseline: ignore[PG503] unused since 2.3

    def downgrade() -> None:
        op.add_column("lots", sa.Column("legacy_code", sa.String(20)))
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN
    """

    code = "PG503"
    name = "dropping-column"
    severity = Severity.WARNING

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for cmd in sf.alter_cmds(st.node):
            if cmd.subtype == sf.AT.AT_DropColumn:
                yield self.at(
                    st,
                    f"Dropping {table}.{cmd.name} loses its data for good and breaks any "
                    "running release that still maps the column.",
                    "Remove the column from the code in one release; drop it (after a backup) "
                    "in a later one, then mark the call reviewed with "
                    "# alembic-baseline: ignore[PG503].",
                    subject=f"{table}.{cmd.name}",
                )


class DroppingTable(StatementRule):
    """Dropping a table breaks running code and loses its data for good.

    Why
    ---
    ``DROP TABLE`` takes an ACCESS EXCLUSIVE lock and removes the data irreversibly: the
    downgrade can re-create the table, never its rows. A release that still queries it fails.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.drop_table("lot_history_old")
    ```

    Best practice
    -------------
    Stop using the table in one release; in a later one back it up (or rename it aside) and
    drop it in a revision of its own, marked reviewed:

    ```python
    def upgrade() -> None:
        op.drop_table("lot_history_old")  # alembic-baseline: ignore[PG504] archived to S3

    def downgrade() -> None:
        op.create_table("lot_history_old", sa.Column("id", sa.BigInteger(), primary_key=True))
    ```

    Tables created in the same revision are exempt.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-droptable.html
    """

    code = "PG504"
    name = "dropping-table"
    severity = Severity.WARNING

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        node = st.node
        if not isinstance(node, ast.DropStmt) or node.removeType != sf.OT.OBJECT_TABLE:
            return
        for table in sf.drop_objects(node):
            if not facts.is_new(table, st):
                yield self.at(
                    st,
                    f"Dropping table {table} loses its data for good and breaks any running "
                    "release that still queries it.",
                    "Stop using it in one release; back it up and drop it in a later one, "
                    "marked reviewed with # alembic-baseline: ignore[PG504].",
                    subject=table,
                )
