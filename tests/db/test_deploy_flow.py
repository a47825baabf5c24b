"""status → plan → apply (backup, verify, record) → rollback (downgrade, restore), for real."""

from __future__ import annotations

import hashlib
import http.server
import json
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.commands.deploy import status
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health() -> Iterator[str]:
    """A tiny local application: /health answers 200, anything else 503."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_status_shows_pending_and_schema_match_with_warm_cache(env: Env) -> None:
    code, out, err = env.cli("status")
    assert code == ExitCode.OK, err
    assert "d1000001" in out and "2 revision(s)" in out
    assert "d2000002  add item note" in out and "schema equals revision d1000001" in out
    warm = status(env.project().settings, url=env.db.render("psycopg"), server=env.server)
    assert warm.schema is not None and warm.schema.cached and warm.schema.matches
    assert [p.id for p in warm.pending] == ["d2000002", "d3000003"]


def test_plan_renders_only_the_pending_sql(env: Env, tmp_path: Path) -> None:
    out_file = tmp_path / "migration_plan.sql"
    code, out, err = env.cli("plan", "--out", str(out_file))
    assert code == ExitCode.OK, err
    sql = out_file.read_text()
    assert "ALTER TABLE items ADD COLUMN note TEXT" in sql
    assert "CREATE TABLE orders" in sql
    assert "CREATE TABLE items" not in sql  # rendered from d1000001, not from an empty database
    assert "-- from d1000001 to heads (d3000003)" in sql
    # The locks section names the non-concurrent index on the existing table, not the new one.
    assert "CREATE INDEX ix_items_name" in out and "SHARE on items" in out
    assert "✓ downgrades" in out and "✓ schema-matches" in out and "! long-locks" in out
    assert env.current() == ("d1000001",)  # plan never writes


def test_apply_backs_up_applies_verifies_and_records(env: Env, health: str) -> None:
    code, out, err = env.cli(
        "apply",
        "--health-url",
        f"{health}/health",
        "--check-sql",
        "SELECT count(*) = 3 FROM items",
        "--lock-timeout",
        "2s",
    )
    assert code == ExitCode.OK, out + err
    assert env.current() == ("d3000003",)
    assert "upgrade 1/2: d2000002" in out and "upgrade 2/2: d3000003" in out
    [record] = env.records()
    assert record["outcome"] == "ok"
    assert record["from_revisions"] == ["d1000001"] and record["stopped_at"] == ["d3000003"]
    assert [s["status"] for s in record["steps"]] == ["done", "done"]
    assert {i["name"]: i["status"] for i in record["verification"]["items"]} == {
        "revision": "pass",
        "schema": "pass",
        "health": "pass",
        "sql-1": "pass",
    }
    backup = Path(record["backup"]["path"])
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert record["backup"]["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    assert record["backup"]["entries"] > 3 and "d1000001" in backup.name
    run_dir = backup.parents[1] / "runs" / record["id"]
    assert "ALTER TABLE items ADD COLUMN note" in (run_dir / "migration_plan.sql").read_text()
    assert "# alembic-baseline apply — ok" in (run_dir / "record.md").read_text()
    # A second apply finds nothing to do (and records that too).
    code, out, _ = env.cli("apply", "--no-backup", json=True)
    assert code == ExitCode.OK and json.loads(out)["outcome"] == "ok"
    assert env.records()[-1]["next_steps"][0].startswith("Nothing")


def test_failed_health_check_is_verify_failed_with_rollback_advice(env: Env, health: str) -> None:
    code, out, _ = env.cli(
        "apply",
        "--no-backup",
        "--health-url",
        f"{health}/down",
        "--health-timeout",
        "1",
        "--check-sql",
        "SELECT false",
    )
    assert code == ExitCode.FINDINGS
    record = env.records()[-1]
    assert record["outcome"] == "verify_failed"
    failed = [i["name"] for i in record["verification"]["items"] if i["status"] == "fail"]
    assert failed == ["health", "sql-1"]
    assert "HTTP 503" in out and "rollback --to d1000001" in " ".join(record["next_steps"])


def test_rollback_by_steps_then_restore_from_the_backup(env: Env) -> None:
    assert env.cli("apply")[0] == ExitCode.OK
    apply_id = env.records()[0]["id"]
    with connection(env.db) as conn:
        conn.execute("INSERT INTO orders (item_id) VALUES (1)")
    code, out, err = env.cli("rollback", "--steps", "1")
    assert code == ExitCode.OK, out + err
    assert env.current() == ("d2000002",) and "orders" not in _tables(env)
    # Restore the apply run's backup: guarded by --yes (stdin is not a terminal here).
    code, _, err = env.cli("rollback", "--restore", apply_id)
    assert code == ExitCode.UNSAFE and "--yes" in err
    # Rows written since the backup: listed, and the restore refused until that is confirmed.
    code, out, err = env.cli("rollback", "--restore", apply_id, "--yes")
    assert code == ExitCode.UNSAFE, out + err
    assert "public.deploy_session: 1 row(s) now, table not in the backup" in err
    assert "--discard-new-rows" in err and env.current() == ("d2000002",)
    code, out, err = env.cli("rollback", "--restore", apply_id, "--yes", "--discard-new-rows")
    assert code == ExitCode.OK, out + err
    assert env.current() == ("d1000001",)
    assert env.columns("items") == ["id", "name"]
    assert env.scalar("SELECT count(*) FROM items") == 3
    record = env.records()[-1]
    assert record["restored_from"].endswith(".dump") and record["backup"]  # safety backup
    assert {i["name"]: i["status"] for i in record["verification"]["items"]}["schema"] == "pass"


def test_restore_refuses_a_changed_backup_file(env: Env) -> None:
    assert env.cli("apply")[0] == ExitCode.OK
    record = env.records()[0]
    with open(record["backup"]["path"], "ab") as fh:
        fh.write(b"tampered")
    code, _, err = env.cli("rollback", "--restore", record["id"], "--yes")
    assert code == ExitCode.UNSAFE and "not the file that was recorded" in err
    assert env.current() == ("d3000003",)


def test_plan_rehearse_on_a_copy_of_production(env: Env) -> None:
    out_file = str(env.project_dir / "plan.sql")
    code, out, err = env.cli(
        "plan", "--rehearse", "--reference-table", "items", "--out", out_file, json=True
    )
    assert code == ExitCode.OK, err
    plan = json.loads(out)
    rehearsal = plan["rehearsal"]
    assert rehearsal["ok"] and set(rehearsal["seconds"]) == {"copy", "d2000002", "d3000003"}
    assert any("table public.orders: created" in c for c in rehearsal["changes"])
    assert rehearsal["schema"]["matches"] is True
    assert {c["name"]: c["status"] for c in plan["checks"]}["tested"] == "pass"
    assert env.current() == ("d1000001",)


def _tables(env: Env) -> set[str]:
    return {
        str(r)
        for r in env.scalar(
            "SELECT array_agg(tablename::text) FROM pg_tables WHERE schemaname = 'public'"
        )
    }
