"""A very large schema (2,000 tables, 4,000 indexes) loads at default max_locks_per_transaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.errors import MigrationError
from alembic_baseline.pg import binaries, tools
from tests.db.conftest import MAJORS, server_for
from tests.helpers.projects import FIXTURES, cli, copy_project, project

CHUNK = "-- alembic-baseline:chunk"
PROLOGUE = "-- alembic-baseline:prologue"
BIG = '''"""two thousand tables

Revision ID: 000000000001
Revises:
Create Date: 2026-01-01 00:00:00
"""
from alembic import op

revision = "000000000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():  # one transaction per 200 tables
        for start in range(0, 2000, 200):
            op.execute(
                "DO $$ BEGIN FOR i IN %d..%d LOOP "
                "EXECUTE format('CREATE TABLE t%%s (id int PRIMARY KEY, a int, b text)', i); "
                "EXECUTE format('CREATE INDEX ON t%%s (a)', i); "
                "EXECUTE format('CREATE INDEX ON t%%s (b)', i); "
                "END LOOP; END $$" % (start, start + 199)
            )


def downgrade() -> None:
    for i in range(2000):
        op.execute(f"DROP TABLE t{i}")
'''


def test_large_schema_loads_in_chunks_where_one_transaction_fails(tmp_path: Path) -> None:
    major = min(MAJORS)
    if major > 16:
        pytest.skip("the lock-table limit is shown on PostgreSQL 15/16")
    server = server_for(major)
    ini = copy_project(FIXTURES / "mini", tmp_path)
    versions = ini.parent / "migrations" / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    (versions / "000000000001_two_thousand_tables.py").write_text(BIG)
    code, out, err = cli("-c", str(ini), "--pg-major", str(major), "--json",
                         "baseline", "create", "--from-history")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["chunks"] > 1
    fresh = server.create_database()
    project(ini).upgrade(fresh, "heads")  # default max_locks_per_transaction = 64
    assert project(ini).current_heads(fresh) == ("000000000001",)

    # offline (--sql), for a DBA to run with psql: also one transaction per chunk
    offline = project(ini).offline_sql("heads")
    assert offline.count("BEGIN;") > json.loads(out)["chunks"]
    script = tmp_path / "offline.sql"
    script.write_text(offline)
    by_psql = server.create_database()
    tools.psql_file(binaries.find_client(major, "psql").bindir, by_psql, script)
    assert project(ini).current_heads(by_psql) == ("000000000001",)

    # the same SQL as a single transaction needs more locks than the server has
    sql = next((ini.parent / "migrations" / "baselines").glob("*.sql"))
    lines = [ln for ln in sql.read_text().splitlines() if not ln.startswith(CHUNK)]
    start = lines.index(PROLOGUE)
    lines.insert(start + 1 + next(i for i, ln in enumerate(lines[start + 1 :]) if not ln.strip()),
                 f"{CHUNK} 1/1")  # fmt: skip
    sql.write_text("\n".join(lines))
    with pytest.raises(MigrationError, match=r"out of shared memory"):
        project(ini).upgrade(server.create_database(), "heads")
