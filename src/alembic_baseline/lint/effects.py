"""What a revision does to the schema, as a list of effects: create / drop / change an object.

Effects come from the parsed SQL when the revision rendered offline, and from the ``op.*`` calls
in the source for the calls that did not (a revision that queries the database, say). Rules use
them to compare ``upgrade()`` with ``downgrade()`` and to count what a revision touches.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction
from alembic_baseline.lint.pysource import Expr
from alembic_baseline.lint.revision import Operation, RevisionFile

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


@dataclass(frozen=True)
class Effect:
    action: str
    """``create``, ``drop``, ``change`` (altered in place) or ``replace`` (CREATE OR REPLACE)."""
    kind: str
    """table, view, matview, index, sequence, type, function, trigger, column, constraint,
    not_null, column_type, default, schema, extension, data..."""
    name: str
    """Lower-case; ``table.column`` for columns and constraints; ``?`` suffix when unnamed."""
    line: int
    table: str = ""
    """The table that owns the object (columns, indexes, constraints, triggers)."""
    cascade: bool = False
    """A DROP ... CASCADE (it may remove objects that are not named)."""
    rename: bool = False
    """Half of a rename (drop of the old name, create of the new one)."""


def _alter_table(node: ast.AlterTableStmt, line: int) -> Iterator[Effect]:
    table = sf.rel(node.relation)
    for cmd in node.cmds or ():
        sub, name = cmd.subtype, sf.lower(cmd.name)
        if sub == sf.AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            yield Effect("create", "column", f"{table}.{sf.lower(cmd.def_.colname)}", line, table)
        elif sub == sf.AT.AT_DropColumn:
            yield Effect("drop", "column", f"{table}.{name}", line, table)
        elif sub == sf.AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            con = sf.lower(cmd.def_.conname) or "?"
            if cmd.def_.indexname:  # UNIQUE / PRIMARY KEY USING INDEX: the constraint takes
                # the index over (renamed to the constraint's name); dropping it drops the index
                index = sf.lower(cmd.def_.indexname)
                yield Effect("drop", "index", index, line, table, rename=True)
            yield Effect("create", "constraint", f"{table}.{con}", line, table)
        elif sub == sf.AT.AT_DropConstraint:
            yield Effect("drop", "constraint", f"{table}.{name}", line, table)
        elif sub == sf.AT.AT_AlterColumnType:
            yield Effect("change", "column_type", f"{table}.{name}", line, table)
        elif sub in (sf.AT.AT_SetNotNull, sf.AT.AT_DropNotNull):
            action = "create" if sub == sf.AT.AT_SetNotNull else "drop"
            yield Effect(action, "not_null", f"{table}.{name}", line, table)
        elif sub == sf.AT.AT_ColumnDefault:
            yield Effect("change", "default", f"{table}.{name}", line, table)
        else:
            yield Effect("change", "table", table, line, table)


@functools.cache
def _subobjects() -> dict[Any, str]:
    # a function, not a constant: the enum is pglast's, imported when SQL is first checked
    return {
        sf.OT.OBJECT_COLUMN: "column",
        sf.OT.OBJECT_TABCONSTRAINT: "constraint",
        sf.OT.OBJECT_TRIGGER: "trigger",
        sf.OT.OBJECT_POLICY: "policy",
        sf.OT.OBJECT_RULE: "rule",
    }


def _rename(node: ast.RenameStmt, line: int) -> Iterator[Effect]:
    table = sf.rel(node.relation)
    new = sf.lower(node.newname)
    subobjects = _subobjects()
    if node.renameType in subobjects:  # named within a table: ``table.name``
        kind = subobjects[node.renameType]
        old = f"{table}.{sf.lower(node.subname)}"
        yield Effect("drop", kind, old, line, table, rename=True)
        yield Effect("create", kind, f"{table}.{new}", line, table, rename=True)
        return
    kind = sf.OBJECT_KINDS.get(node.renameType, "object")
    old = table or sf.last_name(node.object) or sf.lower(node.subname)
    yield Effect("drop", kind, old, line, rename=True)
    yield Effect("create", kind, new, line, rename=True)


def _create(node: Any, line: int) -> Iterator[Effect]:
    created = sf.created_relation(node)
    if created is not None:
        replace = isinstance(node, ast.ViewStmt) and node.replace
        yield Effect("replace" if replace else "create", created[0], created[1], line)
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        table = sf.rel(node.relation)
        yield Effect("create", "index", sf.lower(node.idxname), line, table)
    elif isinstance(node, ast.CreateSeqStmt):
        yield Effect("create", "sequence", sf.rel(node.sequence), line)
    elif isinstance(node, ast.CreateEnumStmt | ast.CreateDomainStmt | ast.CreateRangeStmt):
        names = node.domainname if isinstance(node, ast.CreateDomainStmt) else node.typeName
        yield Effect("create", "type", sf.last_name(names), line)
    elif isinstance(node, ast.CompositeTypeStmt):
        yield Effect("create", "type", sf.rel(node.typevar), line)
    elif isinstance(node, ast.CreateFunctionStmt):
        yield Effect(
            "replace" if node.replace else "create", "function", sf.last_name(node.funcname), line
        )
    elif isinstance(node, ast.CreateTrigStmt):
        table = sf.rel(node.relation)
        action = "replace" if node.replace else "create"
        yield Effect(action, "trigger", f"{table}.{sf.lower(node.trigname)}", line, table)
    elif isinstance(node, ast.CreateSchemaStmt):
        yield Effect("create", "schema", sf.lower(node.schemaname), line)
    elif isinstance(node, ast.CreateExtensionStmt):
        yield Effect("create", "extension", sf.lower(node.extname), line)


def statement_effects(node: Any, line: int) -> list[Effect]:
    """The effects of one parsed statement."""
    if isinstance(node, ast.AlterTableStmt):
        return list(_alter_table(node, line))
    if isinstance(node, ast.RenameStmt):
        return list(_rename(node, line))
    if isinstance(node, ast.DropStmt):
        kind = sf.OBJECT_KINDS.get(node.removeType, "object")
        cascade = sf.is_cascade(node)
        return [Effect("drop", kind, n, line, cascade=cascade) for n in sf.drop_objects(node)]
    if sf.is_dml(node):
        return [Effect("change", "data", sf.dml_target(node), line, sf.dml_target(node))]
    return list(_create(node, line))


def _column_name(value: Any) -> str:
    if isinstance(value, Expr) and value.func.split(".")[-1] == "Column" and value.args:
        return sf.lower(value.args[0]) if isinstance(value.args[0], str) else "?"
    return "?"


def _s(value: Any) -> str:
    return sf.lower(value) if isinstance(value, str) else "?"


_CONSTRAINT_OPS = {
    "create_foreign_key",
    "create_unique_constraint",
    "create_check_constraint",
    "create_primary_key",
    "create_exclude_constraint",
}


def op_effects(op: Operation) -> list[Effect]:
    """Effects of an ``op.*`` call read from the source (used when it could not render)."""
    n, line = op.name, op.line
    if n in ("create_table", "drop_table"):
        return [Effect(n.split("_")[0], "table", _s(op.arg(0, "table_name")), line)]
    if n == "add_column":
        table = _s(op.arg(0, "table_name"))
        return [
            Effect("create", "column", f"{table}.{_column_name(op.arg(1, 'column'))}", line, table)
        ]
    if n == "drop_column":
        table = _s(op.arg(0, "table_name"))
        return [Effect("drop", "column", f"{table}.{_s(op.arg(1, 'column_name'))}", line, table)]
    if n in ("create_index", "drop_index"):
        table = _s(op.arg(1, "table_name"))
        return [Effect(n.split("_")[0], "index", _s(op.arg(0, "index_name")), line, table)]
    if n in _CONSTRAINT_OPS or n == "drop_constraint":
        table = _s(
            op.arg(1, "table_name") if n != "create_foreign_key" else op.arg(1, "source_table")
        )
        action = "drop" if n == "drop_constraint" else "create"
        return [
            Effect(action, "constraint", f"{table}.{_s(op.arg(0, 'constraint_name'))}", line, table)
        ]
    if n == "rename_table":
        old, new = _s(op.arg(0, "old_table_name")), _s(op.arg(1, "new_table_name"))
        return [
            Effect("drop", "table", old, line, rename=True),
            Effect("create", "table", new, line, rename=True),
        ]
    if n == "alter_column":
        return _alter_column_effects(op)
    if n == "bulk_insert":
        return [Effect("change", "data", "?", line)]
    return []


def _alter_column_effects(op: Operation) -> list[Effect]:
    table, column, line = _s(op.arg(0, "table_name")), _s(op.arg(1, "column_name")), op.line
    effects: list[Effect] = []
    if op.kwargs.get("type_") is not None:
        effects.append(Effect("change", "column_type", f"{table}.{column}", line, table))
    if "nullable" in op.kwargs:
        action = "drop" if op.kwargs["nullable"] else "create"
        effects.append(Effect(action, "not_null", f"{table}.{column}", line, table))
    if "server_default" in op.kwargs:
        effects.append(Effect("change", "default", f"{table}.{column}", line, table))
    new = op.kwargs.get("new_column_name")
    if isinstance(new, str):
        old_name, new_name = f"{table}.{column}", f"{table}.{sf.lower(new)}"
        effects.append(Effect("drop", "column", old_name, line, table, rename=True))
        effects.append(Effect("create", "column", new_name, line, table, rename=True))
    return effects


def effects_of(rev: RevisionFile, direction: Direction) -> list[Effect]:
    """All effects of one direction, in execution order."""
    statements = rev.statements_of(direction)
    found = [e for s in statements for e in statement_effects(s.node, s.line)]
    if direction in rev.rendered:
        return found
    # Not rendered as a whole: add what the source says for calls that produced no SQL.
    covered = {s.line for s in statements}
    for op in rev.operations_of(direction):
        if op.name in ("execute", "bind.execute"):
            continue
        if not any(op.line <= line <= op.end_line for line in covered):
            found.extend(op_effects(op))
    return sorted(found, key=lambda e: e.line)
