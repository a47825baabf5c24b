"""Helpers of the doctor tests: a project copy, its "production" database on the test server,
the CLI in-process against both, and real broken states (no tests in this module)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline import compat, settings
from alembic_baseline.cli import main
from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import InspectOptions, inspect

BACKGROUND_THREADS = ("ab-identify", "ab-scratch-create", "ab-live-snapshot")
PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@dataclass
class Case:
    """A project copy (runs and caches go inside it) and a database of it."""

    server: ScratchServer
    project_dir: Path
    db: DatabaseURL

    @property
    def ini(self) -> Path:
        return self.project_dir / "alembic.ini"

    def project(self) -> AlembicProject:
        return AlembicProject(settings.load(config=str(self.ini)))

    def cli(self, command: str, *args: str, fmt: str | None = None) -> tuple[int, str, str]:
        scratch = self.server.admin_url.render("psycopg")
        head = ["-c", str(self.ini), "--scratch-url", scratch]
        head += ["--format", fmt] if fmt else []
        tail = ["--url", self.db.render()]  # the case's own driver (asyncpg for an async env)
        argv = [*head, *command.split(), *tail, *args]
        out, err = io.StringIO(), io.StringIO()
        code = main(argv, out, err)
        return code, out.getvalue(), err.getvalue()

    def doctor(self, *args: str) -> tuple[int, dict[str, Any]]:
        code, out, err = self.cli("doctor", *args, fmt="json")
        assert out, err
        return code, dict(json.loads(out))

    def codes(self, *args: str) -> list[str]:
        return [d["code"] for d in self.doctor(*args)[1]["diagnoses"]]

    def execute(self, *statements: str) -> None:
        with connection(self.db) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def rows(self) -> list[str]:
        with connection(self.db) as conn:
            return sorted(
                str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")
            )

    def records(self) -> list[dict[str, Any]]:
        runs = self.project_dir / ".alembic-baseline" / "runs"
        return [json.loads((d / "record.json").read_text()) for d in sorted(runs.iterdir())]

    def left_behind(self) -> list[str]:
        """What a finished command left running or created on the scratch server: its
        background threads and replay databases (none may outlive the command)."""
        threads = [t.name for t in threading.enumerate() if t.name.startswith(BACKGROUND_THREADS)]
        with connection(self.server.admin_url) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ab\\_identify\\_%'"
            ).fetchall()
        return threads + [str(r[0]) for r in rows]

    def upgrade_differs_from_fresh(self) -> list[str]:
        """`alembic upgrade head`, then what differs from a fresh build (empty: the same)."""
        project = self.project()
        project.upgrade(self.db, "heads")
        fresh = self.server.create_database()
        try:
            project.upgrade(fresh, "heads")
            diff = compare(
                snapshot(fresh), snapshot(self.db), CompareOptions(ignore_column_order=True)
            )
        finally:
            self.server.drop_database(fresh.database)
        return [str(c.key) for c in diff.changes]


def snapshot(url: DatabaseURL) -> Any:
    with connection(url) as conn:
        return inspect(conn, InspectOptions())


def make_case(
    server: ScratchServer, tmp_path: Path, name: str = "doctor_app", at: str | None = "heads"
) -> Case:
    project_dir = tmp_path / name
    shutil.copytree(PROJECTS / name, project_dir, ignore=shutil.ignore_patterns("__pycache__"))
    case = Case(server, project_dir, server.create_database())
    if at is not None:
        case.project().upgrade(case.db, at)
    return case


def kill_during_concurrent_index(case: Case, target: str, table: str) -> None:
    """Run `alembic upgrade target` in a subprocess, and SIGKILL it while its CREATE INDEX
    CONCURRENTLY waits for a writer another session holds open — the server notices the dead
    client (client_connection_check_interval) and stops, leaving the index INVALID."""
    holder = connect(case.db, autocommit=False)
    holder.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE".encode())  # a writer, in flight
    env = {
        **os.environ,
        # plain `alembic` reads it: a driver the installed SQLAlchemy has (psycopg2 on 1.4)
        "DATABASE_URL": case.db.render(compat.sqlalchemy_driver("psycopg")),
        "PGOPTIONS": "-c client_connection_check_interval=100",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic", "-c", str(case.ini), "upgrade", target],
        env=env,
        cwd=case.project_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pid = _wait_for(case.db, "CREATE INDEX CONCURRENTLY")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        _wait_gone(case.db, pid)
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.rollback()
        holder.close()


def _wait_for(url: DatabaseURL, statement: str, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    with connection(url) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND query ILIKE %s AND wait_event_type = 'Lock'",
                (f"%{statement}%",),
            ).fetchone()
            if row:
                return int(str(row[0]))
            time.sleep(0.05)
    raise AssertionError(f"{statement} never waited on a lock")


def _wait_gone(url: DatabaseURL, pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with connection(url) as conn:
        while time.monotonic() < deadline:
            if (
                conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
                is None
            ):
                return
            time.sleep(0.05)
    raise AssertionError("the killed migration's backend did not stop")
