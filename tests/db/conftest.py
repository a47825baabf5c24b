"""Real PostgreSQL servers for db tests: one scratch cluster per available major, per session.

Majors: every major this machine can run (Debian's 15, the embedded 16 and 18), or the ones in
``AB_TEST_PG_MAJORS`` (comma separated). ``pg`` is parametrized over them; ``pg_default`` is
one server (the newest) for tests where the version does not matter.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from alembic_baseline.pg import binaries
from alembic_baseline.pg.scratch import ScratchServer, open_server
from alembic_baseline.pg.url import DatabaseURL


def _majors() -> list[int]:
    wanted = os.environ.get("AB_TEST_PG_MAJORS")
    if wanted:
        return [int(m) for m in wanted.split(",") if m.strip()]
    return binaries.majors()


MAJORS = _majors()
_SERVERS: dict[int, ScratchServer] = {}


def server_for(major: int) -> ScratchServer:
    if major not in _SERVERS:
        _SERVERS[major] = open_server(major=major)
    return _SERVERS[major]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for server in _SERVERS.values():
        server.close()  # stops clusters the suite started; a user's `scratch start` one stays
    _SERVERS.clear()


@pytest.fixture(params=MAJORS, ids=[f"pg{m}" for m in MAJORS])
def pg(request: pytest.FixtureRequest) -> ScratchServer:
    """A running scratch server, once per available PostgreSQL major."""
    return server_for(int(request.param))


@pytest.fixture
def pg_default() -> ScratchServer:
    """The newest available scratch server."""
    return server_for(MAJORS[0])


@pytest.fixture
def fresh_db(pg: ScratchServer) -> Iterator[DatabaseURL]:
    """An empty database on each major; dropped afterwards."""
    url = pg.create_database()
    yield url
    pg.drop_database(url.database)


@pytest.fixture
def default_db(pg_default: ScratchServer) -> Iterator[DatabaseURL]:
    """An empty database on the newest major; dropped afterwards."""
    url = pg_default.create_database()
    yield url
    pg_default.drop_database(url.database)
