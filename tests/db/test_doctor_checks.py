"""The runbook's checklists against real databases: backups on disk, a health endpoint, a real
deadlock between two sessions, a revision without downgrade, a baseline verified."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_doctor_support import Case, make_case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.runbook import backup as bk
from tests.helpers.projects import add_revision


@pytest.fixture
def case(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    made = make_case(pg_default, tmp_path, at="aa02")
    yield made
    pg_default.drop_database(made.db.database)


def checklist(case: Case, name: str, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = case.cli(f"check {name}", *args, fmt="json")
    assert out, err
    data = json.loads(out)
    return code, {i["name"]: i for i in data["items"]}


def take_backup(case: Case) -> Path:
    directory = case.project_dir / ".alembic-baseline" / "backups"
    name = bk.file_name(case.db.database, ("aa02",), (), datetime.now(UTC))
    return bk.take(case.db, directory, name, case.server.major).path


def test_pre_patch(case: Case) -> None:
    code, items = checklist(case, "pre-patch")
    assert code == ExitCode.OK
    assert items["downgrades"]["status"] == "pass" and "4 pending" in items["downgrades"]["detail"]
    assert items["schema-matches"]["status"] == "pass"
    assert items["single-head"]["status"] == "pass" and items["doctor"]["status"] == "pass"
    # no backup yet, but apply can take one
    assert items["backup"]["status"] == "warn" and "apply` takes" in items["backup"]["detail"]
    assert items["tested"]["status"] == "manual"
    assert items["maintenance-window"]["status"] == "manual"
    pgstat = case.project_dir / ".alembic-baseline" / "cache" / "pgstat"
    assert len(list(pgstat.glob("*.json"))) == 1  # saved for post-apply

    path = take_backup(case)
    _, items = checklist(case, "pre-patch")
    assert items["backup"]["status"] == "pass" and "readable" in items["backup"]["detail"]
    path.write_bytes(path.read_bytes()[:200])  # a truncated dump
    _, items = checklist(case, "pre-patch")
    assert items["backup"]["status"] == "fail"
    old = time.time() - 3 * 24 * 3600
    os.utime(path, (old, old))
    _, items = checklist(case, "pre-patch", "--max-backup-age", "1")
    assert items["backup"]["status"] == "warn" and "h old" in items["backup"]["detail"]

    versions = case.project_dir / "migrations" / "versions"
    add_revision(versions, "aa07", "aa06", "op.execute('CREATE TABLE t7 (id int)')", "pass")
    code, items = checklist(case, "pre-patch")
    assert code == ExitCode.FINDINGS
    assert items["downgrades"]["status"] == "fail" and "aa07" in items["downgrades"]["detail"]

    code, out, _ = case.cli("check pre-patch", fmt="markdown")
    assert out.startswith("## パッチ適用前 (`alembic-baseline check pre-patch`)")
    assert "- [ ] **メンテナンスウィンドウを確保（必要に応じて）**" in out
    assert "- [ ] ✗ **downgrade() が正しく実装されている" in out


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/health"
    server.shutdown()


def deadlock(case: Case) -> None:
    """Two sessions that lock the same two rows in opposite order: PostgreSQL aborts one."""
    case.execute("INSERT INTO items (name) VALUES ('a'), ('b')")
    one, two = connect(case.db, autocommit=False), connect(case.db, autocommit=False)
    try:
        one.execute("UPDATE items SET name = name WHERE name = 'a'")
        two.execute("UPDATE items SET name = name WHERE name = 'b'")
        failed: list[BaseException] = []

        def cross() -> None:
            try:
                one.execute("UPDATE items SET name = name WHERE name = 'b'")
            except Exception as exc:
                failed.append(exc)

        thread = threading.Thread(target=cross)
        thread.start()
        time.sleep(0.2)
        try:
            two.execute("UPDATE items SET name = name WHERE name = 'a'")
        except Exception as exc:
            failed.append(exc)
        thread.join(10)
        assert any("deadlock" in str(e) for e in failed)
    finally:
        for conn in (one, two):
            conn.rollback()
            conn.close()


def test_post_apply(case: Case, health: str) -> None:
    code, items = checklist(case, "post-apply", "--health-url", health)
    assert code == ExitCode.FINDINGS  # not at head
    assert items["current-is-head"]["status"] == "fail"
    assert items["health"]["status"] == "pass"
    assert items["pg-stat"]["status"] == "warn"  # nothing saved before: saved now
    assert items["app-logs"]["status"] == "manual" and items["performance"]["status"] == "manual"

    case.project().upgrade(case.db, "heads")
    code, items = checklist(case, "post-apply", "--health-url", health)
    assert code == ExitCode.OK, items
    assert items["current-is-head"]["status"] == "pass"
    assert items["schema-matches"]["status"] == "pass"
    assert items["pg-stat"]["status"] == "pass", items["pg-stat"]
    assert "0 deadlocks" in items["pg-stat"]["detail"]

    deadlock(case)
    time.sleep(0.7)  # the statistics collector reports at most every 500 ms
    _Health.status = 503
    try:
        code, items = checklist(
            case, "post-apply", "--health-url", health, "--health-timeout", "0.5"
        )
    finally:
        _Health.status = 200
    assert code == ExitCode.FINDINGS
    assert items["pg-stat"]["status"] == "fail" and "1 deadlocks" in items["pg-stat"]["detail"]
    assert items["health"]["status"] == "fail" and "HTTP 503" in items["health"]["detail"]


def test_pre_baseline(pg_default: ScratchServer, tmp_path: Path) -> None:
    case = make_case(pg_default, tmp_path)
    code, items = checklist(case, "pre-baseline")
    assert code == ExitCode.FINDINGS
    assert items["all-applied"]["status"] == "pass"
    assert items["backup"]["status"] == "fail"  # the runbook's own step: required here
    assert items["baseline-tested"]["status"] == "manual"  # no baseline yet
    assert items["ci"]["status"] == "manual"
    take_backup(case)
    code, _, err = case.cli("baseline create", "--rev-id", "baseline_x")
    assert code == ExitCode.OK, err
    code, items = checklist(case, "pre-baseline")
    assert code == ExitCode.OK, items
    assert items["baseline-tested"]["status"] == "pass"
    assert "equal" in items["baseline-tested"]["detail"]
    pg_default.drop_database(case.db.database)
