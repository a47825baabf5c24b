"""Half-applied autocommit steps, made for real: a migration SIGKILLed while its CREATE INDEX
CONCURRENTLY waits for a writer, a re-run that skips the broken index (if_not_exists), a block
that fails after its first statement committed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, kill_during_concurrent_index, make_case

from alembic_baseline import settings
from alembic_baseline.errors import ExitCode, MigrationError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.versions import index_if_not_exists

INVALID = (
    "SELECT count(*) FROM pg_index WHERE NOT indisvalid AND indexrelid = 'ix_items_sku'::regclass"
)


@pytest.fixture
def killed(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    """At aa03, with aa04's CREATE INDEX CONCURRENTLY killed midway: an INVALID ix_items_sku."""
    case = make_case(pg_default, tmp_path, at="aa03")
    kill_during_concurrent_index(case, "aa04", "items")
    yield case
    pg_default.drop_database(case.db.database)


def scalar(case: Case, query: str) -> object:
    from alembic_baseline.pg.connect import connection

    with connection(case.db) as conn:
        row = conn.execute(query.encode()).fetchone()
    return row[0] if row else None


def test_killed_concurrent_index_is_dropped_so_the_revision_reruns(killed: Case) -> None:
    assert killed.rows() == ["aa03"] and scalar(killed, INVALID) == 1
    code, report = killed.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]  # the schema check leaves the leftover out: no drift reported
    assert diag["code"] == "AB-D007" and diag["name"] == "half-applied"
    assert "revision aa04" in diag["message"] and "not recorded as applied" in diag["message"]
    assert diag["repair"] == "drop-invalid-index"
    assert diag["sql"] == "DROP INDEX CONCURRENTLY public.ix_items_sku;"
    assert "CREATE INDEX ix_items_sku ON public.items" in diag["details"][0]
    code, out, err = killed.cli("repair", "--yes")
    assert code == ExitCode.OK, out + err
    assert scalar(killed, "SELECT to_regclass('ix_items_sku')") is None
    assert killed.rows() == ["aa03"]
    assert killed.records()[-1]["verification"]["items"][0]["name"] == "indexes"
    assert killed.upgrade_differs_from_fresh() == []


@index_if_not_exists
def test_rerun_that_skipped_the_broken_index_is_rebuilt(killed: Case) -> None:
    killed.project().upgrade(killed.db, "aa04")  # IF NOT EXISTS: the INVALID index stays
    assert killed.rows() == ["aa04"] and scalar(killed, INVALID) == 1
    (diag,) = killed.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D007" and "is recorded as applied" in diag["message"]
    assert diag["repair"] == "rebuild-index"
    assert diag["sql"] == "REINDEX INDEX CONCURRENTLY public.ix_items_sku;"
    code, out, err = killed.cli("repair", "--yes")
    assert code == ExitCode.OK, out + err
    assert scalar(killed, INVALID) == 0 and killed.rows() == ["aa04"]
    assert killed.doctor()[1]["diagnoses"] == []
    assert killed.upgrade_differs_from_fresh() == []


@index_if_not_exists
def test_rerun_that_skipped_the_broken_index_can_be_unrecorded(killed: Case) -> None:
    killed.project().upgrade(killed.db, "aa04")
    code, out, err = killed.cli("repair", "--fix", "drop-invalid-index", "--yes")
    assert code == ExitCode.OK, out + err
    assert killed.rows() == ["aa03"]  # un-recorded in the same transaction as the DROP
    assert scalar(killed, "SELECT to_regclass('ix_items_sku')") is None
    assert killed.upgrade_differs_from_fresh() == []  # the re-run builds a valid index


def test_block_that_stopped_after_its_first_statement(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    case = make_case(pg_default, tmp_path, at="aa05")
    failing = AlembicProject(settings.load(config=str(case.ini), x_args=("fail=aa06",)))
    with pytest.raises(MigrationError):
        failing.upgrade(case.db, "aa06")
    assert case.rows() == ["aa05"]  # the index committed, the column never came
    _, report = case.doctor()
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D007"
    assert "matches neither the recorded revision aa05 nor the next one, aa06" in diag["message"]
    assert "index public.orders.ix_orders_item_id: extra in the database" in diag["details"]
    assert "DROP INDEX" in (diag["sql"] or "")
    case.execute(diag["sql"])  # the reviewed undo script
    assert case.doctor()[1]["diagnoses"] == []
    assert case.upgrade_differs_from_fresh() == []
    pg_default.drop_database(case.db.database)
