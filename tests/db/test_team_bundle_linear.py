"""``bundle`` of a linear range, on the oldest and the newest supported Alembic/SQLAlchemy pair.

tests/db/test_team_bundle.py uses the sample project (SQLAlchemy 2.0 only, a branch and a merge);
this one uses the ``mini`` fixture grown to seven revisions in one line (an autocommit block, a
view, a rename), so `make test-oldest` runs it too: the rollback SQL comes from
``compat.downgrade_steps`` (one-parent steps answered without walking the history), and must
undo what the upgrade files did, applied with the real psql, from base and from the middle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import Snapshot, inspect
from tests.helpers.projects import FIXTURES, add_revision, cli, copy_project, project

MIDDLE = "2b3c4d5e6f7a"
ADDED = [
    ("4d5e6f7a8b9c", "op.execute('CREATE VIEW customer_emails AS SELECT id, email FROM customers')",
     "op.execute('DROP VIEW customer_emails')"),
    ("5e6f7a8b9c0d", "op.alter_column('customers', 'note', new_column_name='remark')",
     "op.alter_column('customers', 'remark', new_column_name='note')"),
    ("6f7a8b9c0d1e", "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))",
     "op.drop_table('orders')"),
    ("7a8b9c0d1e2f", "op.add_column('orders', sa.Column('total', sa.Numeric(10, 2)))",
     "op.drop_column('orders', 'total')"),
]  # fmt: skip
HEAD = ADDED[-1][0]


def snap(url: DatabaseURL) -> Snapshot:
    with connection(url) as conn:
        return inspect(conn)


def versions(url: DatabaseURL) -> list[str]:
    with connection(url) as conn:
        found = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
        if not found or not found[0]:
            return []
        return sorted(str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version"))


@pytest.fixture
def linear(tmp_path: Path) -> Path:
    ini = copy_project(FIXTURES / "mini", tmp_path / "proj")
    versions_dir = ini.parent / "migrations" / "versions"
    down = "3c4d5e6f7a8b"
    for rev, up, undo in ADDED:
        add_revision(versions_dir, rev, down, up, undo)
        down = rev
    return ini


@pytest.mark.parametrize("start", [None, MIDDLE], ids=["from-base", "from-middle"])
def test_linear_bundle_applies_and_rolls_back_with_psql(
    pg_default: ScratchServer, tmp_path: Path, linear: Path, start: str | None
) -> None:
    at_start = pg_default.create_database()
    if start is not None:
        project(linear).upgrade(at_start, start)
    before = snap(at_start)
    by_psql = pg_default.create_database(template=at_start.database)
    by_alembic = pg_default.create_database(template=at_start.database)

    out = tmp_path / "bundle"
    code, stdout, stderr = cli(
        "-c", str(linear), "--json", "bundle", f"{start or 'base'}:head", "-o", str(out)
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    expected = 7 if start is None else 5
    assert result["complete"] and len(result["revisions"]) == expected
    assert result["rollback"] == list(reversed(result["revisions"]))
    assert result["no_rollback"] == []

    psql = binaries.find_client(pg_default.major, "psql").bindir
    tools.psql_file(psql, by_psql, out / "apply.sql")
    project(linear).upgrade(by_alembic, "head")
    diff = compare(snap(by_alembic), snap(by_psql))
    assert diff.is_empty, diff.changes[:5]
    assert versions(by_psql) == [HEAD]

    tools.psql_file(psql, by_psql, out / "rollback" / "rollback.sql")
    # from base: no row is left (Alembic 1.8 also drops the table offline; newer ones keep it)
    assert versions(by_psql) == ([start] if start else [])
    back = compare(before, snap(by_psql), CompareOptions(ignore_column_order=True))
    assert back.is_empty, back.changes[:5]
