"""Read a revision file's Python with :mod:`ast`: identifiers, ``op.*`` calls, plain calls, ignores.

Nothing is executed here. Argument values are kept when the source spells them as literals (or as
calls such as ``sa.Column("name", sa.String(20))``, kept as :class:`Expr`), so rules can compare
``upgrade()`` with ``downgrade()`` even for a revision that cannot be rendered offline.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from alembic_baseline.history.code import is_trivial_body
from alembic_baseline.lint.model import Direction, IgnoreDirectives
from alembic_baseline.lint.revision import Call, Operation

_IGNORE = re.compile(r"#\s*alembic-baseline:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")
_REVISION_ID = re.compile(r"^\s*Revision ID:\s*(\S+)", re.MULTILINE)
_SQL_WRAPPERS = {"text", "sa.text", "sqlalchemy.text", "dedent", "textwrap.dedent"}
_OPENERS = {"open", "io.open", "codecs.open", "builtins.open"}
_PATH_METHODS = {"read_text", "read_bytes", "open", "write_text", "write_bytes"}
# op.* helpers that emit nothing themselves.
_NOT_OPERATIONS = {"get_context", "get_bind", "f", "inline_literal", "batch_alter_table"}
_PATH_TYPES = {"Path", "pathlib.Path", "PurePath", "pathlib.PurePath"}
_CALL_WORDS = ("open", "read_", "write_")
"""Every name in :data:`_OPENERS` and :data:`_PATH_METHODS` contains one of these."""
# batch_op methods take the same arguments as op.* minus the table name, inserted here.
_BATCH_TABLE_POSITION = {
    "add_column": 0,
    "drop_column": 0,
    "alter_column": 0,
    "create_index": 1,
    "drop_index": 1,
    "create_foreign_key": 1,
    "create_unique_constraint": 1,
    "create_check_constraint": 1,
    "create_primary_key": 1,
    "drop_constraint": 1,
}


@dataclass(frozen=True)
class Expr:
    """A non-literal argument: a name (``sa.Integer``) or a call (``sa.String(20)``)."""

    func: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    called: bool = True


@dataclass
class SourceInfo:
    """Everything read from the source; ``op_calls`` pairs each operation with its AST node."""

    revision: str | None = None
    down_revisions: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    revision_line: int = 1
    docstring_revision: str | None = None
    upgrade_line: int | None = None
    downgrade_line: int | None = None
    downgrade_end_line: int | None = None
    downgrade_is_real: bool = False
    upgrade_is_empty: bool = True
    operations: list[Operation] = field(default_factory=list)
    op_calls: list[tuple[Operation, ast.Call]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    ignores: IgnoreDirectives = field(default_factory=IgnoreDirectives)
    constants: dict[str, str] = field(default_factory=dict)
    tree: ast.Module | None = None
    """The parsed module (compiled from it, the source is parsed once)."""


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def value_of(node: ast.AST, constants: Mapping[str, str] | None = None) -> Any:
    """A literal's value, an :class:`Expr` for names and calls, None when unknowable."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        if name is None:
            return None
        return Expr(
            name,
            tuple(value_of(a, constants) for a in node.args),
            {k.arg: value_of(k.value, constants) for k in node.keywords if k.arg},
        )
    name = dotted(node)
    return Expr(name, called=False) if name else None


