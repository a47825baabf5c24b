"""Quoting of identifiers and literals by PostgreSQL's own rules (as ``quote_ident`` and
``quote_literal`` do), so that generated DDL reads like pg_dump's: ``public.users``, not
``"public"."users"``, and ``"User"`` or ``"select"`` quoted because they must be.

The DDL generator is pure (it runs without a connection), which is why this is not
``psycopg.sql``: its ``Identifier`` always quotes and its ``as_string`` wants a connection.
"""

from __future__ import annotations

import re
from functools import cache

_SAFE = re.compile(r"^[a-z_][a-z0-9_$]*$")


@cache
def _keywords() -> frozenset[str]:
    # Every keyword but the unreserved ones needs quoting as an identifier (quote_ident's rule).
    from pglast import keywords

    return frozenset(
        keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
    )


def ident(name: str) -> str:
    """``name`` as an identifier, double-quoted only when PostgreSQL requires it."""
    if _SAFE.match(name) and name not in _keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """``schema.name`` with each part quoted as needed (no schema part when it is empty)."""
    return f"{ident(schema)}.{ident(name)}" if schema else ident(name)


def literal(value: str) -> str:
    """A string literal (standard_conforming_strings: only quotes are doubled)."""
    if "\\" in value:
        # E'' keeps the meaning whatever standard_conforming_strings is set to.
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + value.replace("'", "''") + "'"


def dollar_quote(body: str, tag: str = "function") -> str:
    """``$tag$body$tag$`` with a tag that does not occur in ``body``."""
    candidate, n = tag, 0
    while f"${candidate}$" in body:
        n += 1
        candidate = f"{tag}{n}"
    return f"${candidate}${body}${candidate}$"
