"""The pytest plugin (entry point ``pytest11``: ``alembic_baseline``): per-test databases at head
or at any revision, cloned from cached templates, and the built-in history checks.

Loading it costs a session nothing it does not use: this module imports only pytest and the
standard library; the toolkit (Alembic, SQLAlchemy, psycopg) is imported when a fixture of it is
first requested or ``--alembic-baseline-checks`` is given. See docs/testing.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from alembic_baseline.errors import BaselineError
from alembic_baseline.testing.failures import reported

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.testing.toolkit import Toolkit

_INI = {
    "alembic_baseline_ini": "alembic.ini of the project (default: ROOTDIR/alembic.ini)",
    "alembic_baseline_scratch_url": "server where test databases may be created and dropped",
    "alembic_baseline_pg_major": "PostgreSQL major of the local scratch server",
    "alembic_baseline_server": "persistent (default: templates survive sessions) or ephemeral",
}
_KIT = pytest.StashKey["_Session"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("alembic-baseline", "alembic-baseline: migrated test databases")
    group.addoption(
        "--alembic-baseline-checks",
        action="store_true",
        help="Add the built-in history checks (single head, upgrade from empty, up/down per "
        "revision, lint) to the tests.",
    )
    group.addoption(
        "--alembic-baseline-rebuild",
        action="store_true",
        help="Drop this project's cached template databases first (they are rebuilt).",
    )
    for name, text in _INI.items():
        parser.addini(name, text, default=None)


class _Session:
    """The toolkit of this session (one per xdist worker), created on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.kit: Toolkit | None = None
        self.results: dict[str, Any] = {}

    def toolkit(self) -> Toolkit:
        if self.kit is None:
            # Imported here, not at the top: Alembic + SQLAlchemy + psycopg cost ~0.25 s, which a
            # session that never asks for a migrated database must not pay (docs/benchmarks.md).
            # lazy: start-up: a pytest session that does not use the plugin imports nothing more
            from alembic_baseline.testing import toolkit

            ini = toolkit.PluginConfig(
                alembic_ini=self._ini("alembic_baseline_ini"),
                scratch_url=self._ini("alembic_baseline_scratch_url"),
                pg_major=toolkit.major_number(self._ini("alembic_baseline_pg_major"), "pg_major"),
                server=self._ini("alembic_baseline_server"),
            )
            settings, mode = toolkit.resolve(self.config.rootpath, ini)
            self.kit = toolkit.Toolkit(settings, mode)
        return self.kit

    def _ini(self, name: str) -> str | None:
        value = self.config.getini(name)
        return str(value).strip() or None if value else None

    def close(self) -> None:
        if self.kit is not None:
            kit, self.kit = self.kit, None
            kit.close()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KIT] = _Session(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # --alembic-baseline-rebuild: once, in the main process, before pytest-xdist starts its
    # workers (they would drop each other's fresh templates).
    config = session.config
    if config.getoption("alembic_baseline_rebuild") and not hasattr(config, "workerinput"):
        try:
            config.stash[_KIT].toolkit().templates.drop_all()
        except BaselineError as exc:
            raise pytest.UsageError(f"alembic-baseline: {exc.message} {exc.hint}") from None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # Also after Ctrl-C. trylast: after pytest's own hook has torn the fixtures down (their
    # databases are handed back), this drops whatever is left and stops the server if owned.
    state = session.config.stash.get(_KIT, None)
    if state is not None:
        state.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("alembic_baseline_checks"):
        # lazy: start-up: a pytest session that does not use the plugin imports nothing more
        from alembic_baseline.testing import items as check_items  # see _Session.toolkit

        state = config.stash[_KIT]
        with reported():
            items[:0] = check_items.collect(session, state)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def alembic_baseline(request: pytest.FixtureRequest) -> Toolkit:
    """The session's toolkit: project, scratch server, templates (used by the other fixtures)."""
    with reported():
        kit = request.config.stash[_KIT].toolkit()
        kit.templates  # noqa: B018 - opens the server now: its errors belong to this fixture
    return kit


@pytest.fixture
def migrated_database_url(alembic_baseline: Toolkit) -> Iterator[DatabaseURL]:
    """A fresh database at head (a :class:`DatabaseURL`), dropped after the test."""
    with reported():
        url = alembic_baseline.clone_at("heads")
    try:
        yield url
    finally:
        alembic_baseline.drop(url)


@pytest.fixture
def migrated_db(alembic_baseline: Toolkit, migrated_database_url: DatabaseURL) -> str:
    """A fresh database at head for this test: its SQLAlchemy URL (the project's driver)."""
    return alembic_baseline.sqlalchemy_url(migrated_database_url)


@pytest.fixture
def migrated_engine(
    alembic_baseline: Toolkit, migrated_database_url: DatabaseURL
) -> Iterator[Engine]:
    """A SQLAlchemy engine (synchronous driver, no pool) on a fresh database at head."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(alembic_baseline.sync_url(migrated_database_url), poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def db_at_revision(alembic_baseline: Toolkit) -> Iterator[Callable[[str], Any]]:
    """``db = db_at_revision("abc123")``: a fresh database at that revision (cloned from a
    per-revision template), with ``db.engine``, ``db.upgrade(S)``, ``db.downgrade(S)``,
    ``db.current()``. Dropped after the test."""
    # lazy: start-up: a pytest session that does not use the plugin imports nothing more
    from alembic_baseline.testing.revision_db import RevisionDatabase  # see _Session.toolkit

    made: list[RevisionDatabase] = []

    def make(revision: str) -> RevisionDatabase:
        with reported():
            db = RevisionDatabase(alembic_baseline, alembic_baseline.clone_at(revision))
        made.append(db)
        return db

    try:
        yield make
    finally:
        for db in made:
            db.close()