def literal_sql(node: ast.AST, constants: Mapping[str, str]) -> tuple[str, ast.AST] | None:
    """The SQL text of ``"..."``, ``sa.text("...")``, ``dedent("...")`` or a module constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, node
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id], node
    if isinstance(node, ast.Call) and dotted(node.func) in _SQL_WRAPPERS and node.args:
        return literal_sql(node.args[0], constants)
    return None


def read_source(source: str, filename: str) -> SourceInfo:
    """Parse ``source``; raises :class:`SyntaxError` for a file Python cannot compile."""
    tree = ast.parse(source, filename)
    info = SourceInfo(ignores=read_ignores(source))
    # not cleaned (dedented): the pattern allows any indentation; cleaning was 3% of a worker
    doc = ast.get_docstring(tree, clean=False)
    if doc and (m := _REVISION_ID.search(doc)):
        info.docstring_revision = m.group(1)
    _read_module_names(tree, info)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in (
            "upgrade",
            "downgrade",
        ):
            _read_function(node, Direction(node.name), info)
    # Each call _plain_calls keeps names an opener or a path method in the source's own words:
    # without those words there is none (walking the whole tree was 8% of a worker's profile).
    if any(word in source for word in _CALL_WORDS):
        info.calls = list(_plain_calls(tree))
    info.tree = tree
    return info


def read_ignores(source: str) -> IgnoreDirectives:
    lines: dict[int, frozenset[str]] = {}
    whole: set[str] = set()
    if "alembic-baseline:" not in source:
        return IgnoreDirectives()
    for number, text in enumerate(source.splitlines(), start=1):
        if "#" not in text:
            continue
        for m in _IGNORE.finditer(text):
            codes = frozenset(
                c.strip().upper() for c in (m.group(2) or "*").split(",") if c.strip()
            )
            codes = codes or frozenset({"*"})
            if m.group(1) == "ignore-file":
                whole |= codes
            else:
                lines[number] = lines.get(number, frozenset()) | codes
    return IgnoreDirectives(lines, frozenset(whole))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _read_module_names(tree: ast.Module, info: SourceInfo) -> None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        literal = value_of(value)
        if isinstance(literal, str):
            info.constants[target.id] = literal
        if target.id == "revision":
            info.revision = literal if isinstance(literal, str) else None
            info.revision_line = node.lineno
        elif target.id == "down_revision":
            info.down_revisions = _strings(literal)
        elif target.id == "depends_on":
            info.depends_on = _strings(literal)
        elif target.id == "branch_labels":
            info.branch_labels = _strings(literal)


def _read_function(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, direction: Direction, info: SourceInfo
) -> None:
    if direction is Direction.UPGRADE:
        info.upgrade_line = fn.lineno
        info.upgrade_is_empty = is_trivial_body(fn.body)
    else:
        info.downgrade_line = fn.lineno
        info.downgrade_end_line = fn.end_lineno
        info.downgrade_is_real = not is_trivial_body(fn.body)
    reader = _OpReader(direction, info)
    for stmt in fn.body:
        reader.visit(stmt)


class _OpReader(ast.NodeVisitor):
    """Collects op.* (and batch_op.*, bind.execute) calls, noting autocommit blocks."""

    def __init__(self, direction: Direction, info: SourceInfo) -> None:
        self.direction = direction
        self.info = info
        self.autocommit = False
        self.batch: dict[str, Any] = {}  # ``as`` name → table of op.batch_alter_table
        self.binds: set[str] = set()  # names assigned from op.get_bind()

    def visit_With(self, node: ast.With) -> None:
        saved = self.autocommit
        for item in node.items:
            expr = item.context_expr
            name = dotted(expr.func) if isinstance(expr, ast.Call) else None
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
                if expr.func.attr == "autocommit_block":
                    self.autocommit = True
                elif name == "op.batch_alter_table" and isinstance(item.optional_vars, ast.Name):
                    table = value_of(expr.args[0]) if expr.args else None
                    self.batch[item.optional_vars.id] = table
            self.visit(expr)
        for stmt in node.body:
            self.visit(stmt)
        self.autocommit = saved

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and dotted(node.value.func) == "op.get_bind":
            self.binds.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        op = self._operation(node)
        if op is not None:
            self.info.operations.append(op)
            self.info.op_calls.append((op, node))
        self.generic_visit(node)

    def _operation(self, node: ast.Call) -> Operation | None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        owner = dotted(func.value)
        args = [value_of(a, self.info.constants) for a in node.args]
        name = func.attr
        if owner == "op":
            if name in _NOT_OPERATIONS:
                return None
        elif owner in self.batch and name in _BATCH_TABLE_POSITION:
            args.insert(_BATCH_TABLE_POSITION[name], self.batch[owner])
        elif owner in self.binds and name == "execute":
            name = "bind.execute"
        elif isinstance(func.value, ast.Call) and dotted(func.value.func) == "op.get_bind":
            if name != "execute":
                return None
            name = "bind.execute"
        else:
            return None
        literal_line = 0
        if name in ("execute", "bind.execute") and node.args:
            found = literal_sql(node.args[0], self.info.constants)
            if found is not None:
                args[0] = found[0]
                literal_line = found[1].lineno if isinstance(found[1], ast.Constant) else 0
        return Operation(
            name=name,
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            direction=self.direction,
            args=tuple(args),
            kwargs={k.arg: value_of(k.value, self.info.constants) for k in node.keywords if k.arg},
            arg_sources=tuple(ast.unparse(a) for a in [*node.args, *node.keywords]),
            in_autocommit_block=self.autocommit,
            literal_line=literal_line,
        )


def literal_path(node: ast.AST) -> str | None:
    """The path a literal spells: ``"x"``, ``f"x/{y}"``, ``Path("x")``, ``os.path.join("x")``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return literal_path(node.left)
    if isinstance(node, ast.Call) and node.args:
        name = dotted(node.func)
        if name in _PATH_TYPES or name in ("os.path.join", "join"):
            return literal_path(node.args[0])
    return None


def _plain_calls(tree: ast.AST) -> Iterator[Call]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in _OPENERS and node.args:
            yield Call(name, node.lineno, literal_path(node.args[0]))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS:
            target = node.func.value
            while isinstance(target, ast.BinOp):
                target = target.left
            if isinstance(target, ast.Call) and dotted(target.func) in _PATH_TYPES:
                yield Call(f"Path.{node.func.attr}", node.lineno, literal_path(target))
