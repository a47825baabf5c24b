"""Faults during a patch: each leaves the database consistent, loses nothing, says what to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, add_revision, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.scratch import LocalCluster, ScratchServer


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def test_failing_revision_in_the_middle_of_three(env: Env) -> None:
    add_revision(
        env,
        "d4000004",
        "d3000003",
        "op.execute('CREATE TABLE later (id int)')",
        "op.execute('DROP TABLE later')",
    )
    env.project().downgrade(env.db, "base")
    code, _, err = env.cli("apply", "--no-backup", x=("fail=d2",))
    assert code == ExitCode.USAGE
    assert "stopped at revision d2000002" in err and "division by zero" in err
    assert "database_is_at: d1000001" in err
    assert env.current() == ("d1000001",)  # the failed revision rolled back, nothing after it ran
    assert env.columns("items") == ["id", "name"]
    record = env.records()[-1]
    assert record["outcome"] == "failed" and record["stopped_at"] == ["d1000001"]
    statuses = [(s["revision"], s["status"]) for s in record["steps"]]
    assert statuses == [
        ("d1000001", "done"),
        ("d2000002", "failed"),
        ("d3000003", "pending"),
        ("d4000004", "pending"),
    ]
    assert "d1000001" in record["next_steps"][0] and "Fix revision d2000002" in err


def test_lock_timeout_when_another_session_holds_the_table(env: Env) -> None:
    holder = connect(env.db, autocommit=False)
    try:
        holder.execute("SELECT * FROM items FOR UPDATE")  # a row lock: ALTER TABLE must wait
        code, _, err = env.cli(
            "apply", "--no-backup", "--lock-timeout", "300ms", "--lock-retries", "0"
        )
    finally:
        holder.rollback()
        holder.close()
    assert code == ExitCode.USAGE
    assert "lock timeout" in err and "pg_stat_activity" in err and "--lock-timeout" in err
    assert env.current() == ("d1000001",)
    assert env.records()[-1]["settings"]["lock_timeout"] == "300ms"


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_timeouts_reach_the_projects_driver(env: Env, driver: str) -> None:
    url = env.db.with_driver(driver).render(driver)
    code, out, err = env.cli(
        "apply", "--no-backup", "--lock-timeout", "1234ms", "--statement-timeout", "2min", url=url
    )
    assert code == ExitCode.OK, out + err
    row = env.scalar("SELECT lock_timeout || ' ' || statement_timeout FROM deploy_session")
    assert row == "1234ms 2min"


def test_timeouts_reach_an_asyncpg_project(pg_default: ScratchServer, tmp_path: Path) -> None:
    env = make_env(pg_default, tmp_path, "deploy_async", at=None)
    code, out, err = env.cli("apply", "--no-backup", "--lock-timeout", "750ms")
    assert code == ExitCode.OK, out + err
    assert env.scalar("SELECT lock_timeout FROM deploy_session") == "750ms"
    pg_default.drop_database(env.db.database)


def test_no_space_for_the_backup_refuses_before_touching_the_database(env: Env) -> None:
    code, _, err = env.cli("apply", "--min-free-bytes", str(10**18))
    assert code == ExitCode.UNSAFE
    assert "failed: backup" in err and "not enough space" in err and "--backup-dir" in err
    # Skipping the checklist item does not skip the space check in front of pg_dump.
    code, _, err = env.cli("apply", "--min-free-bytes", str(10**18), "--skip-check", "backup")
    assert code == ExitCode.UNSAFE and "Not enough space for the backup" in err
    assert env.current() == ("d1000001",) and env.backups() == []
    record = env.records()[-1]
    assert record["outcome"] == "refused" and record["steps"] == []


def test_unknown_revision_in_the_version_table_is_refused(env: Env) -> None:
    with connection(env.db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'deadbeef0000'")
    code, out, _ = env.cli("status")
    assert code == ExitCode.FINDINGS and "doctor" in out
    code, _, err = env.cli("apply")
    assert code == ExitCode.UNSAFE
    assert "deadbeef0000" in err and "alembic-baseline doctor" in err
    assert env.records()[-1]["outcome"] == "refused" and env.backups() == []


def test_revision_without_downgrade_blocks_apply_unless_skipped(env: Env) -> None:
    env.project().upgrade(env.db, "heads")
    add_revision(env, "d4000004", "d3000003", "op.execute('CREATE TABLE later (id int)')")
    code, _, err = env.cli("apply", "--no-backup")
    assert code == ExitCode.UNSAFE and "downgrades" in err and "d4000004" in err
    assert env.current() == ("d3000003",)
    code, _, err = env.cli("apply", "--no-backup", "--skip-check", "downgrades")
    assert code == ExitCode.OK, err
    code, _, err = env.cli("rollback", "--steps", "1")
    assert code == ExitCode.UNSAFE and "no real downgrade" in err and "--restore" in err
    assert env.current() == ("d4000004",)
    assert env.cli("apply", "--skip-check", "nonsense")[0] == ExitCode.USAGE


def test_schema_drift_blocks_apply(env: Env) -> None:
    with connection(env.db) as conn:
        conn.execute("ALTER TABLE items ADD COLUMN hotfix int")
    code, out, _ = env.cli("status")
    assert code == ExitCode.FINDINGS and "column public.items.hotfix: extra" in out
    code, _, err = env.cli("apply", "--no-backup")
    assert code == ExitCode.UNSAFE and "schema-matches" in err
    assert env.current() == ("d1000001",)


def test_missing_database_and_unreachable_host(env: Env) -> None:
    missing = env.server.url("ab_no_such_database").render("psycopg")
    code, _, err = env.cli("apply", url=missing)
    assert code == ExitCode.USAGE and "does not exist" in err and "createdb" in err
    code, _, err = env.cli("status", url="postgresql://app:secret@127.0.0.1:1/app")
    assert code == ExitCode.USAGE and "No PostgreSQL server answers" in err
    assert "secret" not in err


def test_wrong_password(env: Env) -> None:
    """A role that must authenticate by password on the test server's socket (trust elsewhere)."""
    if not isinstance(env.server, LocalCluster):
        pytest.skip("needs the suite's own cluster to change pg_hba.conf")
    admin = env.server.admin()
    hba = Path(str(admin.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
    original = hba.read_text()
    admin.execute("DROP ROLE IF EXISTS ab_pw_user")
    admin.execute("CREATE ROLE ab_pw_user LOGIN PASSWORD 'right-one'")
    # First matching line wins: only this role is asked for a password.
    hba.write_text("local all ab_pw_user scram-sha-256\n" + original)
    admin.execute("SELECT pg_reload_conf()")
    try:
        bad = env.db.render("psycopg").replace("postgres@", "ab_pw_user:wrong-one@")
        code, _, err = env.cli("apply", url=bad)
    finally:
        hba.write_text(original)
        admin.execute("SELECT pg_reload_conf()")
        admin.execute("DROP ROLE ab_pw_user")
    assert code == ExitCode.USAGE
    assert "rejected the credentials" in err and "wrong-one" not in err
    assert env.current() == ("d1000001",) and env.backups() == []
    assert env.records()[-1]["outcome"] == "error"
