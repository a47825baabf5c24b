"""A history that replays only with one transaction per revision is named as such (with the
``transaction_per_migration`` hint), and an enum value used in the revision that adds it is
still the revision's own error."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_baseline.errors import MigrationError
from alembic_baseline.history.blame import NeedsTransactionPerMigration
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import FIXTURES, add_revision, copy_project, project

HEAD = "3c4d5e6f7a8b"


def _enum_project(tmp_path: Path) -> Path:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    versions = ini.parent / "migrations" / "versions"
    add_revision(
        versions, "e1000001", HEAD, "op.execute(\"CREATE TYPE mood AS ENUM ('ok')\")", "pass"
    )
    add_revision(
        versions, "e2000002", "e1000001", "op.execute(\"ALTER TYPE mood ADD VALUE 'sad'\")", "pass"
    )
    add_revision(
        versions,
        "e3000003",
        "e2000002",
        "op.execute(\"CREATE TABLE moods (m mood DEFAULT 'sad')\")",
        "pass",
    )
    return ini


def test_history_that_needs_per_revision_transactions(
    tmp_path: Path, fresh_db: DatabaseURL
) -> None:
    ini = _enum_project(tmp_path)
    one_transaction = project(ini, "per_migration=0")
    one_transaction.upgrade(fresh_db, "e1000001")  # the type exists, committed
    with pytest.raises(NeedsTransactionPerMigration) as info:
        one_transaction.upgrade(fresh_db, "heads")
    message = info.value.message
    assert "failed in revision e3000003" in message and "unsafe use of new value" in message
    assert "in one transaction" in message and "transaction_per_migration" in message
    assert info.value.hint and "transaction_per_migration=True" in info.value.hint
    assert one_transaction.current_heads(fresh_db) == ("e1000001",)  # all of it rolled back
    # The proof: the same history with one transaction per revision replays.
    project(ini, "per_migration=1").upgrade(fresh_db, "heads")
    assert project(ini).current_heads(fresh_db) == ("e3000003",)


def test_enum_value_used_in_the_revision_that_adds_it_is_the_revisions_fault(
    tmp_path: Path, fresh_db: DatabaseURL
) -> None:
    ini = _enum_project(tmp_path)
    versions = ini.parent / "migrations" / "versions"
    (versions / "e3000003_added_in_test.py").unlink()
    add_revision(
        versions,
        "e3000003",
        "e2000002",
        "op.execute(\"ALTER TYPE mood ADD VALUE 'glad'\")\n"
        "op.execute(\"CREATE TABLE moods (m mood DEFAULT 'glad')\")",
        "pass",
    )
    p = project(ini, "per_migration=0")
    p.upgrade(fresh_db, "e1000001")
    with pytest.raises(MigrationError) as info:
        p.upgrade(fresh_db, "heads")
    assert not isinstance(info.value, NeedsTransactionPerMigration)
    assert "unsafe use of new value" in info.value.message
    assert info.value.hint and "Fix the revision" in info.value.hint
