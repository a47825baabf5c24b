"""Identification on long names: objects whose qualified identity (schema.table.index) shares its
first 63 bytes must never collide, and the catalog's row order must never matter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, make_case, snapshot

from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.doctor import shape as sh
from alembic_baseline.errors import ExitCode
from alembic_baseline.expected import VersionTable
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import add_revision

TABLE = "inventory_movements_by_warehouse"
PREFIX = "ix_inventory_movements_by_warehouse_"  # public.TABLE.PREFIX… is 76+ bytes
LOCATION = f"{PREFIX}location"
QUANTITY = f"{PREFIX}quantity"
CREATE_LOCATION = f"CREATE INDEX {LOCATION} ON {TABLE} (location)"
CREATE_QUANTITY = f"CREATE UNIQUE INDEX {QUANTITY} ON {TABLE} (id, quantity)"


def _long_names(case: Case) -> None:
    versions = case.project_dir / "migrations" / "versions"
    add_revision(
        versions,
        "bb01",
        "aa06",
        f"""
        op.execute("CREATE TABLE {TABLE} (id int, location text, quantity int)")
        op.execute("{CREATE_LOCATION}")
        """,
        f"op.execute('DROP TABLE {TABLE}')",
    )
    add_revision(
        versions, "bb02", "bb01", f'op.execute("{CREATE_QUANTITY}")', f"op.drop_index('{QUANTITY}')"
    )


@pytest.fixture
def case(pg: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    made = make_case(pg, tmp_path, at=None)
    _long_names(made)
    yield made
    pg.drop_database(made.db.database)


@pytest.fixture
def at_head(case: Case) -> Case:
    case.project().upgrade(case.db, "heads")
    return case


def _reversed_by_hand(case: Case) -> None:
    """bb01 and bb02's schema, built by hand in the other order (the quantity index first):
    equal snapshots, another catalog order."""
    case.project().upgrade(case.db, "aa06")
    case.execute(
        f"CREATE TABLE {TABLE} (id int, location text, quantity int)",
        CREATE_QUANTITY,
        CREATE_LOCATION,
    )


def _probe(case: Case) -> sh.Probe:
    return sh.probe(case.db, VersionTable())


def test_long_qualified_names_stay_distinct(at_head: Case) -> None:
    shape = _probe(at_head).shape.objects
    for name in (LOCATION, QUANTITY):
        assert shape[f"index public.{TABLE}.{name}"] in ("f 1", "t 2")
    assert len(f"public.{TABLE}.{LOCATION}".encode()) > 63


def test_snapshot_equal_iff_shape_equal(at_head: Case, pg: ScratchServer) -> None:
    """Same schema built in another order: equal snapshots, equal shapes. A change to one of the
    colliding indexes: different snapshots, different shapes."""
    other = pg.create_database()
    try:
        with_project = Case(pg, at_head.project_dir, other)
        _reversed_by_hand(with_project)
        options = CompareOptions(ignore_column_order=True)
        assert not compare(snapshot(at_head.db), snapshot(other), options)
        assert _probe(at_head).shape.digest == _probe(with_project).shape.digest
        with_project.execute(
            f"DROP INDEX {LOCATION}", f"CREATE UNIQUE INDEX {LOCATION} ON {TABLE} (location)"
        )
        assert compare(snapshot(at_head.db), snapshot(other), options)
        assert _probe(at_head).shape.digest != _probe(with_project).shape.digest
    finally:
        pg.drop_database(other.database)


def test_one_revision_behind_with_long_names_is_identified(case: Case) -> None:
    """bb02's schema (built in another catalog order) recorded as bb01: the schema is exactly
    bb02 — a restamp, never a fix script that drops bb02's index."""
    _reversed_by_hand(case)
    case.execute("UPDATE alembic_version SET version_num = 'bb01'")
    code, report = case.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D010", diag
    assert diag["fix"] == "alembic-baseline repair --fix restamp --to bb02 --yes"
    assert report["identification"]["exact"][0]["heads"] == ["bb02"]
    assert f"DROP INDEX public.{QUANTITY}" not in (diag["sql"] or "")
    # the differences from the recorded revision are named, not only counted
    assert diag["context"]["differences"] == "1"
    assert diag["differences"] == [f"index public.{TABLE}.{QUANTITY}: extra in the database"]
    code, out, _ = case.cli("doctor")
    assert code == ExitCode.FINDINGS
    assert f"- differs: index public.{TABLE}.{QUANTITY}: extra in the database" in out, out


def test_the_full_snapshot_decides_when_a_fingerprint_misses(case: Case) -> None:
    """A cached shape that misses (as truncated names did): the nearest states are compared in
    full, and the equal one is still an exact match — never drift with a fix that reverts it."""
    case.project().upgrade(case.db, "heads")
    case.execute("UPDATE alembic_version SET version_num = 'bb01'")
    assert case.doctor()[1]["identification"]["exact"][0]["heads"] == ["bb02"]
    cache = case.project_dir / ".alembic-baseline" / "cache" / "fingerprints"
    key = f"index public.{TABLE}.{QUANTITY}"
    tampered = 0
    for path in cache.glob("pg*/*.shape.json"):
        data = json.loads(path.read_text())
        if key in data["objects"]:
            data["objects"][key] = "a fingerprint that misses"
            path.write_text(json.dumps(data))
            tampered += 1
    assert tampered == 1
    _, report = case.doctor()
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D010", diag
    assert report["identification"]["exact"][0]["heads"] == ["bb02"]
