"""Reading revisions: AST facts, offline SQL mapped to lines, transaction state, fallbacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lintcases import revision_source, write_revisions

from alembic_baseline.lint.extract import read_revision, summarize
from alembic_baseline.lint.model import Direction


def _write(tmp_path: Path, source: str, name: str = "a1b2c3d4e5f6_case.py") -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), start=1) if text in line)


def test_statements_map_to_their_op_calls_and_literal_lines(tmp_path: Path) -> None:
    source = revision_source(
        {
            "upgrade": 'op.add_column("lots", sa.Column("note", sa.Text()))\n'
            'op.execute("""\n'
            "    DROP VIEW IF EXISTS v CASCADE;\n"
            "    CREATE VIEW v AS\n"
            "    SELECT id FROM lots;\n"
            '""")\n'
            "with op.get_context().autocommit_block():\n"
            '    op.create_index("ix_a", "lots", ["a"], postgresql_concurrently=True)\n'
            "op.execute(\"UPDATE lots SET note = '50%'\")",
            "downgrade": 'op.drop_column("lots", "note")',
        }
    )
    rev = read_revision(_write(tmp_path, source))
    assert rev.offline_error is None and rev.rendered == frozenset(Direction)
    ups = rev.statements_of(Direction.UPGRADE)
    assert [(s.kind, s.line, s.in_autocommit_block) for s in ups] == [
        ("AlterTableStmt", _line(source, "op.add_column"), False),
        ("DropStmt", _line(source, "DROP VIEW"), False),
        ("ViewStmt", _line(source, "CREATE VIEW"), False),
        ("IndexStmt", _line(source, '"ix_a"'), True),
        ("UpdateStmt", _line(source, "UPDATE lots"), False),
    ]
    assert ups[2].end_line == _line(source, "SELECT id FROM lots")
    assert ups[1].op_line == _line(source, 'op.execute("""')
    assert ups[4].sql == "UPDATE lots SET note = '50%'"  # no %% doubling
    origins = ["op.add_column", "op.execute", "op.execute", "op.create_index", "op.execute"]
    assert [s.origin for s in ups] == origins
    assert rev.downgrade_is_real and not rev.upgrade_is_empty
    events = summarize(rev).view_events
    assert [(e.action, e.name, e.refs) for e in events] == [
        ("drop_cascade", "v", ()),
        ("create", "v", ("lots",)),
    ]


def test_a_revision_that_queries_the_database_falls_back_call_by_call(tmp_path: Path) -> None:
    source = revision_source(
        {
            "upgrade": 'op.add_column("lots", sa.Column("note", sa.Text()))\n'
            'count = op.get_bind().execute(sa.text("SELECT count(*) FROM lots")).scalar()\n'
            "if count:\n"
            "    op.execute(\"UPDATE lots SET note = 'x'\")\n"
            'op.create_index("ix_a", "lots", [f"note_{count}"])',
            "downgrade": 'op.drop_column("lots", "note")',
        }
    )
    rev = read_revision(_write(tmp_path, source))
    assert rev.offline_error and "upgrade() cannot run offline" in rev.offline_error
    assert rev.rendered == frozenset({Direction.DOWNGRADE})
    ups = rev.statements_of(Direction.UPGRADE)
    # add_column and the literal UPDATE render; create_index needs a local variable: skipped
    # here, but still known from the source as an operation.
    assert [s.kind for s in ups] == ["AlterTableStmt", "SelectStmt", "UpdateStmt"]
    assert "create_index" in [o.name for o in rev.operations_of(Direction.UPGRADE)]


def test_a_module_that_cannot_be_imported_keeps_its_literal_sql(tmp_path: Path) -> None:
    source = revision_source(
        {
            "header": "from myapp.models import Base  # not importable here\n",
            "upgrade": 'op.execute("CREATE INDEX ix_a ON lots (a)")',
        }
    )
    rev = read_revision(_write(tmp_path, source))
    assert rev.offline_error and "ModuleNotFoundError" in rev.offline_error
    assert [s.kind for s in rev.statements] == ["IndexStmt"]
    assert rev.statements[0].line == _line(source, "CREATE INDEX")


def test_module_level_identifiers_and_docstring(tmp_path: Path) -> None:
    source = revision_source(
        {
            "revision": "b2c3d4e5f6a7",
            "down_revision": ["aaaaaaaaaaaa", "bbbbbbbbbbbb"],
            "branch_labels": ["baseline"],
        }
    )
    rev = read_revision(_write(tmp_path, source, "b2c3d4e5f6a7_merge.py"))
    assert rev.revision == rev.docstring_revision == "b2c3d4e5f6a7"
    assert rev.down_revisions == ("aaaaaaaaaaaa", "bbbbbbbbbbbb")
    assert rev.is_merge and rev.is_baseline
    assert rev.revision_line == _line(source, "revision = ")
    assert rev.upgrade_is_empty and not rev.downgrade_is_real


