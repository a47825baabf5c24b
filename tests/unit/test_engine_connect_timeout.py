"""An engine whose server never answers still fails after its connect_timeout with the retry on."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from test_connect import silent_server

from alembic_baseline.pg.engine_connect import retrying_engines
from tests.helpers.versions import OLD_SQLALCHEMY

# The early-timeout retry is for psycopg 3 engines, which need SQLAlchemy 2.0.
pytestmark = pytest.mark.skipif(OLD_SQLALCHEMY, reason="psycopg 3 engines need SQLAlchemy 2.0")

__all__ = ["silent_server"]  # the fixture, shared with test_connect


def test_a_silent_server_fails_after_the_timeout(silent_server: Path) -> None:
    url = f"postgresql+psycopg://app:s3cret@/prod?host={silent_server}&port=5432&connect_timeout=2"
    engine = create_engine(url, poolclass=NullPool)
    start = time.monotonic()
    with retrying_engines(), pytest.raises(OperationalError) as info:
        engine.connect()
    elapsed = time.monotonic() - start
    assert 1.9 <= elapsed < 4.0  # bounded: a real timeout is not retried past the deadline
    assert isinstance(info.value.orig, psycopg.errors.ConnectionTimeout)
