"""Revision file → :class:`RevisionFile`: its source (read with ``ast``) and its offline SQL.

Three tiers, best first, so that no revision crashes the linter:

1. the whole ``upgrade()`` / ``downgrade()`` rendered offline (every statement, in order, with the
   transaction boundaries Alembic emits around ``autocommit_block()``);
2. when a function cannot run offline (it queries the database through ``op.get_bind()``, or the
   module cannot be imported): each ``op.*`` call rendered on its own where its arguments allow;
3. otherwise the literal SQL of ``op.execute("...")`` calls, straight from the source.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Sequence
from pathlib import Path

import pglast
from pglast import ast as pg

from alembic_baseline.lint import offline, sqlfacts
from alembic_baseline.lint.model import Direction, RevisionSummary, ViewEvent
from alembic_baseline.lint.offline import Chunk
from alembic_baseline.lint.pysource import SourceInfo, read_ignores, read_source
from alembic_baseline.lint.revision import Operation, RevisionFile, Statement

_COMMIT = (
    pglast.enums.TransactionStmtKind.TRANS_STMT_COMMIT,
    pglast.enums.TransactionStmtKind.TRANS_STMT_ROLLBACK,
)


def read_revision(
    path: Path, *, archived: bool = False, sys_path: Sequence[str] = (), render: bool = True
) -> RevisionFile:
    """Read one revision file. ``render=False`` skips executing it (source and literals only)."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return _unreadable(path, "", archived, SyntaxError(f"not UTF-8 text ({exc.reason})"))
    try:
        info = read_source(source, str(path))
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes in the source
        syntax = exc if isinstance(exc, SyntaxError) else SyntaxError(str(exc))
        return _unreadable(path, source, archived, syntax)
    module: types.ModuleType | None = None
    error: str | None = None
    if render:
        try:
            module = offline.load_module(path, source, sys_path, info.tree)
        except (Exception, SystemExit) as exc:
            error = f"importing the module failed: {type(exc).__name__}: {exc}"
    statements: list[Statement] = []
    parse_errors: list[tuple[int, str]] = []
    rendered: set[Direction] = set()
    for direction in Direction:
        chunks, failure = _render(module, direction, info)
        if failure is None and module is not None:
            rendered.add(direction)
        error = error or failure
        ops = [o for o in info.operations if o.direction is direction]
        found, errors = _statements(chunks, path, direction, ops, full=direction in rendered)
        statements.extend(found)
        parse_errors.extend(errors)
    return RevisionFile(
        path=path,
        source=source,
        revision=info.revision,
        down_revisions=info.down_revisions,
        depends_on=info.depends_on,
        branch_labels=info.branch_labels,
        revision_line=info.revision_line,
        docstring_revision=info.docstring_revision,
        operations=tuple(info.operations),
        statements=tuple(statements),
        upgrade_line=info.upgrade_line,
        downgrade_line=info.downgrade_line,
        downgrade_end_line=info.downgrade_end_line,
        downgrade_is_real=info.downgrade_is_real,
        upgrade_is_empty=info.upgrade_is_empty,
        ignores=info.ignores,
        calls=tuple(info.calls),
        archived=archived,
        offline_error=error if render else None,
        rendered=frozenset(rendered),
        parse_errors=tuple(parse_errors),
    )


def _unreadable(path: Path, source: str, archived: bool, exc: SyntaxError) -> RevisionFile:
    return RevisionFile(
        path=path,
        source=source,
        revision=None,
        down_revisions=(),
        depends_on=(),
        branch_labels=(),
        revision_line=1,
        docstring_revision=None,
        operations=(),
        statements=(),
        upgrade_line=None,
        downgrade_line=None,
        downgrade_end_line=None,
        downgrade_is_real=True,  # unknown: do not pile findings on a file that does not parse
        upgrade_is_empty=True,
        ignores=read_ignores(source),
        archived=archived,
        parse_errors=((exc.lineno or 1, f"Python syntax error: {exc.msg}"),),
    )


def _render(
    module: types.ModuleType | None, direction: Direction, info: SourceInfo
) -> tuple[list[Chunk], str | None]:
    """Chunks of SQL for one direction and, when tier 1 failed, why."""
    failure: str | None = None
    if module is not None:
        try:
            return offline.render_function(module, direction.value), None
        except (Exception, SystemExit) as exc:
            failure = f"{direction.value}() cannot run offline: {type(exc).__name__}: {exc}"
    chunks: list[Chunk] = []
    for op, node in info.op_calls:
        if op.direction is not direction:
            continue
        chunks.extend(_render_one(module, op, node))
    return chunks, failure


def _render_one(module: types.ModuleType | None, op: Operation, node: ast.Call) -> list[Chunk]:
    if module is not None and op.name != "bind.execute":
        try:
            return offline.render_call(module, node, op.line)
        except (Exception, SystemExit):
            pass  # arguments that need the function's local variables: fall through
    if op.name in ("execute", "bind.execute") and op.args and isinstance(op.args[0], str):
        return [Chunk(op.args[0], op.line)]
    return []