def test_context_helpers_work_offline(tmp_path: Path) -> None:
    source = revision_source(
        {
            "header": "from alembic import context\n",
            "upgrade": "args = context.get_x_argument(as_dictionary=True)\n"
            "if context.is_offline_mode():\n"
            '    op.execute("SELECT 1")',
        }
    )
    rev = read_revision(_write(tmp_path, source))
    assert rev.offline_error is None
    assert [s.sql for s in rev.statements_of(Direction.UPGRADE)] == ["SELECT 1"]


def test_batch_operations_are_read_with_their_table(tmp_path: Path) -> None:
    source = revision_source(
        {
            "upgrade": 'with op.batch_alter_table("lots") as batch_op:\n'
            '    batch_op.add_column(sa.Column("note", sa.Text()))\n'
            '    batch_op.create_index("ix_note", ["note"])',
        }
    )
    rev = read_revision(_write(tmp_path, source), render=False)
    ops = {o.name: o.args for o in rev.operations}
    assert ops["add_column"][0] == "lots"
    assert ops["create_index"][:2] == ("ix_note", "lots")


def test_unreadable_files_are_parse_errors_not_crashes(tmp_path: Path) -> None:
    latin1 = tmp_path / "a1b2c3d4e5f6_latin1.py"
    latin1.write_bytes('revision = "a1b2c3d4e5f6"  # caf\xe9\n'.encode("latin-1"))
    rev = read_revision(latin1)
    assert rev.parse_errors and "not UTF-8" in rev.parse_errors[0][1]
    nul = _write(tmp_path, 'revision = "x"\n\0\n', "x_nul.py")
    assert read_revision(nul).parse_errors


_VARIED_SQL = [
    "CREATE TABLE s.t (id bigint PRIMARY KEY, x numeric(10, 2) DEFAULT 1.5 NOT NULL, "
    "c char(1) CHECK (c IN ('a', 'b')) REFERENCES u (c) ON DELETE CASCADE)",
    'ALTER TABLE t ADD COLUMN y text COLLATE "C", ALTER COLUMN x TYPE float8 USING x::float8',
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t USING gin (x) WHERE y > 0.5",
    "CREATE VIEW v AS SELECT a, count(*) FILTER (WHERE b) OVER (PARTITION BY a) FROM t "
    "JOIN u USING (id) WHERE z = ANY (ARRAY[1, 2]) GROUP BY a HAVING sum(x) > 1e3",
    "UPDATE t SET x = x + 1 WHERE id IN (SELECT id FROM u LIMIT 10) RETURNING *",
    "CREATE TYPE status AS ENUM ('a', 'b'); ALTER TYPE status ADD VALUE 'c' AFTER 'b'",
    "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
    "BEGIN; COMMENT ON TABLE t IS 'x'; DROP TABLE IF EXISTS a, b CASCADE; COMMIT",
    "SELECT 1.5::numeric, B'101', X'ff', true, null, -2147483649, $1",
]


def test_nodes_parsed_unchecked_are_those_parsed_checked() -> None:
    """Inside :func:`compat.pglast_unchecked_nodes` the parser's trees are the same, positions
    included; outside it (after it, and nested in it) pglast checks attributes as it did."""
    import pglast
    import pytest
    from pglast import ast as pg

    from alembic_baseline.compat import pglast_unchecked_nodes as unchecked_nodes

    checked = [pglast.parse_sql(sql) for sql in _VARIED_SQL]
    with unchecked_nodes():
        assert pg.Node.__setattr__ is object.__setattr__
        with unchecked_nodes():  # nested: leaves the switch alone
            pass
        assert pg.Node.__setattr__ is object.__setattr__
        unchecked = [pglast.parse_sql(sql) for sql in _VARIED_SQL]
    assert unchecked == checked
    assert [[s() for s in t] for t in unchecked] == [[s() for s in t] for t in checked]
    with pytest.raises(ValueError, match="Bad value"):
        pg.RangeVar(relname=1)


def test_a_lint_chunk_parses_without_pglast_attribute_checks(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Issue 18 (lint, empty cache): the checks were a third of parsing, which was a quarter of
    a worker's time. Counted with a wrapper standing for pglast's own ``__setattr__``."""
    from pglast import ast as pg

    from alembic_baseline.lint import engine
    from alembic_baseline.lint.config import from_section

    calls: list[str] = []
    validated = pg.Node.__dict__["__setattr__"]

    def counting(self: Any, name: str, value: Any) -> None:
        calls.append(name)
        validated(self, name, value)

    monkeypatch.setattr(pg.Node, "__setattr__", counting)
    specs = [
        {"revision": "a1b2c3d4e5f6", "upgrade": 'op.create_index("ix_a", "lots", ["a"])'},
        {"revision": "b1b2c3d4e5f6", "upgrade": 'op.execute("ALTER TABLE t ADD x int")'},
    ]
    targets = write_revisions(tmp_path, specs)
    results = engine._lint_chunk(targets, from_section({}), [])
    assert all(r.findings for r in results)  # the SQL was parsed and checked by the rules
    assert calls == []
    pg.RangeVar(relname="t")  # checked again after the chunk
    assert calls
