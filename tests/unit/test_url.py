"""DatabaseURL parsing, rendering per consumer, and redaction."""

from __future__ import annotations

import pytest

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.url import DatabaseURL, redact


def test_password_never_in_str_or_repr() -> None:
    url = DatabaseURL.parse("postgresql+asyncpg://admin:s3cr%40t@db:5433/lot_management")
    assert url.password == "s3cr@t"
    for text in (str(url), repr(url), url.redacted):
        assert "s3cr" not in text
    assert str(url) == "postgresql+asyncpg://admin:***@db:5433/lot_management"


def test_libpq_env_carries_the_secret_not_argv() -> None:
    url = DatabaseURL.parse("postgresql://admin:pw@db/lot?sslmode=require&async_fallback=true")
    assert url.libpq_env() == {
        "PGDATABASE": "lot",
        "PGHOST": "db",
        "PGUSER": "admin",
        "PGPASSWORD": "pw",
        "PGSSLMODE": "require",
    }


def test_socket_url_round_trips_and_renders_per_driver() -> None:
    url = DatabaseURL.parse("postgresql://postgres@/scratch?host=/tmp/ab-x&port=5432")
    assert (url.host, url.port, url.database) == ("/tmp/ab-x", 5432, "scratch")
    assert (
        url.render("asyncpg") == "postgresql+asyncpg://postgres@/scratch?host=/tmp/ab-x&port=5432"
    )
    assert DatabaseURL.parse(url.render("psycopg2")).with_driver(None) == url
    assert url.with_database("other").libpq_kwargs()["dbname"] == "other"


@pytest.mark.parametrize(
    "text",
    ["mysql://u:p@h/db", "not a url at all", "sqlite:///x.db"],
)
def test_non_postgres_urls_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        DatabaseURL.parse(text)
    assert info.value.hint


def test_redact_free_text() -> None:
    text = (
        'connection to "postgresql://admin:hunter2@db:5432/x" failed; '
        "dsn host=db password=hunter2 user=admin"
    )
    cleaned = redact(text)
    assert "hunter2" not in cleaned
    assert "postgresql://admin:***@db:5432/x" in cleaned
