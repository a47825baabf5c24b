"""examples/multitenant with plain ``alembic``: tenant schemas, and start-up migrations once.

Real processes run ``alembic -c schemas.ini upgrade head -x tenant=NAME`` against tenant schemas
of one scratch database; the start-up race is made certain by holding the tenant's advisory
lock in the test until every replica waits for it. One major: nothing here differs by version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from alembic_baseline import compat, lockkey, tenant
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import REPO, add_revision

EXAMPLE = REPO / "examples" / "multitenant"
HEAD = "e7f8a9b0c166"
LONG = "tenant_with_a_deliberately_long_schema_name_of_sixty_three_byte"  # 63 bytes
TENANTS = ("acme", "Globex-Corp", LONG)
Conn = psycopg.Connection[tuple[object, ...]]


@pytest.fixture
def db(default_db: DatabaseURL) -> Iterator[Conn]:
    conn = psycopg.connect(**default_db.libpq_kwargs(), autocommit=True)
    for name in TENANTS:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield conn
    conn.close()


def _env(url: DatabaseURL, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != lockkey.HELD_ENV}
    env["DATABASE_URL"] = url.render(compat.sqlalchemy_driver("psycopg"))
    env["PYTHONPATH"] = str(REPO / "src")
    return {**env, **extra}


def _alembic(
    project: Path, url: DatabaseURL, tenant_name: str, **extra: str
) -> subprocess.Popen[str]:
    ini = str(project / "schemas.ini")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            ini,
            "-x",
            f"tenant={tenant_name}",
            "upgrade",
            "head",
        ],
        env=_env(url, **extra),
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def _recorded(conn: Conn, schema: str) -> list[object]:
    query = sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))
    return [r[0] for r in conn.execute(query)]


def test_tenant_schemas_upgrade_with_plain_alembic(db: Conn, default_db: DatabaseURL) -> None:
    procs = [
        _alembic(EXAMPLE, default_db, name) for name in TENANTS
    ]  # concurrently: no global lock
    results = [_finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0], results
    secrets = set()
    for name in TENANTS:
        assert _recorded(db, name) == [HEAD]
        tables = {
            r[0]
            for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (name,))
        }
        assert "subscription_invoice_line_item_adjustments_for_tax_corrections" in tables
        assert {"accounts", "users", "plans", "project_memberships", "alembic_version"} <= tables
        plans = db.execute(sql.SQL("SELECT count(*) FROM {}.plans").format(sql.Identifier(name)))
        assert plans.fetchone() == (3,)
        secret = db.execute(
            sql.SQL(
                "SELECT value FROM {}.tenant_settings WHERE key = 'webhook_signing_secret'"
            ).format(sql.Identifier(name))
        ).fetchone()
        assert secret is not None
        secrets.add(secret[0])
    assert len(secrets) == len(TENANTS)  # the seed ran once per tenant, with its own value
    public = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert public == (0,)  # nothing leaked outside the tenant schemas


def _waiting(conn: Conn, key: tuple[int, int]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 2",
        key,
    ).fetchone()
    return int(row[0]) if row else 0


def test_replicas_starting_together_migrate_once(
    db: Conn,
    default_db: DatabaseURL,
    tmp_path: Path,
) -> None:
    project = tmp_path / "multitenant"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    # the revision every replica wants to run: it counts its runs in a side table
    add_revision(
        project / "versions",
        "f0000000ab01",
        HEAD,
        "op.execute('INSERT INTO public.startup_runs (backend) VALUES (pg_backend_pid())')",
        "pass",
    )
    db.execute("CREATE TABLE public.startup_runs (backend int)")
    key = lockkey.key(default_db.database, "acme")
    holder = psycopg.connect(**default_db.libpq_kwargs(), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s, %s)", key)  # a deploy in progress
    try:
        replicas = [_alembic(project, default_db, "acme") for _ in range(4)]
        deadline = time.monotonic() + 90
        while _waiting(db, key) < 4:  # every replica passed its first check and waits
            assert all(p.poll() is None for p in replicas), [_finish(p) for p in replicas]
            assert time.monotonic() < deadline, "the replicas never all waited for the lock"
            time.sleep(0.05)
    finally:
        holder.close()
    results = [_finish(p) for p in replicas]
    assert [code for code, _ in results] == [0, 0, 0, 0], "\n".join(e for _, e in results)
    assert db.execute("SELECT count(*) FROM public.startup_runs").fetchone() == (1,)
    assert _recorded(db, "acme") == ["f0000000ab01"]
    logs = "".join(err for _, err in results)
    assert logs.count("tenant schema 'acme' migrated") == 1, logs
    assert logs.count("was migrated meanwhile by another process") == 3, logs


# -- in-process: the helper's own paths ----------------------------------------------------------


def _upgrade(
    url: DatabaseURL, tenant_name: str, monkeypatch: pytest.MonkeyPatch, **env: str
) -> None:
    from alembic import command
    from alembic.config import Config

    monkeypatch.setenv("DATABASE_URL", url.render(compat.sqlalchemy_driver("psycopg")))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = Config(str(EXAMPLE / "schemas.ini"), cmd_opts=Namespace(x=[f"tenant={tenant_name}"]))
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def test_at_head_one_statement_then_return(
    db: Conn,
    default_db: DatabaseURL,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _upgrade(default_db, "acme", monkeypatch)
    statements: list[str] = []
    timings: list[float] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    original = tenant.run_migrations_once

    def timed(**kwargs: float) -> bool:
        before = len(statements)
        start = time.perf_counter()
        ran = original(**kwargs)
        timings.append(time.perf_counter() - start)
        del statements[:before]
        return ran

    monkeypatch.setattr(tenant, "run_migrations_once", timed)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        _upgrade(default_db, "acme", monkeypatch)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "array_agg" in statements[0], statements
    assert timings and timings[0] < 0.5, timings
    print(f"\nrun_migrations_once at head: {timings[0] * 1000:.2f} ms, 1 statement")


def test_lock_held_elsewhere_bounded_wait_and_clear_error(
    db: Conn,
    default_db: DatabaseURL,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = lockkey.key(default_db.database, "acme")
    holder = psycopg.connect(
        **default_db.libpq_kwargs(), autocommit=True, application_name="nightly-fleet-apply"
    )
    holder.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        start = time.monotonic()
        with pytest.raises(tenant.LockTimeout) as raised:
            _upgrade(default_db, "acme", monkeypatch, MIGRATION_LOCK_TIMEOUT="1")
        waited = time.monotonic() - start
    finally:
        holder.close()
    assert 1.0 <= waited < 10, waited
    message = raised.value.message
    assert message.startswith(
        f"Gave up after 1 s waiting for the migration lock of database '{default_db.database}', "
        "tenant schema 'acme': another session holds it (server pid "
    ), message
    assert "application_name 'nightly-fleet-apply'" in message
    assert db.execute("SELECT to_regclass('acme.alembic_version')").fetchone() == (None,)


def test_runner_holding_the_lock_is_not_waited_for(
    db: Conn,
    default_db: DatabaseURL,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = lockkey.key(default_db.database, "acme")
    runner = psycopg.connect(**default_db.libpq_kwargs(), autocommit=True)
    runner.execute("SELECT pg_advisory_lock(%s, %s)", key)  # as fleet apply / apply's guard do
    try:
        with lockkey.holding(key):
            _upgrade(default_db, "acme", monkeypatch, MIGRATION_LOCK_TIMEOUT="1")
    finally:
        runner.close()
    assert _recorded(db, "acme") == [HEAD]


def test_not_a_schema_fails_clearly_and_creates_nothing(
    db: Conn,
    default_db: DatabaseURL,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alembic.util import CommandError

    with pytest.raises(tenant.TenantError) as raised:
        _upgrade(default_db, "acme-typo", monkeypatch)
    assert str(raised.value).startswith(
        f"The tenant 'acme-typo' (-x tenant=acme-typo) is not a schema of database "
        f"'{default_db.database}'; nothing was migrated.\n  hint: Check the name"
    )
    # a CommandError: plain `alembic` prints it as one "FAILED: ..." line, no traceback
    assert isinstance(raised.value, CommandError)
    user_tables = db.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname <> ALL('{pg_catalog,information_schema}')"
    )
    assert user_tables.fetchone() == (0,)