# SQLAlchemy's text(): ``:name`` is a bind parameter (not after ``:``, a word character or a
# backslash, not before ``:``), ``\:`` a literal colon (TextClause and the compiler's escape).
_TEXT_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)
_TEXT_ESCAPE = re.compile(r"\x5c(:[\w\$]*)(?![:\w\$])", re.UNICODE)


def _positional_binds(sql: str) -> str:
    """``bind.execute(text("... :batch_size"), {...})``: the statement as the server gets it,
    each bind parameter a ``$n`` placeholder (PostgreSQL's own syntax, which its parser reads).

    Offline, such a call renders with its ``:name`` placeholders (the values are not part of the
    SQL); the literal from the source has them too. Only ``bind.execute`` gets values: an
    ``op.execute`` with an unbound ``:name`` fails online as well, so its text is left as is.
    """
    numbers: dict[str, int] = {}

    def placeholder(match: re.Match[str]) -> str:
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    return _TEXT_ESCAPE.sub(r"\1", _TEXT_BIND.sub(placeholder, sql))


def _covering(ops: Sequence[Operation], line: int) -> Operation | None:
    best: Operation | None = None
    for op in ops:
        if op.line <= line <= op.end_line and (best is None or op.line >= best.line):
            best = op
    return best


def _literal_line(op: Operation | None, text: str, offset: int) -> int | None:
    """Line of a statement inside a literal ``op.execute("...")`` whose text is the chunk."""
    if op is None or not op.literal_line or not op.args or not isinstance(op.args[0], str):
        return None
    literal = op.args[0]
    if literal.replace("\t", "    ").strip().rstrip(";") != text.rstrip(";"):
        return None
    leading = literal[: len(literal) - len(literal.lstrip())].count("\n")
    return op.literal_line + leading + text[:offset].count("\n")


def _statements(
    chunks: Sequence[Chunk],
    path: Path,
    direction: Direction,
    ops: Sequence[Operation],
    *,
    full: bool,
) -> tuple[list[Statement], list[tuple[int, str]]]:
    """Split chunks into parsed statements; track the transaction state Alembic emits."""
    statements: list[Statement] = []
    errors: list[tuple[int, str]] = []
    in_transaction = True
    for chunk in chunks:
        text = chunk.text.replace("\t", "    ").strip()
        if not text:
            continue
        op = _covering(ops, chunk.line)
        if op is not None and op.name == "bind.execute":
            text = _positional_binds(text)
        try:
            parsed = pglast.parse_sql(text)
        except pglast.parser.ParseError as exc:
            errors.append((op.line if op else chunk.line, f"SQL does not parse: {exc}"))
            continue
        several = sum(not isinstance(r.stmt, pg.TransactionStmt) for r in parsed) > 1
        for raw in parsed:
            node = raw.stmt
            if isinstance(node, pg.TransactionStmt):
                in_transaction = node.kind not in _COMMIT
                continue
            start = raw.stmt_location or 0
            sql = text[start : start + raw.stmt_len] if raw.stmt_len else text[start:]
            # Several statements in one op.execute literal: point at each one's own line.
            line = _literal_line(op, text, start) if several else None
            autocommit = not in_transaction if full else bool(op and op.in_autocommit_block)
            statements.append(
                Statement(
                    sql=sql.strip().rstrip(";"),
                    node=node,
                    path=path,
                    line=line or (op.line if op else chunk.line),
                    end_line=(line + sql.count("\n")) if line else (op.end_line if op else 0),
                    direction=direction,
                    origin=f"op.{op.name}" if op else "python",
                    in_autocommit_block=autocommit,
                    index=len(statements),
                    op_line=op.line if op else 0,
                    op_end_line=op.end_line if op else 0,
                )
            )
    return statements, errors


def summarize(rev: RevisionFile) -> RevisionSummary:
    """The cacheable part of a revision that history-wide rules read."""
    events: list[ViewEvent] = []
    for st in rev.statements_of(Direction.UPGRADE):
        created = sqlfacts.created_relation(st.node)
        if created is not None and created[0] in ("view", "matview"):
            refs = sqlfacts.referenced_relations(sqlfacts.view_query(st.node))
            events.append(ViewEvent("create", created[1], st.line, refs))
        elif isinstance(st.node, pg.DropStmt) and st.node.removeType in sqlfacts.RELATION_KINDS:
            action = "drop_cascade" if sqlfacts.is_cascade(st.node) else "drop"
            events.extend(ViewEvent(action, n, st.line) for n in sqlfacts.drop_objects(st.node))
    return RevisionSummary(
        path=str(rev.path),
        revision=rev.revision,
        down_revisions=rev.down_revisions,
        depends_on=rev.depends_on,
        branch_labels=rev.branch_labels,
        revision_line=rev.revision_line,
        archived=rev.archived,
        view_events=tuple(events),
        ignores=rev.ignores,
        offline_error=rev.offline_error,
    )
