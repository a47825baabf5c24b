"""PG3xx: changes that make PostgreSQL rewrite a whole table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from alembic_baseline.lint import coercion
from alembic_baseline.lint.facts import RevisionFacts
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.locks import REWRITE, LockHit, qualified, rewrite
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.revision import Operation, Statement
from alembic_baseline.lint.rules._base import StatementRule

EXPAND_CONTRACT = (
    "Expand/contract instead: add a new column, backfill it in batches in a data revision, "
    "switch the code to it, then drop the old column in a later release."
)

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


def _existing_type(facts: RevisionFacts, st: Statement) -> coercion.Canon | None:
    """The ``existing_type=`` of the ``op.alter_column`` call that emitted ``st``."""
    for op in facts.rev.operations_of(st.direction):
        if op.name == "alter_column" and op.line <= st.line <= op.end_line:
            return coercion.from_sqlalchemy(_kw(op, "existing_type"))
    return None


def _kw(op: Operation, name: str) -> Any:
    return op.kwargs.get(name)


class ColumnTypeRewrite(StatementRule):
    """A column type change must not rewrite a large table.

    Why
    ---
    ``ALTER COLUMN ... TYPE`` takes an ACCESS EXCLUSIVE lock; unless the old type is binary
    coercible to the new one it also rewrites every row and rebuilds every index of the table
    while holding it — no reads, no writes, for as long as that takes. Safe without a rewrite:
    ``varchar(n)`` → ``varchar(m)`` with m ≥ n, ``varchar`` → ``text``, ``numeric(p,s)`` →
    ``numeric(q,s)`` with q ≥ p (or unbounded), ``varbit(n)`` → ``varbit(m ≥ n)``,
    ``cidr`` → ``inet``. ``int`` → ``bigint``, anything with ``USING`` and shrinking a length
    all rewrite. The linter knows the old type from ``op.alter_column(existing_type=...)``;
    without it the change is reported as possibly rewriting.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.alter_column("lots", "quantity", type_=sa.BigInteger())
    ```

    Best practice
    -------------
    Widen in place only where PostgreSQL does not rewrite, and say what the type was:

    ```python
    def upgrade() -> None:
        op.alter_column(
            "lots", "lot_number",
            existing_type=sa.String(50), type_=sa.String(100),
        )
    ```

    For a real type change use expand/contract: a new column, a batched backfill in a data
    revision, the code switched over, the old column dropped in a later release.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
    - https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.alter_column
    """

    code = "PG301"
    name = "column-type-rewrite"
    severity = Severity.WARNING
    lock = REWRITE

    def _changes(self, node: Any, old: coercion.Canon | None) -> Iterator[tuple[str, str]]:
        """(column, what) of the type changes that rewrite (or may: ``old`` is unknown)."""
        for cmd in sf.alter_cmds(node):
            if cmd.subtype != sf.AT.AT_AlterColumnType or not isinstance(cmd.def_, ast.ColumnDef):
                continue
            new = coercion.from_sql(cmd.def_.typeName)
            using = cmd.def_.raw_default is not None
            if new is not None and old is not None:
                if not coercion.rewrites(old, new, using=using):
                    continue
                what = f"from {coercion.render(old)} to {coercion.render(new)} rewrites"
            else:
                target = coercion.render(new) if new else "a new type"
                what = f"to {target} may rewrite (existing_type= not given, so unknown)"
            yield sf.lower(cmd.name), what

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        # Offline SQL does not say what the old type was: the change may rewrite.
        for column, _ in self._changes(node, None):
            yield rewrite(
                qualified(node.relation), f"ALTER COLUMN {column} TYPE", EXPAND_CONTRACT, self.code
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for column, what in self._changes(st.node, _existing_type(facts, st)):
            yield self.at(
                st,
                f"Changing {table}.{column} {what} the table and its indexes under an ACCESS "
                "EXCLUSIVE lock.",
                EXPAND_CONTRACT
                + " A widening that does not rewrite passes when existing_type= is given.",
                subject=f"{table}.{column}",
            )


_SERIAL = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


class AddColumnVolatileDefault(StatementRule):
    """ADD COLUMN on an existing table must not have a volatile default.

    Why
    ---
    Since PostgreSQL 11 ``ADD COLUMN ... DEFAULT <constant or stable expression>`` (``0``,
    ``'new'``, ``now()``) only records the default in the catalog. A *volatile* default —
    ``random()``, ``gen_random_uuid()``, ``clock_timestamp()``, ``nextval()`` (``serial``
    columns), identity and stored generated columns — must be computed per row, so the whole
    table is rewritten under an ACCESS EXCLUSIVE lock. Before 11 any non-null default rewrites
    (set ``target-version`` to the oldest server you deploy to).

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.add_column(
            "lots",
            sa.Column("public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
        )
    ```

    Best practice
    -------------
    ```python
    # revision 1: schema
    def upgrade() -> None:
        op.add_column("lots", sa.Column("public_id", sa.Uuid(), nullable=True))
        op.alter_column("lots", "public_id", server_default=sa.text("gen_random_uuid()"))

    # revision 2: data, in batches
    def upgrade() -> None:
        op.execute("UPDATE lots SET public_id = gen_random_uuid() WHERE public_id IS NULL")
    ```

    ``ALTER COLUMN ... SET DEFAULT`` on an existing column affects only new rows: no rewrite.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
    - https://www.postgresql.org/docs/current/xfunc-volatility.html
    """

    code = "PG302"
    name = "add-column-volatile-default"
    severity = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {
        "volatile-functions": (
            "random",
            "gen_random_uuid",
            "uuid_generate_v1",
            "uuid_generate_v1mc",
            "uuid_generate_v4",
            "uuidv4",
            "uuidv7",
            "clock_timestamp",
            "timeofday",
            "nextval",
            "txid_current",
        ),
    }

    lock = REWRITE

    def _rewriting(self, node: Any) -> Iterator[tuple[str, str]]:
        """(column, reason) of the added columns whose default makes PostgreSQL rewrite."""
        for cmd in sf.alter_cmds(node):
            if cmd.subtype == sf.AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                reason = self._rewrite_reason(cmd.def_)
                if reason:
                    yield sf.lower(cmd.def_.colname), reason

    def lock_hits(self, node: Any, earlier: Sequence[Any]) -> Iterator[LockHit]:
        for column, reason in self._rewriting(node):
            yield rewrite(
                qualified(node.relation),
                f"ADD COLUMN {column} with {reason}",
                "Add the column without that default, then backfill in batches.",
                self.code,
            )

    def check_statement(self, st: Statement, facts: RevisionFacts) -> Iterator[Finding]:
        if not facts.is_existing_table(st):
            return
        table = sf.rel(st.node.relation)
        for column, reason in self._rewriting(st.node):
            yield self.at(
                st,
                f"Adding {table}.{column} with {reason} rewrites the whole table under "
                "an ACCESS EXCLUSIVE lock.",
                "Add the column without that default (nullable), set the default with "
                "op.alter_column(server_default=...) for new rows, and backfill existing "
                "rows in batches in a separate data revision.",
                subject=f"{table}.{column}",
            )

    def _rewrite_reason(self, column: ast.ColumnDef) -> str | None:
        if sf.type_name(column.typeName) in _SERIAL:
            return f"type {sf.type_name(column.typeName)} (a nextval() default)"
        volatile = {f.lower() for f in self.opts["volatile-functions"]}
        for con in column.constraints or ():
            if con.contype == sf.CT.CONSTR_IDENTITY:
                return "GENERATED ... AS IDENTITY"
            if con.contype == sf.CT.CONSTR_GENERATED:
                return "GENERATED ALWAYS AS (...) STORED"
            if con.contype != sf.CT.CONSTR_DEFAULT or con.raw_expr is None:
                continue
            calls = {sf.func_name(n) for n in sf.walk(con.raw_expr) if isinstance(n, ast.FuncCall)}
            if calls & volatile:
                return f"the volatile default {sorted(calls & volatile)[0]}()"
            null = isinstance(con.raw_expr, ast.A_Const) and con.raw_expr.isnull
            if self.context.target_version < 11 and not null:
                return "a default (PostgreSQL < 11 rewrites for any default)"
        return None
