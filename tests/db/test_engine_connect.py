"""SQLAlchemy engines (env.py's, repair's) connect through the bounded early-timeout retry."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from alembic_baseline.pg.engine_connect import retrying_engines
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.versions import OLD_SQLALCHEMY

# The early-timeout retry is for psycopg 3 engines, which need SQLAlchemy 2.0.
pytestmark = pytest.mark.skipif(OLD_SQLALCHEMY, reason="psycopg 3 engines need SQLAlchemy 2.0")


def _connect_timeout(url: DatabaseURL) -> str | None:
    engine = create_engine(url.render("psycopg"), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
            raw = conn.connection.dbapi_connection
            assert raw is not None
            return dict(raw.info.get_parameters()).get("connect_timeout")  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_psycopg_engines_connect_through_the_retry(default_db: DatabaseURL) -> None:
    assert _connect_timeout(default_db) is None  # SQLAlchemy alone: one plain psycopg.connect
    with retrying_engines():
        # the hook connected (psycopg's default time, now explicit per attempt) and the
        # connection it returned is the engine's, fully usable
        assert _connect_timeout(default_db) == "130"
        with retrying_engines():  # nested: still one listener, still active after
            pass
        assert _connect_timeout(default_db) == "130"
    assert _connect_timeout(default_db) is None  # removed again


def test_the_url_timeout_is_kept(default_db: DatabaseURL) -> None:
    url = DatabaseURL.parse(default_db.render("psycopg") + "&connect_timeout=7")
    with retrying_engines():
        assert _connect_timeout(url) == "7"
