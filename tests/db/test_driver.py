"""Driving a project's own env.py: URL override, drivers, version table, autocommit, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.errors import MigrationError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
HEAD = "3c4d5e6f7a8b"


def project(name: str = "mini", *x: str) -> AlembicProject:
    return AlembicProject(settings.load(config=str(PROJECTS / name / "alembic.ini"), x_args=x))


def columns(url: DatabaseURL, table: str) -> list[str]:
    with connection(url) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_upgrade_downgrade_current_on_every_major(fresh_db: DatabaseURL) -> None:
    p = project()
    result = p.upgrade(fresh_db, "head")
    assert len(result.steps) == 3
    assert p.current_heads(fresh_db) == (HEAD,)
    assert columns(fresh_db, "customers") == ["id", "email", "note"]
    with connection(fresh_db) as conn:
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_customers_email'::regclass"
        ).fetchone()
    assert valid == (True,)  # built CONCURRENTLY inside the autocommit block
    p.downgrade(fresh_db, "1a2b3c4d5e6f")
    assert p.current_heads(fresh_db) == ("1a2b3c4d5e6f",)
    assert columns(fresh_db, "customers") == ["id", "email"]


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_project_driver_is_used(default_db: DatabaseURL, driver: str) -> None:
    p = project()
    p.upgrade(default_db.with_driver(driver), "1a2b3c4d5e6f")
    assert p.current_heads(default_db) == ("1a2b3c4d5e6f",)


def test_async_env_py_with_asyncpg(default_db: DatabaseURL) -> None:
    p = project("async_env")
    assert p.driver == "asyncpg"  # taken from the project's own sqlalchemy.url
    p.upgrade(default_db, "head")  # the scratch URL is rendered for asyncpg, socket and all
    assert p.current_heads(default_db) == ("1a2b3c4d5e6f",)
    assert columns(default_db, "customers") == ["id", "email"]


def test_custom_version_table_and_schema(default_db: DatabaseURL) -> None:
    p = project("mini", "version_table=schema_history", "version_schema=meta")
    p.upgrade(default_db, "head")
    with connection(default_db) as conn:
        rows = conn.execute("SELECT version_num FROM meta.schema_history").fetchall()
        plain = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
    assert rows == [(HEAD,)]
    assert plain == (None,)
    assert p.current_heads(default_db) == (HEAD,)


def test_failing_revision_names_the_step_and_keeps_last_good(default_db: DatabaseURL) -> None:
    p = project("mini", "fail=3c4d")
    with pytest.raises(MigrationError) as info:
        p.upgrade(default_db, "head")
    assert "2b3c4d5e6f7a -> 3c4d5e6f7a8b" in info.value.message
    assert "division by zero" in info.value.message
    # transaction_per_migration: the two earlier revisions stay applied, the failed one rolled back
    assert p.current_heads(default_db) == ("2b3c4d5e6f7a",)
    assert columns(default_db, "customers") == ["id", "email"]


def test_url_env_is_restored_after_a_run(
    default_db: DatabaseURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@elsewhere/app")
    p = project()
    p.upgrade(default_db, "1a2b3c4d5e6f")
    import os

    assert os.environ["DATABASE_URL"] == "postgresql://someone@elsewhere/app"


def test_offline_sql_without_database() -> None:
    sql = project().offline_sql("1a2b3c4d5e6f:head")
    assert "CREATE INDEX CONCURRENTLY ix_customers_email" in sql
    assert "ALTER TABLE customers ADD COLUMN note TEXT" in sql
    assert "CREATE TABLE customers" not in sql  # started from 1a2b…, not from empty


def test_unknown_revision_in_database_points_to_doctor(pg_default: ScratchServer) -> None:
    url = pg_default.create_database()
    with connection(url) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('deadbeef0000')")
    with pytest.raises(MigrationError) as info:
        project().upgrade(url, "head")
    assert "deadbeef0000" in info.value.message
    assert info.value.hint is not None and "doctor" in info.value.hint


def test_unreachable_or_missing_database_is_a_connection_error(pg_default: ScratchServer) -> None:
    from alembic_baseline.errors import DatabaseError

    p = project()
    with pytest.raises(DatabaseError) as info:
        p.current_heads(DatabaseURL.parse("postgresql://admin:s3cret@127.0.0.1:1/x"))
    assert "No PostgreSQL server answers" in info.value.message
    assert "s3cret" not in info.value.message and info.value.hint
    with pytest.raises(DatabaseError) as info:
        p.upgrade(pg_default.url("no_such_database"), "head")
    assert "does not exist" in info.value.message
    assert info.value.hint and "createdb" in info.value.hint
