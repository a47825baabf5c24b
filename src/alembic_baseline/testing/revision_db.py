"""A test database put at one revision, for data-migration tests (``db_at_revision``).

The database is a clone of the template at that revision (replayed once, cached across sessions
like the head template); moving it to another revision runs only the revisions in between, with
the project's own env.py, confined to this database (history/sandbox.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.testing.failures import reported

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from alembic_baseline.testing.toolkit import Toolkit


class RevisionDatabase:
    """One scratch database of a test (the ``db_at_revision`` fixture makes them)."""

    def __init__(self, kit: Toolkit, url: DatabaseURL) -> None:
        self._kit = kit
        self.database_url = url
        self._engine: Engine | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL with the project's driver."""
        return self._kit.sqlalchemy_url(self.database_url)

    @property
    def engine(self) -> Engine:
        """A synchronous engine without a pool (no connection stays open between statements
        that would block the next migration)."""
        if self._engine is None:
            self._engine = create_engine(self._kit.sync_url(self.database_url), poolclass=NullPool)
        return self._engine

    def upgrade(self, target: str = "heads") -> None:
        """``alembic upgrade target`` on this database (only the revisions in between run)."""
        with reported():
            self._kit.project.upgrade(self.database_url, target, scratch=True)

    def downgrade(self, target: str) -> None:
        """``alembic downgrade target`` on this database."""
        with reported():
            self._kit.project.downgrade(self.database_url, target)

    def current(self) -> tuple[str, ...]:
        """The revisions recorded in the version table."""
        return self._kit.project.current_heads(self.database_url)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._kit.drop(self.database_url)
