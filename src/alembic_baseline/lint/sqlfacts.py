"""Facts about pglast parse trees that several rules need: names, kinds, references.

Every safety decision in the linter is made on PostgreSQL's own parse tree (pglast), never on the
SQL text: a comment or a string that contains ``CONCURRENTLY`` fools no rule. Names are compared
lower-case without their schema, because revisions mix qualified and bare names for the same table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
from pglast import ast, enums

AT = enums.AlterTableType
CT = enums.ConstrType
OT = enums.ObjectType

DML = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt, ast.CopyStmt)
# Statements that are not schema changes even though they are "utility" statements.
NOT_DDL = (
    *DML,
    ast.SelectStmt,
    ast.VariableSetStmt,
    ast.VariableShowStmt,
    ast.TransactionStmt,
    ast.ExplainStmt,
    ast.DoStmt,
    ast.CallStmt,
    ast.LockStmt,
    ast.NotifyStmt,
    ast.TruncateStmt,
)

RELATION_KINDS: dict[Any, str] = {
    OT.OBJECT_TABLE: "table",
    OT.OBJECT_VIEW: "view",
    OT.OBJECT_MATVIEW: "matview",
    OT.OBJECT_INDEX: "index",
    OT.OBJECT_SEQUENCE: "sequence",
    OT.OBJECT_FOREIGN_TABLE: "table",
}
OBJECT_KINDS: dict[Any, str] = {
    **RELATION_KINDS,
    OT.OBJECT_TYPE: "type",
    OT.OBJECT_DOMAIN: "type",
    OT.OBJECT_FUNCTION: "function",
    OT.OBJECT_PROCEDURE: "function",
    OT.OBJECT_ROUTINE: "function",
    OT.OBJECT_TRIGGER: "trigger",
    OT.OBJECT_SCHEMA: "schema",
    OT.OBJECT_EXTENSION: "extension",
    OT.OBJECT_POLICY: "policy",
    OT.OBJECT_RULE: "rule",
    OT.OBJECT_COLUMN: "column",
    OT.OBJECT_TABCONSTRAINT: "constraint",
}


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node under (and including) ``node``, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            for slot in getattr(type(item), "__slots__", ()):
                value = getattr(item, slot, None)
                if isinstance(value, ast.Node | tuple | list):
                    stack.append(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


def lower(name: str | None) -> str:
    return (name or "").lower()


def rel(rangevar: Any) -> str:
    """Name of a RangeVar (lower-case, no schema)."""
    return lower(getattr(rangevar, "relname", None))


def last_name(names: Any) -> str:
    """Last component of a dotted name given as pglast String nodes (or a TypeName, ...)."""
    if isinstance(names, ast.TypeName):
        names = names.names
    elif isinstance(names, ast.ObjectWithArgs):
        names = names.objname
    elif isinstance(names, ast.String):
        return lower(names.sval)
    if isinstance(names, tuple | list) and names:
        item = names[-1]
        return lower(item.sval if isinstance(item, ast.String) else str(item))
    return ""


def dotted_names(names: Any) -> tuple[str, ...]:
    if isinstance(names, tuple | list):
        return tuple(lower(n.sval) for n in names if isinstance(n, ast.String))
    return ()


def type_name(type_node: Any) -> str:
    """``varchar``, ``int4``, ``numeric``... (the last component, catalog prefix dropped)."""
    return last_name(type_node.names) if isinstance(type_node, ast.TypeName) else ""


def type_mods(type_node: Any) -> tuple[int, ...]:
    mods = getattr(type_node, "typmods", None) or ()
    values: list[int] = []
    for mod in mods:
        val = getattr(mod, "val", None)
        if isinstance(val, ast.Integer):
            values.append(int(val.ival or 0))
    return tuple(values)


def func_name(call: Any) -> str:
    return last_name(call.funcname) if isinstance(call, ast.FuncCall) else ""


def is_ddl(node: Any) -> bool:
    return node is not None and not isinstance(node, NOT_DDL)


def is_dml(node: Any) -> bool:
    return isinstance(node, DML)


def dml_target(node: Any) -> str:
    """The table an INSERT/UPDATE/DELETE/MERGE/COPY writes."""
    return rel(getattr(node, "relation", None))


def alter_cmds(node: Any) -> tuple[Any, ...]:
    if isinstance(node, ast.AlterTableStmt):
        return tuple(node.cmds or ())
    return ()


def string_value(node: Any) -> str | None:
    val = getattr(node, "val", None)
    return val.sval if isinstance(val, ast.String) else None


def referenced_relations(query: Any) -> tuple[str, ...]:
    """Relations a query reads (CTE names excluded), sorted."""
    ctes = {lower(n.ctename) for n in walk(query) if isinstance(n, ast.CommonTableExpr)}
    found = {rel(n) for n in walk(query) if isinstance(n, ast.RangeVar)}
    return tuple(sorted(found - ctes - {""}))


def created_relation(node: Any) -> tuple[str, str] | None:
    """(kind, name) of the relation a CREATE statement makes: table, view, matview."""
    if isinstance(node, ast.CreateStmt):
        return "table", rel(node.relation)
    if isinstance(node, ast.ViewStmt):
        return "view", rel(node.view)
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        kind = "matview" if node.objtype == OT.OBJECT_MATVIEW else "table"
        return kind, rel(node.into.rel)
    return None


def view_query(node: Any) -> Any:
    if isinstance(node, ast.ViewStmt | ast.CreateTableAsStmt):
        return node.query
    return None


def drop_objects(node: ast.DropStmt) -> tuple[str, ...]:
    """Names of the objects a DROP removes; ``table.name`` for triggers, policies and rules."""
    names: list[str] = []
    for obj in node.objects or ():
        if node.removeType in (OT.OBJECT_TRIGGER, OT.OBJECT_POLICY, OT.OBJECT_RULE):
            parts = dotted_names(obj)
            names.append(".".join(parts[-2:]))
        else:
            names.append(last_name(obj))
    return tuple(names)


def is_cascade(node: Any) -> bool:
    return getattr(node, "behavior", None) == enums.DropBehavior.DROP_CASCADE


def sets_lock_timeout(node: Any) -> bool:
    """``SET [LOCAL] lock_timeout`` or ``SELECT set_config('lock_timeout', ...)``."""
    if isinstance(node, ast.VariableSetStmt):
        return lower(node.name) == "lock_timeout"
    if isinstance(node, ast.SelectStmt):
        for call in walk(node):
            first = call.args[0] if func_name(call) == "set_config" and call.args else None
            if first is not None and lower(string_value(first)) == "lock_timeout":
                return True
    return False


def identifier_tokens(sql: str) -> Iterator[str]:
    """Every identifier in ``sql`` as PostgreSQL's lexer reads it, *before* truncation.

    The parse tree cannot be used for lengths: the parser already cut names to 63 bytes.
    """
    for token in pglast.scan(sql):
        if token.name != "IDENT":
            continue
        text = sql[token.start : token.end + 1]
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            yield text[1:-1].replace('""', '"')
        else:
            yield text.lower()
