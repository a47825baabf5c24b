"""The one lock knowledge base: which statements take which lock, and for how long.

The PG lint rules that detect lock-heavy statements declare what the statement does to the table
as class metadata (``lock = LockEffect(...)``) and implement ``lock_hits(node, earlier)``: the
same parse-tree decision their ``check_statement`` makes, without the wording of a lint finding.
``lint.statement_locks`` asks every such rule about a list of parsed statements; the deploy
plan's lock report is built from it, so ``lint`` and ``plan`` cannot disagree. Statements no rule
looks at yet (REFRESH MATERIALIZED VIEW, VACUUM FULL, CLUSTER, REINDEX, UPDATE/DELETE without
WHERE, LOCK TABLE, VALIDATE CONSTRAINT, ATTACH PARTITION, SET TABLESPACE/LOGGED/ACCESS METHOD)
are described here, in the same form, with ``code`` left empty.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from alembic_baseline.lint.lazy import lazy_module

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
EXPLICIT = "explicit"

BLOCKS = {
    ACCESS_EXCLUSIVE: "reads and writes",
    SHARE: "writes",
    SHARE_ROW_EXCLUSIVE: "writes",
    SHARE_UPDATE_EXCLUSIVE: "other DDL and VACUUM only",
    ROW_EXCLUSIVE: "concurrent updates of the same rows",
    EXPLICIT: "whatever the LOCK mode conflicts with",
}

Work = Literal["rewrite", "scan", "hold", "none"]


@dataclass(frozen=True)
class LockEffect:
    """What a statement does to a table: the lock it takes and what it does while holding it."""

    mode: str
    """The lock mode, e.g. ``ACCESS EXCLUSIVE``."""
    work: Work
    """``rewrite`` (every row and index rewritten), ``scan`` (every row read, or an index
    built), ``hold`` (no scan, but held until commit) or ``none`` (brief once granted)."""

    @property
    def blocks(self) -> str:
        return BLOCKS.get(self.mode, "?")

    @property
    def long_held(self) -> bool:
        """Held for as long as the table is scanned or rewritten (or until commit)."""
        return self.work != "none"

    def describe(self) -> str:
        held = {
            "rewrite": "while the table is rewritten",
            "scan": "while the table is scanned",
            "hold": "until the transaction commits",
            "none": "briefly",
        }[self.work]
        return f"{self.mode} (blocks {self.blocks}), held {held}"


@dataclass(frozen=True)
class LockHit:
    """One lock a statement takes on one relation, and why it matters."""

    relation: str
    """As written, schema-qualified when the statement qualifies it."""
    effect: LockEffect
    reason: str
    hint: str
    code: str = ""
    """The lint rule that knows about it (empty for statements no rule checks)."""
    subject: str = ""
    """What in the statement it is about, when a rule and the generic description can both
    speak of it (``validate <constraint>``): the rule's hit replaces the generic one."""

    @property
    def table(self) -> str:
        """Lower-case name without schema (how lint compares names)."""
        return self.relation.rsplit(".", 1)[-1].lower()


def qualified(rangevar: Any) -> str:
    """``schema.name`` or ``name`` of a RangeVar, ``?`` when there is none."""
    if rangevar is None:
        return "?"
    schema = getattr(rangevar, "schemaname", None)
    return f"{schema}.{rangevar.relname}" if schema else str(rangevar.relname)


def created_names(node: Any) -> list[str]:
    """Relations (tables, views, indexes) a statement creates: they are empty, nobody waits."""
    created = sf.created_relation(node)
    names = [created[1]] if created else []
    if isinstance(node, ast.IndexStmt) and node.idxname:
        names.append(sf.lower(node.idxname))
    return names


def validate_subject(constraint: str | None) -> str:
    return f"validate {sf.lower(constraint)}"


def _has_option(options: Any, name: str) -> bool:
    return any(getattr(o, "defname", None) == name for o in options or ())


REWRITE = LockEffect(ACCESS_EXCLUSIVE, "rewrite")
_REWRITE_HINT = "Schedule it in a maintenance window, or use an expand/contract migration."


def rewrite(relation: str, what: str, hint: str = _REWRITE_HINT, code: str = "") -> LockHit:
    return LockHit(
        relation,
        REWRITE,
        f"{what} rewrites the table (and its indexes) "
        "holding ACCESS EXCLUSIVE: no reads or writes until it finishes",
        hint,
        code,
    )


