"""``repair --fix dedupe`` leaves one row per revision and Alembic's primary key back in place.

A version table can only hold a revision twice once its key is gone; removing the duplicates
without restoring the key would leave the door open for the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, make_case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def case(pg: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    made = make_case(pg, tmp_path, at="aa02")
    yield made
    pg.drop_database(made.db.database)


def _primary_key(case: Case) -> list[tuple[str, list[str]]]:
    with connection(case.db) as conn:
        rows = conn.execute(
            "SELECT c.conname, array_agg(a.attname::text ORDER BY a.attnum) "
            "FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.conrelid = 'alembic_version'::regclass AND c.contype = 'p' "
            "GROUP BY c.conname"
        ).fetchall()
    return [(str(r[0]), list(r[1])) for r in rows]


@pytest.mark.parametrize(
    "break_key",
    [
        "ALTER TABLE alembic_version DROP CONSTRAINT alembic_version_pkc",
        # a version table rebuilt by hand, with a key of its own name, later dropped
        "ALTER TABLE alembic_version RENAME CONSTRAINT alembic_version_pkc TO version_pk; "
        "ALTER TABLE alembic_version DROP CONSTRAINT version_pk",
    ],
    ids=["alembic-key-dropped", "own-key-dropped"],
)
def test_dedupe_restores_the_primary_key(case: Case, break_key: str) -> None:
    assert _primary_key(case) == [("alembic_version_pkc", ["version_num"])]
    case.execute(break_key, "INSERT INTO alembic_version VALUES ('aa02'), ('aa02')")
    assert case.rows() == ["aa02"] * 3 and _primary_key(case) == []
    (diag,) = case.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D003" and diag["repair"] == "dedupe"

    code, out, _ = case.cli("repair", "--fix", "dedupe")  # shown first, not done
    assert code == ExitCode.UNSAFE and "alembic_version_pkc" in out
    assert _primary_key(case) == []

    code, out, err = case.cli("repair", "--fix", "dedupe", "--yes")
    assert code == ExitCode.OK, out + err
    assert case.rows() == ["aa02"]
    assert _primary_key(case) == [("alembic_version_pkc", ["version_num"])]
    with pytest.raises(Exception, match="alembic_version_pkc"):  # a real key: the next one fails
        case.execute("INSERT INTO alembic_version VALUES ('aa02')")
    assert case.rows() == ["aa02"]
    assert case.codes() == []
    assert case.upgrade_differs_from_fresh() == []
