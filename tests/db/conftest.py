"""Real PostgreSQL servers for db tests: one scratch cluster per available major, per session.

Majors: every major this machine can run (Debian's 15, the embedded 16 and 18), or the ones in
``AB_TEST_PG_MAJORS`` (comma separated). ``pg`` is parametrized over them; ``pg_default`` is
one server (the newest) for tests where the version does not matter.

Each session (each pytest-xdist worker too) keeps its clusters in a private scratch root: a
server a user keeps with ``scratch start``, or one another test session starts, is never picked
up — a session that borrowed one was stopped, restarted or refused by its owner mid-run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from alembic_baseline.pg import binaries, cluster
from alembic_baseline.pg.scratch import ScratchServer, open_server
from alembic_baseline.pg.url import DatabaseURL


def _majors() -> list[int]:
    wanted = os.environ.get("AB_TEST_PG_MAJORS")
    if wanted:
        return [int(m) for m in wanted.split(",") if m.strip()]
    return binaries.majors()


MAJORS = _majors()
_SERVERS: dict[int, ScratchServer] = {}
_PREFIX = "abt-session-"
_INHERITED = "AB_TEST_SESSION_SCRATCH_DIR"  # the root this file made (in this process or a parent)


def _with_root(root: Path, action: object) -> None:
    previous = os.environ.get("ALEMBIC_BASELINE_SCRATCH_DIR")
    os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"] = str(root)
    try:
        action()  # type: ignore[operator]
    finally:
        if previous is None:
            del os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"]
        else:
            os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"] = previous


def _stop_all_in(root: Path) -> None:
    def stop() -> None:
        cluster.reap_orphans()  # ephemeral clusters whose session is gone
        for major in binaries.majors():
            cluster.stop_persistent(major)

    _with_root(root, stop)
    shutil.rmtree(root, ignore_errors=True)


def _private_scratch_root() -> Path | None:
    """This session's own scratch root (unless the runner chose one), after removing the roots
    of sessions that were killed (their clusters would otherwise run on, in RAM)."""
    chosen = os.environ.get("ALEMBIC_BASELINE_SCRATCH_DIR")
    if chosen and chosen != os.environ.get(_INHERITED):
        return None  # the runner chose one
    # (inherited from the pytest-xdist controller, which loads this file too: every worker
    # gets its own, or a `scratch start` test on one worker would lend its server to another)
    base = cluster.ram_dir() or Path(tempfile.gettempdir())
    for other in base.glob(f"{_PREFIX}*"):
        with contextlib.suppress(ValueError):
            if not _pid_alive(int(other.name.removeprefix(_PREFIX))):
                _stop_all_in(other)
    root = base / f"{_PREFIX}{os.getpid()}"
    root.mkdir(exist_ok=True)
    root.chmod(0o755)  # the servers run as an unprivileged user
    os.environ["ALEMBIC_BASELINE_SCRATCH_DIR"] = os.environ[_INHERITED] = str(root)
    return root


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_ROOT = _private_scratch_root()


def server_for(major: int) -> ScratchServer:
    if major not in _SERVERS:
        _SERVERS[major] = open_server(major=major)
    return _SERVERS[major]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for server in _SERVERS.values():
        server.close()
    _SERVERS.clear()
    if _ROOT is not None:
        _stop_all_in(_ROOT)  # and what a test left running there


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
