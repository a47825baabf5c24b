"""AB2xx: what a revision changes — reversibility, granularity, schema versus data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from alembic_baseline.lint.effects import Effect
from alembic_baseline.lint.facts import facts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction, Finding, Severity
from alembic_baseline.lint.registry import Rule
from alembic_baseline.lint.revision import RevisionFile
from alembic_baseline.lint.rules.reversal import unreversed

if TYPE_CHECKING:
    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


class DowngradeImplemented(Rule):
    """``downgrade()`` really undoes the revision.

    Why
    ---
    The runbook's rollback procedure is ``alembic downgrade -1``; the backup restore is the last
    resort. A downgrade that is ``pass``, ``...``, empty or ``raise NotImplementedError`` makes
    Alembic record a successful downgrade while the schema stays upgraded — the next upgrade
    then fails on objects that already exist.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.add_column("products", sa.Column("new_field", sa.String(100)))

    def downgrade() -> None:
        pass
    ```

    Best practice
    -------------
    ```python
    def downgrade() -> None:
        op.drop_column("products", "new_field")
    ```

    A revision that truly cannot be undone says so on the line:
    ``def downgrade() -> None:  # alembic-baseline: ignore[AB201] data is not recoverable``.
    Merge revisions and revisions whose upgrade does nothing are exempt, and so are baseline
    revisions (their downgrade must refuse to run against data).

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading
    """

    code = "AB201"
    name = "downgrade-implemented"
    severity = Severity.ERROR

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if rev.downgrade_is_real or rev.upgrade_is_empty or rev.is_baseline:
            return
        missing = rev.downgrade_line is None
        yield self.finding(
            rev.path,
            rev.downgrade_line or rev.upgrade_line or 1,
            "The revision has no downgrade()."
            if missing
            else "downgrade() does nothing (pass, ..., or raise NotImplementedError).",
            "Undo each upgrade operation in reverse order (op.drop_column for op.add_column, "
            "op.drop_index for op.create_index, ...).",
            subject="downgrade",
            end_line=rev.downgrade_end_line or 0,
        )


class DowngradeReversesUpgrade(Rule):
    """``downgrade()`` reverses each operation of ``upgrade()``.

    Why
    ---
    A downgrade that forgets one operation leaves a column, an index or a view behind; the next
    ``alembic upgrade`` then fails with "already exists", in the middle of an incident. The
    linter compares the objects the upgrade creates, drops and changes with what the downgrade
    does: a created table, column, index, constraint, view, type or function must be dropped
    (or its table dropped); a dropped one re-created; a changed one (column type, NOT NULL,
    default, replaced view) changed back.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.add_column("lots", sa.Column("expires_on", sa.Date()))
        op.create_index("ix_lots_expires_on", "lots", ["expires_on"])

    def downgrade() -> None:
        op.drop_column("lots", "expires_on")  # the index goes with it, but...
    ```

    Best practice
    -------------
    Mirror the upgrade in reverse order:

    ```python
    def downgrade() -> None:
        op.drop_index("ix_lots_expires_on", table_name="lots")
        op.drop_column("lots", "expires_on")
    ```

    (Dropping the column does drop its index in PostgreSQL, and the linter accepts that for
    objects owned by a dropped table; for columns it asks for the explicit drop, which also
    documents the intent.) A constraint added with ``UNIQUE USING INDEX`` or ``PRIMARY KEY USING
    INDEX`` takes its index over: dropping the constraint is the inverse of both the
    ``CREATE UNIQUE INDEX CONCURRENTLY`` and the ``ADD CONSTRAINT`` (and when the index came
    from an earlier revision, the downgrade re-creates it after dropping the constraint).

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading
    """

    code = "AB202"
    name = "downgrade-reverses-upgrade"
    severity = Severity.WARNING

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if not rev.downgrade_is_real or rev.is_baseline:
            return
        known = facts(rev)
        for effect, missing in unreversed(known.upgrade_effects, known.downgrade_effects):
            yield self.finding(
                rev.path,
                effect.line,
                f"upgrade() {_past(effect)} {effect.kind.replace('_', ' ')} {effect.name} but "
                f"downgrade() does not {missing} it.",
                f"Add the inverse operation to downgrade() ({missing} {effect.name}).",
                subject=f"{effect.action} {effect.kind} {effect.name}",
            )


def _past(effect: Effect) -> str:
    return {"create": "creates", "drop": "drops", "replace": "replaces"}.get(
        effect.action, "changes"
    )


_GROUPS = {
    "table": "tables",
    "column": "tables",
    "index": "tables",
    "constraint": "tables",
    "not_null": "tables",
    "column_type": "tables",
    "default": "tables",
    "sequence": "tables",
    "trigger": "tables",
    "view": "views",
    "matview": "views",
    "type": "types",
    "function": "functions",
    "schema": "schemas",
    "extension": "schemas",
}


def touched(effects: list[Effect]) -> dict[str, set[str]]:
    """Kind group → objects touched (columns, indexes... count as their table)."""
    groups: dict[str, set[str]] = {}
    for effect in effects:
        group = _GROUPS.get(effect.kind)
        if group is None or (effect.rename and effect.action == "drop"):
            continue  # a rename is one change: count the new name only
        if effect.kind in ("index", "sequence") and not effect.table:
            continue  # ALTER INDEX/SEQUENCE ... RENAME: part of its (unnamed) table's change
        name = effect.table or effect.name.split(".")[0]
        groups.setdefault(group, set()).add(name)
    return groups


class OneChangePerRevision(Rule):
    """One revision makes one logical change.

    Why
    ---
    The runbook: 1マイグレーション = 1つの機能変更. A revision that touches many tables, or mixes
    kinds of objects (tables, views, types, functions), is hard to review, cannot be rolled
    back in part, and holds more locks for longer. Split it so each revision can be deployed,
    verified and downgraded on its own.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.create_table("shipments", ...)
        op.add_column("orders", ...)
        op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
        op.execute("CREATE VIEW v_inventory_summary AS ...")
        op.execute("CREATE FUNCTION recalc_stock() ...")
    ```

    Best practice
    -------------
    One revision per feature-sized step: the table and its indexes; then the view that uses
    it; then the function.

    ```bash
    alembic revision -m "create shipments table"
    alembic revision -m "add v_shipment_summary view"
    ```

    Thresholds: ``max-objects`` (tables, views, types, functions
    touched; a column or index counts as its table) and ``max-kinds`` (groups among tables,
    views, types, functions, schemas/extensions). Baseline revisions are exempt.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/tutorial.html#create-a-migration-script
    """

    code = "AB203"
    name = "one-change-per-revision"
    severity = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {"max-objects": 5, "max-kinds": 2}

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if rev.is_baseline or rev.is_merge:
            return
        groups = touched(facts(rev).upgrade_effects)
        objects = sorted(set().union(*groups.values())) if groups else []
        line = rev.upgrade_line or 1
        if len(objects) > int(self.opts["max-objects"]):
            yield self.finding(
                rev.path,
                line,
                f"upgrade() touches {len(objects)} objects ({', '.join(objects[:8])}"
                f"{', ...' if len(objects) > 8 else ''}); the limit is {self.opts['max-objects']}.",
                "Split it into revisions of one logical change each (alembic revision -m ...).",
                subject="objects",
            )
        if len(groups) > int(self.opts["max-kinds"]):
            yield self.finding(
                rev.path,
                line,
                f"upgrade() mixes {len(groups)} kinds of objects ({', '.join(sorted(groups))}).",
                "Split it: tables first, then the views / functions / types that use them.",
                subject="kinds",
            )


class SchemaAndDataSeparate(Rule):
    """Schema changes and data changes live in separate revisions.

    Why
    ---
    The runbook: スキーマ変更とデータ移行は別のマイグレーションに. A data migration
    (``UPDATE``/``INSERT``/``DELETE`` through ``op.execute``, ``op.bulk_insert``) in the same
    transaction as DDL holds the DDL's strong locks for as long as the rows take, cannot be
    re-run or batched separately, and makes the downgrade ambiguous (which rows to restore?).

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.add_column("products", sa.Column("status", sa.String(20)))
        op.execute("UPDATE products SET status = 'active' WHERE deleted_at IS NULL")
    ```

    Best practice
    -------------
    ```python
    # revision 1: schema
    def upgrade() -> None:
        op.add_column("products", sa.Column("status", sa.String(20)))

    # revision 2: data
    def upgrade() -> None:
        op.execute("UPDATE products SET status = 'active' WHERE deleted_at IS NULL")
        op.execute("UPDATE products SET status = 'deleted' WHERE deleted_at IS NOT NULL")
    ```

    Seeding rows into a table created in the same revision (a lookup table and its values) is
    allowed unless ``allow-seeding-new-tables = false``. Baseline revisions are exempt; writes
    to the version table are AB105's business.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.bulk_insert
    """

    code = "AB204"
    name = "schema-and-data-separate"
    severity = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {
        "allow-seeding-new-tables": True,
        "version-table": "alembic_version",
    }

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if rev.is_baseline:
            return
        known = facts(rev)
        ups = rev.statements_of(Direction.UPGRADE)
        has_ddl = any(sf.is_ddl(s.node) for s in ups) or any(
            e.kind != "data" for e in known.upgrade_effects
        )
        if not has_ddl:
            return
        for effect in known.upgrade_effects:
            if effect.kind != "data" or effect.name == self.opts["version-table"]:
                continue
            seeded = effect.name in {
                e.name for e in known.upgrade_effects if e.kind == "table" and e.action == "create"
            }
            if seeded and self.opts["allow-seeding-new-tables"]:
                continue
            yield self.finding(
                rev.path,
                effect.line,
                f"upgrade() changes data in {effect.name if effect.name != '?' else 'a table'} "
                "in the same revision as schema changes.",
                "Move the data migration (op.execute UPDATE/INSERT/DELETE, op.bulk_insert) to "
                "a revision of its own, after the schema revision.",
                subject=f"data {effect.name}",
            )
            return  # one finding per revision
