"""Edit a revision file's ``down_revision`` and its "Revises:" line, nothing else (pure).

The assignment is located with :mod:`ast` and only the string literal's characters are replaced,
so formatting, comments, annotations (``down_revision: Union[str, None] = "…"``) and the quote
style stay as they were. The "Revises:" line is only touched inside the module docstring.
"""

from __future__ import annotations

import ast
import re

_REVISES = re.compile(r"^(\s*Revises:\s*)(.*?)(\s*)$")


class RewriteError(ValueError):
    """The file does not declare ``down_revision = "<old>"`` as a plain string literal."""


def _offset(lines: list[str], lineno: int, col: int) -> int:
    """Character offset in the source of (1-based line, UTF-8 byte column), as ast reports."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col].decode("utf-8"))


def _down_value(tree: ast.Module) -> ast.expr | None:
    for node in tree.body:
        value: ast.expr | None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "down_revision":
            return value
    return None


def rewrite_down_revision(source: str, old: str, new: str) -> str:
    """``source`` with ``down_revision`` changed from ``old`` to ``new``, and the docstring's
    "Revises: old" line with it."""
    tree = ast.parse(source)
    value = _down_value(tree)
    if not (isinstance(value, ast.Constant) and value.value == old):
        raise RewriteError(f'down_revision is not the string literal "{old}"')
    assert value.end_lineno is not None and value.end_col_offset is not None
    lines = source.splitlines(keepends=True)
    start = _offset(lines, value.lineno, value.col_offset)
    end = _offset(lines, value.end_lineno, value.end_col_offset)
    literal = source[start:end]
    quote = literal[-1] if literal[-1] in "'\"" else '"'
    source = f"{source[:start]}{quote}{new}{quote}{source[end:]}"
    return _revises(source, old, new)


def _revises(source: str, old: str, new: str) -> str:
    tree = ast.parse(source)
    doc = tree.body[0] if tree.body else None
    if not (
        isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
        and isinstance(doc.value.value, str)
    ):
        return source
    lines = source.splitlines(keepends=True)
    assert doc.end_lineno is not None
    for index in range(doc.lineno - 1, doc.end_lineno):
        body = lines[index].rstrip("\r\n")
        match = _REVISES.match(body)
        if match and match.group(2) == old:
            ending = lines[index][len(body) :]
            lines[index] = f"{match.group(1)}{new}{match.group(3)}{ending}"
            break
    return "".join(lines)
