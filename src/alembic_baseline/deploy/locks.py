"""Which pending statements hold a lock for long: parse the offline SQL with pglast.

Every ALTER TABLE takes ACCESS EXCLUSIVE, but most hold it for milliseconds. What hurts in
production is a strong lock held while PostgreSQL rewrites or scans a table (ALTER COLUMN TYPE,
SET NOT NULL, a validated CHECK/FOREIGN KEY, CREATE INDEX without CONCURRENTLY, REFRESH
MATERIALIZED VIEW...): every query on that table waits for the whole operation. Decided on the
parse tree, never on regular expressions over SQL text; statements are attributed to revisions by
the ``-- Running upgrade a -> b`` comments Alembic writes in offline mode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"

BLOCKS = {
    ACCESS_EXCLUSIVE: "reads and writes",
    SHARE: "writes",
    SHARE_ROW_EXCLUSIVE: "writes",
    SHARE_UPDATE_EXCLUSIVE: "other DDL and VACUUM only",
    ROW_EXCLUSIVE: "concurrent updates of the same rows",
}
_RUNNING = re.compile(r"^-- Running (?:upgrade|downgrade) (?P<src>.*?) -> (?P<dst>\S+)\s*$", re.M)
# Defaults PostgreSQL evaluates once (no rewrite) although they are function calls.
_NON_VOLATILE_DEFAULTS = frozenset(
    {"now", "current_timestamp", "current_date", "localtimestamp", "transaction_timestamp"}
)


@dataclass(frozen=True)
class LockFinding:
    """One statement that holds a strong lock for as long as it runs."""

    revision: str
    statement: str
    relation: str
    lock: str
    blocks: str
    reason: str
    hint: str


@dataclass(frozen=True)
class _Hit:
    relation: str
    lock: str
    reason: str
    hint: str


def split_by_revision(sql: str) -> list[tuple[str, str]]:
    """``[(revision, sql chunk)]`` in order; text before the first marker is dropped."""
    marks = list(_RUNNING.finditer(sql))
    chunks = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(sql)
        chunks.append((m.group("dst"), sql[m.end() : end]))
    return chunks


def analyse(sql: str) -> list[LockFinding]:
    """Long-held locks of every statement in Alembic's offline SQL, in execution order."""
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    findings: list[LockFinding] = []
    created: set[str] = set()  # tables created by the plan itself are empty: nothing waits
    for revision, chunk in split_by_revision(sql):
        try:
            statements = parse_sql(chunk)
        except ParseError as exc:
            findings.append(
                LockFinding(
                    revision,
                    _short(chunk),
                    "?",
                    "unknown",
                    "unknown",
                    f"the SQL could not be parsed ({exc})",
                    "Read this revision's SQL in migration_plan.sql yourself.",
                )
            )
            continue
        for raw in statements:
            text = _statement_text(chunk, raw)
            if isinstance(raw.stmt, ast.CreateStmt):
                created.add(_name(raw.stmt.relation))
            for hit in _classify(raw.stmt):
                if hit.relation in created:
                    continue
                findings.append(
                    LockFinding(
                        revision,
                        text,
                        hit.relation,
                        hit.lock,
                        BLOCKS.get(hit.lock, "?"),
                        hit.reason,
                        hit.hint,
                    )
                )
    return findings


def _statement_text(chunk: str, raw: Any) -> str:
    start = raw.stmt_location or 0
    length = raw.stmt_len or len(chunk) - start
    return _short(chunk[start : start + length])  # pglast reports character offsets


