"""Canonical text of SQL expressions and definitions, for comparing catalogs that were built
differently but mean the same.

PostgreSQL stores the parse tree of a CHECK, an index predicate, a default or a view, and prints
it back. A schema built by migrations and the same schema restored from pg_dump can store
different trees for one expression: ``col::text = ANY (ARRAY['a'::varchar, 'b'::varchar]::text[])``
is dumped, re-parsed and stored as ``ARRAY[('a'::varchar)::text, ('b'::varchar)::text]``. Both
sides are parsed with PostgreSQL's own parser (pglast), rewritten into one form and printed again,
so only real differences remain.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_CHECK = re.compile(r"(?is)^CHECK\s*(\(.*\))((?:\s+NOT VALID|\s+NO INHERIT)*)\s*$")


def _rewrite(tree: Any) -> None:
    from pglast import ast
    from pglast.visitors import Visitor

    class PushArrayCast(Visitor):
        """``(ARRAY[a, b])::T[]`` → ``ARRAY[a::T, b::T]``."""

        def visit_TypeCast(self, ancestors: Any, node: Any) -> Any:
            type_name = node.typeName
            if not isinstance(node.arg, ast.A_ArrayExpr) or not type_name.arrayBounds:
                return None
            element_type = ast.TypeName(
                names=type_name.names,
                typmods=type_name.typmods,
                typemod=type_name.typemod,
                setof=type_name.setof,
                pct_type=type_name.pct_type,
            )
            elements = tuple(
                ast.TypeCast(arg=e, typeName=element_type) for e in (node.arg.elements or ())
            )
            return ast.A_ArrayExpr(elements=elements)

    PushArrayCast()(tree)
    _drop_redundant_qualifiers(tree)


def _drop_redundant_qualifiers(tree: Any) -> None:
    """``SELECT t.a FROM t`` → ``SELECT a FROM t`` when t is the only relation in the statement.

    PostgreSQL 15 prints view definitions with every column qualified; 16 and later leave the
    qualifier out when one relation is in scope. Both mean the same.
    """
    from pglast import ast
    from pglast.visitors import Visitor

    relations: list[Any] = []

    class Relations(Visitor):
        def visit_RangeVar(self, ancestors: Any, node: Any) -> None:
            relations.append(node)

        def visit_RangeSubselect(self, ancestors: Any, node: Any) -> None:
            relations.append(node)

        def visit_RangeFunction(self, ancestors: Any, node: Any) -> None:
            relations.append(node)

    Relations()(tree)
    if len(relations) != 1 or not isinstance(relations[0], ast.RangeVar):
        return
    rel = relations[0]
    names = {rel.relname, rel.alias.aliasname if rel.alias else rel.relname}

    class Unqualify(Visitor):
        def visit_ColumnRef(self, ancestors: Any, node: Any) -> Any:
            fields: tuple[Any, ...] = tuple(node.fields or ())
            if len(fields) == 2 and isinstance(fields[0], ast.String) and fields[0].sval in names:
                return ast.ColumnRef(fields=fields[1:])
            return None

    Unqualify()(tree)


def _print(sql: str) -> str | None:
    from pglast import parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    try:
        tree = parse_sql(sql)
        _rewrite(tree)
        return str(RawStream()(tree))
    except (ParseError, ValueError, NotImplementedError, AttributeError, TypeError):
        return None


@lru_cache(maxsize=65536)
def canonical(text: str) -> str:
    """A canonical form of a definition or expression; the text itself when it cannot be parsed."""
    if not text or not text.strip():
        return text
    stripped = text.strip().rstrip(";")
    check = _CHECK.match(stripped)
    if check:
        printed = _print(f"SELECT {check.group(1)}")
        return f"CHECK ({printed[7:]}){check.group(2).upper()}" if printed else text
    printed = _print(stripped)
    if printed is not None:
        return printed
    printed = _print(f"SELECT {stripped}")
    return printed[7:] if printed is not None else text
