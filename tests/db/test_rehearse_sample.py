"""``plan --rehearse --sample-rows N``: production's rows make the rehearsal meet real data."""

from __future__ import annotations

import json
from pathlib import Path

from test_deploy_support import add_revision, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer


def test_sampled_rows_make_the_rehearsal_fail_where_production_would(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    env = make_env(pg_default, tmp_path, at="d3000003")
    try:
        with connection(env.db) as conn:  # production: 3 seeded items and two duplicated names
            conn.execute("INSERT INTO items (name) VALUES ('bolt'), ('bolt'), ('nut')")
            conn.execute("INSERT INTO orders (item_id) SELECT id FROM items")
        add_revision(
            env,
            "d4000004",
            "d3000003",
            'op.create_index("uq_items_name", "items", ["name"], unique=True)',
            'op.drop_index("uq_items_name", "items")',
        )
        out_file = str(env.project_dir / "plan.sql")
        code, out, err = env.cli("plan", "--rehearse", "--out", out_file, json=True)
        assert code == ExitCode.OK, err
        assert json.loads(out)["rehearsal"]["ok"] is True  # the schema alone: no duplicates

        code, out, err = env.cli(
            "plan", "--rehearse", "--sample-rows", "4", "--out", out_file, json=True
        )
        rehearsal = json.loads(out)["rehearsal"]
        assert rehearsal["ok"] is False, err
        assert 'could not create unique index "uq_items_name"' in rehearsal["error"]
        assert rehearsal["sampled_rows"] == 9  # 4 of 6 items, 4 of 6 orders, deploy_session's 1
        assert "sample" in rehearsal["seconds"]

        # production untouched, and no scratch copy left behind
        assert env.scalar("SELECT count(*) FROM items") == 6
        assert env.scalar("SELECT to_regclass('uq_items_name') IS NULL") is True
        assert env.current() == ("d3000003",)
        with connection(pg_default.admin_url) as admin:
            left = admin.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'ab_rehearse%'"
            ).fetchone()
        assert left is not None and left[0] == 0
    finally:
        pg_default.drop_database(env.db.database)