def _short(text: str, limit: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _name(rangevar: Any) -> str:
    if rangevar is None:
        return "?"
    schema = getattr(rangevar, "schemaname", None)
    return f"{schema}.{rangevar.relname}" if schema else str(rangevar.relname)


def _classify(stmt: Any) -> Iterator[_Hit]:
    from pglast import ast

    if isinstance(stmt, ast.AlterTableStmt):
        yield from _alter_table(stmt)
    elif isinstance(stmt, ast.IndexStmt) and not stmt.concurrent:
        yield _Hit(
            _name(stmt.relation),
            SHARE,
            "CREATE INDEX without CONCURRENTLY blocks writes while the whole index is built",
            "Use postgresql_concurrently=True inside op.get_context().autocommit_block().",
        )
    elif isinstance(stmt, ast.RefreshMatViewStmt) and not stmt.concurrent:
        yield _Hit(
            _name(stmt.relation),
            ACCESS_EXCLUSIVE,
            "REFRESH MATERIALIZED VIEW without "
            "CONCURRENTLY blocks readers of the view until it is recomputed",
            "REFRESH ... CONCURRENTLY needs a unique index on the view.",
        )
    elif isinstance(stmt, ast.VacuumStmt) and _has_option(stmt.options, "full"):
        for rel in stmt.rels or ():
            yield _rewrite(_name(rel.relation), "VACUUM FULL")
    elif isinstance(stmt, ast.ClusterStmt):
        yield _rewrite(_name(stmt.relation), "CLUSTER")
    elif isinstance(stmt, ast.ReindexStmt) and not _has_option(stmt.params, "concurrently"):
        yield _Hit(
            _name(stmt.relation),
            ACCESS_EXCLUSIVE,
            "REINDEX without CONCURRENTLY blocks the table while indexes are rebuilt",
            "Use REINDEX CONCURRENTLY.",
        )
    elif isinstance(stmt, ast.UpdateStmt | ast.DeleteStmt) and stmt.whereClause is None:
        verb = "UPDATE" if isinstance(stmt, ast.UpdateStmt) else "DELETE"
        yield _Hit(
            _name(stmt.relation),
            ROW_EXCLUSIVE,
            f"{verb} without WHERE locks every row until the revision commits",
            "Batch large data changes in their own revision.",
        )
    elif isinstance(stmt, ast.LockStmt):
        for rel in stmt.relations or ():
            yield _Hit(
                _name(rel),
                "explicit",
                "LOCK TABLE holds the lock until the revision commits",
                "Keep the rest of the revision short.",
            )


def _has_option(options: Any, name: str) -> bool:
    return any(getattr(o, "defname", None) == name for o in options or ())


def _rewrite(relation: str, what: str) -> _Hit:
    return _Hit(
        relation,
        ACCESS_EXCLUSIVE,
        f"{what} rewrites the table (and its indexes) "
        "holding ACCESS EXCLUSIVE: no reads or writes until it finishes",
        "Schedule it in a maintenance window, or use an expand/contract migration.",
    )


def _alter_table(stmt: Any) -> Iterator[_Hit]:
    from pglast.enums import AlterTableType as AT

    relation = _name(stmt.relation)
    for cmd in stmt.cmds or ():
        sub = cmd.subtype
        if sub == AT.AT_AlterColumnType:
            yield _rewrite(relation, f"ALTER COLUMN {cmd.name} TYPE")
        elif sub in (
            AT.AT_SetTableSpace,
            AT.AT_SetLogged,
            AT.AT_SetUnLogged,
            AT.AT_SetAccessMethod,
        ):
            yield _rewrite(relation, "ALTER TABLE SET TABLESPACE/LOGGED/ACCESS METHOD")
        elif sub == AT.AT_SetNotNull:
            yield _Hit(
                relation,
                ACCESS_EXCLUSIVE,
                f"SET NOT NULL on {cmd.name} scans the whole table holding ACCESS EXCLUSIVE",
                "Add CHECK (col IS NOT NULL) NOT VALID, "
                "VALIDATE it in a later revision, then SET NOT NULL (no scan).",
            )
        elif sub == AT.AT_AddColumn:
            yield from _add_column(relation, cmd.def_)
        elif sub == AT.AT_AddConstraint:
            yield from _add_constraint(relation, cmd.def_)
        elif sub == AT.AT_ValidateConstraint:
            yield _Hit(
                relation,
                SHARE_UPDATE_EXCLUSIVE,
                f"VALIDATE CONSTRAINT {cmd.name} scans the table (reads and writes continue)",
                "Fine outside peak hours.",
            )
        elif sub == AT.AT_AttachPartition:
            yield _Hit(
                relation,
                SHARE_UPDATE_EXCLUSIVE,
                "ATTACH PARTITION scans the partition unless a matching CHECK constraint exists",
                "Add a validated CHECK constraint matching the bound first.",
            )


def _add_column(relation: str, column: Any) -> Iterator[_Hit]:
    from pglast import ast
    from pglast.enums import ConstrType as CT

    for con in getattr(column, "constraints", None) or ():
        if con.contype in (CT.CONSTR_IDENTITY,) or (
            con.contype == CT.CONSTR_GENERATED and con.generated_kind != "v"
        ):
            yield _rewrite(relation, f"ADD COLUMN {column.colname} (identity/generated)")
        elif con.contype == CT.CONSTR_DEFAULT and isinstance(con.raw_expr, ast.FuncCall):
            names = con.raw_expr.funcname or ()
            fn = str(names[-1].sval).lower() if names else ""
            if fn not in _NON_VOLATILE_DEFAULTS:
                yield _rewrite(
                    relation, f"ADD COLUMN {column.colname} DEFAULT {fn}() (a volatile default)"
                )
        elif con.contype in (
            CT.CONSTR_CHECK,
            CT.CONSTR_FOREIGN,
            CT.CONSTR_PRIMARY,
            CT.CONSTR_UNIQUE,
        ):
            yield from _add_constraint(relation, con)


def _add_constraint(relation: str, con: Any) -> Iterator[_Hit]:
    from pglast.enums import ConstrType as CT

    if con is None:
        return
    if con.contype == CT.CONSTR_CHECK and not con.skip_validation:
        yield _Hit(
            relation,
            ACCESS_EXCLUSIVE,
            "ADD CHECK without NOT VALID scans the whole table holding ACCESS EXCLUSIVE",
            "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision.",
        )
    elif con.contype == CT.CONSTR_FOREIGN and not con.skip_validation:
        target = _name(con.pktable)
        yield _Hit(
            relation,
            SHARE_ROW_EXCLUSIVE,
            "ADD FOREIGN KEY without NOT VALID scans the "
            f"table, blocking writes to it and to {target}",
            "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision.",
        )
    elif con.contype in (CT.CONSTR_PRIMARY, CT.CONSTR_UNIQUE, CT.CONSTR_EXCLUSION) and not getattr(
        con, "indexname", None
    ):
        yield _Hit(
            relation,
            ACCESS_EXCLUSIVE,
            "ADD PRIMARY KEY/UNIQUE builds an index holding ACCESS EXCLUSIVE",
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.",
        )
