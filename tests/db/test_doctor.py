"""doctor and repair on real broken version tables: each state is built for real, diagnosed,
repaired, and the repaired database must reach a fresh build's schema with `alembic upgrade`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import Case, make_case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import add_revision
from tests.helpers.versions import in_replay_snapshots_need_sqlalchemy_2


@pytest.fixture
def case(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Case]:
    made = make_case(pg_default, tmp_path, at="aa02")
    yield made
    pg_default.drop_database(made.db.database)


def test_a_healthy_database_has_nothing_to_report(case: Case) -> None:
    code, report = case.doctor()
    assert code == ExitCode.OK
    assert report["diagnoses"] == [] and report["recorded"] == ["aa02"]
    assert report["identification"] is None  # nothing called for a replay


def test_wrong_revision_is_identified_and_restamped(case: Case) -> None:
    case.execute("UPDATE alembic_version SET version_num = 'aa01'")  # someone stamped by hand
    code, report = case.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D010" and diag["name"] == "wrong-revision"
    assert "applied but not recorded" in diag["message"]
    # aa03 changes data only: aa02 and aa03 have the same schema; the earliest is named
    assert diag["fix"] == "alembic-baseline repair --fix restamp --to aa02 --yes"
    assert any("also equal: aa03" in d for d in diag["details"])

    code, out, _ = case.cli("repair")
    assert code == ExitCode.UNSAFE and "Nothing done" in out and case.rows() == ["aa01"]
    code, out, err = case.cli("repair", "--yes")
    assert code == ExitCode.OK, out + err
    assert case.rows() == ["aa02"]
    record = case.records()[-1]
    assert record["command"] == "repair" and record["outcome"] == "ok"
    assert record["from_revisions"] == ["aa01"] and record["stopped_at"] == ["aa02"]
    assert [v["status"] for v in record["verification"]["items"]] == ["pass", "pass"]
    assert case.upgrade_differs_from_fresh() == []


def test_recorded_ahead_of_the_schema(case: Case) -> None:
    case.execute("UPDATE alembic_version SET version_num = 'aa05'")
    _, report = case.doctor()
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D010" and "recorded but were never applied" in diag["message"]
    assert case.cli("repair", "--yes")[0] == ExitCode.OK
    assert case.rows() == ["aa02"]
    assert case.upgrade_differs_from_fresh() == []


@in_replay_snapshots_need_sqlalchemy_2
def test_missing_and_empty_version_tables(case: Case) -> None:
    case.execute("DELETE FROM alembic_version")
    assert case.codes() == ["AB-D002"]
    case.execute("DROP TABLE alembic_version")
    _, report = case.doctor()
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D001" and diag["repair"] == "restamp"
    assert report["identification"]["exact"][0]["heads"] == ["aa02"]
    assert report["identification"]["replays"] == 0  # the D002 run filled the cache
    assert case.cli("repair", "--yes")[0] == ExitCode.OK
    assert case.rows() == ["aa02"]
    assert case.upgrade_differs_from_fresh() == []


def test_an_empty_database_without_version_table_is_fine(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    case = make_case(pg_default, tmp_path, at=None)
    code, report = case.doctor()
    assert code == ExitCode.OK and report["diagnoses"] == []
    assert report["identification"] is None and report["recorded"] == []
    # the replay database it began creating ahead (before it knew there was nothing to
    # identify) was finished and dropped: no thread of the command is left running on the
    # server connection the command closed
    assert case.left_behind() == []


def test_duplicate_row_is_deduplicated(case: Case) -> None:
    case.execute(
        "ALTER TABLE alembic_version DROP CONSTRAINT alembic_version_pkc",
        "INSERT INTO alembic_version VALUES ('aa02')",
    )
    (diag,) = case.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D003" and diag["repair"] == "dedupe"
    assert "--fix dedupe" in diag["fix"]
    code, out, err = case.cli("repair", "--fix", "dedupe", "--yes")
    assert code == ExitCode.OK, out + err
    # it needed neither the replay database made ahead nor the snapshot read in the background:
    # both were finished (and the database dropped) before the command returned
    assert case.left_behind() == []
    assert case.rows() == ["aa02"]
    assert case.upgrade_differs_from_fresh() == []


def test_overlapping_rows(case: Case) -> None:
    case.execute("INSERT INTO alembic_version VALUES ('aa01')")
    codes = case.codes()
    assert codes == ["AB-D005"]
    assert case.cli("repair", "--yes")[0] == ExitCode.OK
    assert case.rows() == ["aa02"]


def test_unknown_revision_deleted_or_renamed(case: Case) -> None:
    case.execute("UPDATE alembic_version SET version_num = 'feedbeef0001'")
    (diag,) = case.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D004"
    assert "git log --all -S feedbeef0001" in diag["message"]
    assert diag["fix"].endswith("--to aa02 --yes")
    # a renamed id leaves its old id in the file: say where
    versions = case.project_dir / "migrations" / "versions"
    (versions / "aa02_add_sku.py").write_text(
        (versions / "aa02_add_sku.py")
        .read_text()
        .replace("Revises: aa01", "Revises: aa01\n(was feedbeef0001)")
    )
    (diag,) = case.doctor()[1]["diagnoses"]
    assert "mentioned in aa02_add_sku.py (renamed?)" in diag["message"]


def test_drift_is_described_and_a_restamp_is_refused(case: Case) -> None:
    case.execute(
        "ALTER TABLE items ADD COLUMN note text", "UPDATE alembic_version SET version_num='aa01'"
    )
    code, report = case.doctor()
    assert code == ExitCode.FINDINGS
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D008"
    assert "column public.items.note: extra in the database" in diag["details"]
    assert "nearest replayed revision: aa02" in diag["details"][-1]
    assert "ALTER TABLE public.items DROP COLUMN note" in (diag["sql"] or "")
    code, _, err = case.cli("repair", "--fix", "restamp", "--to", "aa02", "--yes")
    assert code == ExitCode.UNSAFE
    assert "not exactly revision aa02" in err and "column public.items.note" in err
    assert case.rows() == ["aa01"]
    assert case.records()[-1]["outcome"] == "refused"


def test_closest_revision_when_nothing_matches(case: Case) -> None:
    case.execute("ALTER TABLE items ADD COLUMN note text", "DROP TABLE alembic_version")
    _, report = case.doctor()
    ident = report["identification"]
    assert ident["exact"] == [] and ident["closest"]["heads"] == ["aa02"]
    assert ident["closest"]["differences"] == ["column public.items.note: extra in the database"]
    (diag,) = report["diagnoses"]
    assert diag["code"] == "AB-D001" and diag["repair"] is None
    assert 'diff --sql "$DATABASE_URL" rev:aa02' in diag["fix"]
    assert case.cli("repair", "--yes")[0] == ExitCode.USAGE  # nothing repair may do


def test_multiple_heads_without_merge(case: Case) -> None:
    versions = case.project_dir / "migrations" / "versions"
    add_revision(
        versions,
        "bb01",
        "aa02",
        "op.execute('CREATE TABLE side (id int)')",
        "op.execute('DROP TABLE side')",
    )
    (diag,) = case.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D006" and diag["severity"] == "warning"
    assert diag["fix"] == 'alembic merge heads -m "merge heads"'


def test_markdown_and_text_reports(case: Case) -> None:
    case.execute("UPDATE alembic_version SET version_num = 'aa01'")
    code, out, _ = case.cli("doctor", fmt="markdown")
    assert code == ExitCode.FINDINGS
    assert "### AB-D010 `wrong-revision` — error" in out
    assert "alembic-baseline repair --fix restamp --to aa02 --yes" in out
    code, out, _ = case.cli("doctor")
    assert "AB-D010 wrong-revision" in out and "fix:" in out


def test_scratch_of_another_major_is_diagnosed(case: Case, tmp_path: Path) -> None:
    from tests.db.conftest import MAJORS, server_for

    others = [m for m in MAJORS if m != case.server.major]
    if not others:
        pytest.skip("one PostgreSQL major only")
    other = server_for(others[0]).admin_url.render("psycopg")
    from tests.helpers.projects import cli

    code, out, _ = cli(
        "-c",
        str(case.ini),
        "--scratch-url",
        other,
        "--json",
        "doctor",
        "--url",
        case.db.render("psycopg"),
    )
    assert '"AB-D011"' in out and code == ExitCode.FINDINGS


@in_replay_snapshots_need_sqlalchemy_2
def test_two_bases_before_their_merge_are_identified_as_both_heads(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    case = make_case(pg_default, tmp_path, name="multibase", at=None)
    project = case.project()
    project.upgrade(case.db, "aa11aa11aa11")
    project.upgrade(case.db, "bb22bb22bb22")
    case.execute("DROP TABLE alembic_version")
    _, report = case.doctor()
    ident = report["identification"]
    assert ident["exact"][0]["heads"] == ["aa11aa11aa11", "bb22bb22bb22"]
    assert ident["states"] == 5  # empty, one base, both bases, merge, index
    (diag,) = report["diagnoses"]
    assert diag["fix"].endswith("--to aa11aa11aa11 --to bb22bb22bb22 --yes")
    assert case.cli("repair", "--yes")[0] == ExitCode.OK
    assert case.rows() == ["aa11aa11aa11", "bb22bb22bb22"]
    assert case.upgrade_differs_from_fresh() == []
    pg_default.drop_database(case.db.database)


@in_replay_snapshots_need_sqlalchemy_2
def test_fingerprints_are_cached_by_history(case: Case) -> None:
    case.execute("UPDATE alembic_version SET version_num = 'aa01'")
    first = case.doctor()[1]["identification"]
    assert first["replays"] == 1 and first["states"] == 7
    again = case.doctor()[1]["identification"]
    assert again["replays"] == 0 and again["exact"] == first["exact"]
    cache = case.project_dir / ".alembic-baseline" / "cache" / "fingerprints"
    (chain,) = cache.glob(f"pg{case.server.major}/chain-*.json")
    assert len(json.loads(chain.read_text())["signatures"]) == 7
    # a new revision at the end reuses every earlier state and replays for the new one only
    versions = case.project_dir / "migrations" / "versions"
    add_revision(versions, "aa07", "aa06", "op.execute('CREATE TABLE t7 (id int)')", "pass")
    later = case.doctor()[1]["identification"]
    assert later["replays"] == 1 and later["states"] == 8
    (chain,) = cache.glob(f"pg{case.server.major}/chain-*.json")  # the old chain file is gone
    # changing a revision file changes the keys of its state and every later one
    aa05 = versions / "aa05_create_orders.py"
    aa05.write_text(aa05.read_text().replace('server_default="1"', 'server_default="2"'))
    changed = case.doctor()[1]["identification"]
    assert changed["replays"] == 1 and changed["exact"][0]["heads"] == ["aa02"]


def test_identification_through_an_asyncpg_env(pg_default: ScratchServer, tmp_path: Path) -> None:
    case = make_case(pg_default, tmp_path, name="async_env", at=None)
    case.db = case.db.with_driver("asyncpg")
    case.project().upgrade(case.db, "heads")
    case.execute("DELETE FROM alembic_version")
    (diag,) = case.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D002" and diag["fix"].endswith("--to 1a2b3c4d5e6f --yes")
    assert case.cli("repair", "--yes")[0] == ExitCode.OK
    assert case.rows() == ["1a2b3c4d5e6f"]
    pg_default.drop_database(case.db.database)
