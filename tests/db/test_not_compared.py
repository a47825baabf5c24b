"""When the schema cannot be compared, no command reads as a pass: the recorded revision's file
is broken after production was built, so its expected schema cannot be replayed (a real
migration failure on a real scratch server). doctor reports AB-D013 and status says "schema not
compared" — both exit 1; plan's schema-matches fails; --no-schema-check says what it left out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, make_case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def broken(pg: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    made = make_case(pg, tmp_path, at="aa02")
    aa02 = next((made.project_dir / "migrations" / "versions").glob("aa02_*.py"))
    text = aa02.read_text()
    aa02.write_text(text.replace('op.add_column("items"', 'op.add_column("no_such_table"'))
    yield made
    pg.drop_database(made.db.database)


def test_doctor_says_the_schema_was_not_compared(broken: Case) -> None:
    code, report = broken.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D013" and diag["name"] == "schema-not-compared"
    assert "aa02" in diag["message"] and "no_such_table" in diag["message"]
    assert report["identification"] is None  # never "exactly aa02" without a comparison
    code, out, _ = broken.cli("doctor")
    assert code == ExitCode.FINDINGS and "No problem found" not in out


def test_status_and_plan_say_the_schema_was_not_compared(broken: Case, tmp_path: Path) -> None:
    code, out, err = broken.cli("status")
    assert code == ExitCode.FINDINGS, out + err
    assert "schema not compared" in out
    code, out, _ = broken.cli("--json status")
    assert code == ExitCode.FINDINGS and json.loads(out)["schema"]["matches"] is None
    code, out, err = broken.cli("plan", "--out", str(tmp_path / "plan.sql"))
    assert code == ExitCode.FINDINGS, out + err
    assert "✗ schema-matches" in out and "schema not compared" in out


def test_no_schema_check_is_said_not_hidden(broken: Case) -> None:
    code, out, err = broken.cli("doctor", "--no-schema-check")
    assert code == ExitCode.OK, out + err
    assert "the schema was not compared (--no-schema-check)" in out
    assert "No problem found." not in out
