"""Bounded waits without a database: durations, defaults, settings, retry pauses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.deploy.apply import retry_pause
from alembic_baseline.deploy.options import DeployOptions
from alembic_baseline.errors import ConfigError
from alembic_baseline.pg import waits


def test_waits_render_startup_options_and_refuse_sql() -> None:
    assert waits.Waits("1s", "5min").startup_options() == (
        "-c lock_timeout=1s -c statement_timeout=5min"
    )
    with pytest.raises(ConfigError):
        waits.Waits("1s; DROP TABLE x", "0")


@pytest.mark.parametrize(
    ("text", "expected"), [("0", 0.0), ("250", 0.25), ("500ms", 0.5), ("2s", 2.0), ("1min", 60.0)]
)
def test_seconds(text: str, expected: float) -> None:
    assert waits.seconds(text) == expected


def test_retry_pause_doubles_up_to_a_minute() -> None:
    assert [retry_pause("2s", n) for n in (1, 2, 3, 7)] == [2.0, 4.0, 8.0, 60.0]
    assert retry_pause("100ms", 1) == 0.1


def test_lock_retry_options_are_validated(tmp_path: Path) -> None:
    base = DeployOptions(tmp_path, tmp_path, tmp_path)
    assert (base.lock_timeout, base.lock_retries, base.lock_retry_wait) == ("2s", 3, "2s")
    assert base.with_overrides(lock_retries=0).lock_retries == 0
    with pytest.raises(ConfigError):
        base.with_overrides(lock_retries=-1)
    with pytest.raises(ConfigError):
        base.with_overrides(lock_retry_wait="soon")


def test_read_waits_from_pyproject_and_environment(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic-baseline]\nread_lock_timeout = "3s"\nread_statement_timeout = "1min"\n'
    )
    loaded = settings.load(cwd=tmp_path, environ={})
    assert (loaded.read_lock_timeout, loaded.read_statement_timeout) == ("3s", "1min")
    env = {"ALEMBIC_BASELINE_READ_LOCK_TIMEOUT": "750ms"}
    assert settings.load(cwd=tmp_path, environ=env).read_lock_timeout == "750ms"
    assert (
        settings.load(cwd=Path("/"), environ={}).read_lock_timeout
        == settings.DEFAULT_READ_LOCK_TIMEOUT
    )


def test_blockers_are_described_with_what_was_wanted() -> None:
    b = waits.Blocker(
        42,
        "lot-api",
        "app",
        "idle in transaction",
        "2026-12-02 13:00:00",
        "LOCK TABLE items",
        "AccessShareLock on items",
    )
    text = waits.describe((b,))
    assert text.startswith("AccessShareLock on items, held by pid 42 (application_name 'lot-api'")
    assert waits.describe(()) == ""


@pytest.mark.parametrize(
    ("lock_timeout", "first"), [("0", 0.5), ("2s", 0.5), ("600ms", 0.4), ("60ms", 0.05)]
)
def test_a_watched_session_is_first_looked_at_half_a_second_in(
    lock_timeout: str, first: float
) -> None:
    # a statement that ends sooner (most catalog reads) never costs the watcher a connection;
    # a short lock_timeout is still seen before it fires
    from alembic_baseline.pg.url import DatabaseURL

    watcher = waits._Watcher()
    url = DatabaseURL.parse("postgresql://nobody@/none?host=/nonexistent")
    before = time.monotonic()
    watcher.add(1, url, "reading", lock_timeout)
    try:
        due = watcher._entries[1].next_poll - before
        assert first <= due < first + 0.05
        limit = waits.seconds(lock_timeout)
        assert not limit or due < limit
    finally:
        watcher.remove(1)
