"""What a revision file's code says, read from its syntax tree (nothing is imported or run):
whether ``downgrade()`` really undoes it, whether it changes nothing either way, whether it
opens ``autocommit_block()``. Deploy's checks, doctor's diagnoses and lint's rules ask these.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path


def is_trivial_body(body: Sequence[ast.stmt]) -> bool:
    """Only a docstring, ``pass``, ``...`` and/or a ``raise`` (NotImplementedError): no way
    back."""
    for stmt in body:
        if isinstance(stmt, ast.Pass | ast.Raise):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring or ``...``
        return False
    return True


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def _does_nothing(fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """Only a docstring, ``pass`` and/or ``...``: it runs and changes nothing (no ``raise``)."""
    return fn is not None and all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in fn.body
    )


def is_no_op(path: Path) -> bool:
    """Whether the revision changes nothing either way: ``upgrade()`` and ``downgrade()`` are
    both only a docstring / ``pass`` / ``...`` — a merge revision (``alembic merge heads``) or
    the bridge revision of a baseline. Its empty downgrade is the exact inverse of its upgrade.
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    return _does_nothing(_function(tree, "upgrade")) and _does_nothing(_function(tree, "downgrade"))


def has_real_downgrade(path: Path) -> bool:
    """Whether ``alembic downgrade`` really undoes the revision file.

    True when ``downgrade()`` does something (not pass/raise/docstring), and for a revision that
    changes nothing (:func:`is_no_op`: merges, the baseline's bridge), whose empty downgrade is
    correct. False for an upgrade that changes the schema with a ``pass`` downgrade, and for an
    empty upgrade whose downgrade raises (``alembic downgrade`` would stop there).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    fn = _function(tree, "downgrade")
    if fn is not None and not is_trivial_body(fn.body):
        return True
    return _does_nothing(_function(tree, "upgrade")) and _does_nothing(fn)


def uses_autocommit_block(path: Path, function: str = "upgrade") -> bool:
    """Whether ``function`` opens ``autocommit_block()`` (its statements commit one by one)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    fn = _function(tree, function)
    return fn is not None and any(
        isinstance(n, ast.Attribute) and n.attr == "autocommit_block" for n in ast.walk(fn)
    )
