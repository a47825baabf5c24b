"""doctor's fix SQL is computed on production's major: on a PostgreSQL 15 database, the advised
``diff --sql`` replays the history on 15 (not on the newest server here, whose catalog has named
NOT NULL constraints that 15 rejects), and its output applies cleanly on 15."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, make_case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg import binaries
from tests.helpers.projects import cli

pytestmark = pytest.mark.skipif(
    15 not in binaries.majors(), reason="needs a PostgreSQL 15 server on this machine"
)


@pytest.fixture
def case15(tmp_path: Path) -> Iterator[Case]:
    from tests.db.conftest import server_for

    server = server_for(15)
    made = make_case(server, tmp_path, at="aa02")
    yield made
    server.drop_database(made.db.database)


def _run_fix(case: Case, fix: str, *extra: str) -> tuple[int, str, str]:
    """The advised command as a user runs it: $DATABASE_URL is the database; no --scratch-url,
    so the scratch server is whatever the command picks on this machine."""
    command = fix.split(" > ")[0].replace('"$DATABASE_URL"', shlex.quote(case.db.render()))
    argv = shlex.split(command)
    assert argv[0] == "alembic-baseline"
    return cli("-c", str(case.ini), *extra, *argv[1:])


def test_fix_sql_is_made_on_production_major(case15: Case) -> None:
    case15.execute("ALTER TABLE items ALTER COLUMN name DROP NOT NULL")  # drift by hand
    code, report = case15.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D008"
    assert diag["fix"].startswith('alembic-baseline --pg-major 15 diff --sql "$DATABASE_URL"')
    assert diag["differences"] and all("items" in d for d in diag["differences"])
    assert "SET NOT NULL" in (diag["sql"] or "") and "ADD CONSTRAINT" not in diag["sql"]

    code, sql, err = _run_fix(case15, diag["fix"])
    assert code == ExitCode.FINDINGS, err
    assert "SET NOT NULL" in sql and "ADD CONSTRAINT" not in sql, sql
    # without --pg-major, diff replays on the database side's major all the same
    plain = diag["fix"].replace("--pg-major 15 ", "")
    assert _run_fix(case15, plain)[1] == sql
    if 18 in binaries.majors():  # what the advice used to produce: 15 rejects it
        newest = _run_fix(case15, diag["fix"].replace("--pg-major 15", "--pg-major 18"))[1]
        assert "ADD CONSTRAINT" in newest and "NOT NULL" in newest

    case15.execute(sql)  # applies cleanly on 15
    code, report = case15.doctor()
    assert code == ExitCode.OK and report["diagnoses"] == []
