"""Test markers for what differs between the oldest and newest supported SQLAlchemy/Alembic."""

from __future__ import annotations

import pytest

from alembic_baseline import compat

OLD_SQLALCHEMY = compat.sqlalchemy_version() < (2,)

# doctor snapshots a replayed state inside its transaction only on a psycopg 3 connection
# (SQLAlchemy 2.0); with psycopg2 it replays again instead (docs/compatibility.md).
in_replay_snapshots_need_sqlalchemy_2 = pytest.mark.skipif(
    OLD_SQLALCHEMY, reason="in-replay snapshots need psycopg 3, i.e. SQLAlchemy 2.0"
)
