"""A version table at an archived revision (sample project, 50 revisions archived by a baseline,
one revision after the bridge): doctor advises `alembic-baseline upgrade` only when the schema is
at that archived revision, and `upgrade` refuses (exit 3, nothing touched) when it is not."""

from __future__ import annotations

from pathlib import Path

from test_doctor_support import Case, snapshot

from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import EXAMPLE, add_revision, cli, copy_project

OLD_HEAD = "f30373801237"
OLD_DEV = "98362997274a"
LATER = "08211c280b82"  # an archived revision after OLD_DEV
BASELINE = "baseline_20260119"
AFTER = "cc0000000001"


def _unchanged_by_upgrade(case: Case) -> str:
    """`alembic-baseline upgrade` refuses; the schema and the version table stay as they were."""
    before, rows = snapshot(case.db), case.rows()
    code, out, err = case.cli("upgrade")
    assert code == ExitCode.UNSAFE, out + err
    assert not compare(before, snapshot(case.db), CompareOptions())
    assert case.rows() == rows
    return err


def test_upgrade_only_with_evidence(pg: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    cases: list[Case] = []

    def database(at: str) -> Case:
        case = Case(pg, ini.parent, pg.create_database())
        case.project().upgrade(case.db, at)
        cases.append(case)
        return case

    prod, old_dev, elsewhere = database("heads"), database(OLD_DEV), database(LATER)
    code, _, err = cli(
        "-c", str(ini), "baseline", "create", "--url", prod.db.render(), "--rev-id", BASELINE
    )
    assert code == ExitCode.OK, err
    versions = ini.parent / "alembic" / "versions"
    add_revision(
        versions, AFTER, OLD_HEAD, "op.execute('CREATE TABLE after_baseline (id int)')",
        "op.execute('DROP TABLE after_baseline')",
    )  # fmt: skip
    prod.project().upgrade(prod.db, "heads")
    try:
        # stamped at an archived id, schema at the head: restamp to the head, never upgrade
        prod.execute(f"UPDATE alembic_version SET version_num = '{OLD_DEV}'")
        code, report = prod.doctor()
        assert code == ExitCode.FINDINGS
        (diag,) = report["diagnoses"]
        assert diag["code"] == "AB-D009" and diag["severity"] == "error"
        assert diag["fix"] == f"alembic-baseline repair --fix restamp --to {AFTER} --yes"
        assert diag["repair"] == "restamp" and diag["context"]["identified"] == AFTER
        err = _unchanged_by_upgrade(prod)
        assert f"says {OLD_DEV} (archived)" in err and "alembic-baseline doctor" in err
        assert "difference 1:" in err
        code, out, err = prod.cli("repair", "--yes")
        assert code == ExitCode.OK, out + err
        assert prod.rows() == [AFTER] and prod.codes() == []

        # stamped at an archived id, schema at another archived revision: no upgrade either
        elsewhere.execute(f"UPDATE alembic_version SET version_num = '{OLD_DEV}'")
        (diag,) = elsewhere.doctor()[1]["diagnoses"]
        assert diag["code"] == "AB-D009" and diag["severity"] == "error"
        assert "upgrade" not in diag["fix"] and diag["repair"] is None
        assert f"not at {OLD_DEV} either" in diag["message"]
        assert "table public.inventory: extra in the database" in diag["differences"]
        _unchanged_by_upgrade(elsewhere)

        # really at the archived revision: the upgrade is advised, and works
        (diag,) = old_dev.doctor()[1]["diagnoses"]
        assert diag["code"] == "AB-D009" and diag["severity"] == "warning"
        assert diag["fix"] == "alembic-baseline upgrade"
        assert f"the schema equals archived revision {OLD_DEV} exactly" in diag["details"]
        code, out, err = old_dev.cli("upgrade")
        assert code == ExitCode.OK, out + err
        assert old_dev.rows() == [AFTER] and old_dev.codes() == []
    finally:
        for case in cases:
            pg.drop_database(case.db.database)