def unruled_hits(node: Any) -> Iterator[LockHit]:
    """Locks of statements no lint rule checks (yet)."""
    if isinstance(node, ast.AlterTableStmt):
        yield from _alter_table(node)
    elif isinstance(node, ast.RefreshMatViewStmt) and not node.concurrent:
        yield LockHit(
            qualified(node.relation),
            LockEffect(ACCESS_EXCLUSIVE, "scan"),
            "REFRESH MATERIALIZED VIEW without "
            "CONCURRENTLY blocks readers of the view until it is recomputed",
            "REFRESH ... CONCURRENTLY needs a unique index on the view.",
        )
    elif isinstance(node, ast.VacuumStmt) and _has_option(node.options, "full"):
        for rel in node.rels or ():
            yield rewrite(qualified(rel.relation), "VACUUM FULL")
    elif isinstance(node, ast.ClusterStmt):
        yield rewrite(qualified(node.relation), "CLUSTER")
    elif isinstance(node, ast.ReindexStmt) and not _has_option(node.params, "concurrently"):
        yield LockHit(
            qualified(node.relation),
            LockEffect(ACCESS_EXCLUSIVE, "scan"),
            "REINDEX without CONCURRENTLY blocks the table while indexes are rebuilt",
            "Use REINDEX CONCURRENTLY.",
        )
    elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt) and node.whereClause is None:
        verb = "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
        yield LockHit(
            qualified(node.relation),
            LockEffect(ROW_EXCLUSIVE, "hold"),
            f"{verb} without WHERE locks every row until the revision commits",
            "Batch large data changes in their own revision.",
        )
    elif isinstance(node, ast.LockStmt):
        for rel in node.relations or ():
            yield LockHit(
                qualified(rel),
                LockEffect(EXPLICIT, "hold"),
                "LOCK TABLE holds the lock until the revision commits",
                "Keep the rest of the revision short.",
            )


@functools.cache
def _rewriting_subcommands() -> tuple[Any, ...]:
    # a function, not a constant: the enum is pglast's, imported when SQL is first checked
    return (
        sf.AT.AT_SetTableSpace,
        sf.AT.AT_SetLogged,
        sf.AT.AT_SetUnLogged,
        sf.AT.AT_SetAccessMethod,
    )


def _alter_table(node: ast.AlterTableStmt) -> Iterator[LockHit]:
    relation = qualified(node.relation)
    for cmd in node.cmds or ():
        if cmd.subtype in _rewriting_subcommands():
            yield rewrite(relation, "ALTER TABLE SET TABLESPACE/LOGGED/ACCESS METHOD")
        elif cmd.subtype == sf.AT.AT_ValidateConstraint:
            yield LockHit(
                relation,
                LockEffect(SHARE_UPDATE_EXCLUSIVE, "scan"),
                f"VALIDATE CONSTRAINT {cmd.name} scans the table (reads and writes continue)",
                "Fine outside peak hours.",
                subject=validate_subject(cmd.name),
            )
        elif cmd.subtype == sf.AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            # constraints written inline in ADD COLUMN: no rule checks them (PG201/202/204
            # look at ADD CONSTRAINT), the lock is the same
            for con in cmd.def_.constraints or ():
                yield from _constraint(relation, con, f"ADD COLUMN {cmd.def_.colname} with ")
        elif cmd.subtype == sf.AT.AT_AddConstraint and (
            isinstance(cmd.def_, ast.Constraint)
            and cmd.def_.contype == sf.CT.CONSTR_EXCLUSION
            and not cmd.def_.indexname
        ):
            yield from _constraint(relation, cmd.def_, "")
        elif cmd.subtype == sf.AT.AT_AttachPartition:
            yield LockHit(
                relation,
                LockEffect(SHARE_UPDATE_EXCLUSIVE, "scan"),
                "ATTACH PARTITION scans the partition unless a matching CHECK constraint exists",
                "Add a validated CHECK constraint matching the bound first.",
            )


def _constraint(relation: str, con: Any, where: str) -> Iterator[LockHit]:
    """The lock of a constraint no rule covers: inline in ADD COLUMN, or an EXCLUDE."""
    kind = con.contype
    if kind == sf.CT.CONSTR_CHECK and not con.skip_validation:
        yield LockHit(
            relation,
            LockEffect(ACCESS_EXCLUSIVE, "scan"),
            f"{where}CHECK without NOT VALID scans the whole table holding ACCESS EXCLUSIVE",
            "Add the column first, then the CHECK NOT VALID, and VALIDATE it in a later revision.",
        )
    elif kind == sf.CT.CONSTR_FOREIGN and not con.skip_validation:
        yield LockHit(
            relation,
            LockEffect(SHARE_ROW_EXCLUSIVE, "scan"),
            f"{where}FOREIGN KEY without NOT VALID scans the table, blocking writes to it "
            f"and to {qualified(con.pktable)}",
            "Add the column first, then the FOREIGN KEY NOT VALID, and VALIDATE it later.",
        )
    elif kind in (sf.CT.CONSTR_PRIMARY, sf.CT.CONSTR_UNIQUE, sf.CT.CONSTR_EXCLUSION):
        noun = {sf.CT.CONSTR_PRIMARY: "PRIMARY KEY", sf.CT.CONSTR_UNIQUE: "UNIQUE"}.get(
            kind, "EXCLUDE"
        )
        yield LockHit(
            relation,
            LockEffect(ACCESS_EXCLUSIVE, "scan"),
            f"{where}{noun} builds an index holding ACCESS EXCLUSIVE",
            "Build the index CONCURRENTLY first (for PRIMARY KEY/UNIQUE, then ADD CONSTRAINT "
            "... USING INDEX).",
        )
