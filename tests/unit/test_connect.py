"""Connecting: psycopg's early "connection timeout expired" is retried within the timeout; a
server that never answers still fails after the timeout, as one paragraph with a hint."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.connect import connect, until_timeout
from alembic_baseline.pg.url import DatabaseURL


class Early(Exception):
    pass


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_early_timeout_is_tried_again_with_the_time_left() -> None:
    clock = Clock()
    given: list[float] = []

    def attempt(remaining: float) -> str:
        given.append(remaining)
        clock.now += 0.01  # psycopg gave up at once: long before the deadline
        if len(given) < 3:
            raise Early("connection timeout expired")
        return "connected"

    assert until_timeout(attempt, 10.0, Early, clock) == "connected"
    assert given[0] == 10.0 and given[1] == pytest.approx(9.99) and given[2] < given[1]


def test_a_timeout_at_the_deadline_is_raised() -> None:
    clock = Clock()
    calls = 0

    def attempt(remaining: float) -> str:
        nonlocal calls
        calls += 1
        clock.now += remaining  # a real timeout: the whole time passed
        raise Early("connection timeout expired")

    with pytest.raises(Early):
        until_timeout(attempt, 10.0, Early, clock)
    assert calls == 1


def test_other_errors_are_not_retried() -> None:
    calls = 0

    def attempt(remaining: float) -> str:
        nonlocal calls
        calls += 1
        raise ValueError("password authentication failed")

    with pytest.raises(ValueError):
        until_timeout(attempt, 10.0, Early, Clock())
    assert calls == 1


@pytest.fixture
def silent_server(tmp_path: Path) -> Iterator[Path]:
    """A unix socket named like a PostgreSQL one that accepts and never says a word."""
    path = tmp_path / ".s.PGSQL.5432"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield tmp_path
    finally:
        stop.set()
        thread.join()
        for s in accepted:
            s.close()
        listener.close()


def test_a_server_that_never_answers_fails_after_the_timeout(silent_server: Path) -> None:
    url = DatabaseURL.parse(
        f"postgresql+psycopg://app:s3cret@/prod?host={silent_server}&port=5432&connect_timeout=2"
    )
    start = time.monotonic()
    with pytest.raises(DatabaseError) as info:
        connect(url)
    elapsed = time.monotonic() - start
    assert 1.9 <= elapsed < 4.0
    assert "No PostgreSQL server answers" in info.value.message
    assert "s3cret" not in info.value.message and info.value.hint
