"""doctor after a baseline (sample project, 50 revisions archived): databases behind the bridge,
a schema loaded by hand without its version table, a version table left at an archived id."""

from __future__ import annotations

import json
from pathlib import Path

from test_doctor_support import Case

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import EXAMPLE, cli, copy_project

OLD_HEAD = "f30373801237"
OLD_DEV = "98362997274a"
BASELINE = "baseline_20260119"


def test_databases_around_the_baseline(pg_default: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    prod = Case(pg_default, ini.parent, pg_default.create_database())
    prod.project().upgrade(prod.db, "heads")
    old_dev = Case(pg_default, ini.parent, pg_default.create_database())
    old_dev.project().upgrade(old_dev.db, OLD_DEV)
    code, out, err = cli(
        "-c", str(ini), "--json", "baseline", "create", "--url", prod.db.render(),
        "--rev-id", BASELINE,
    )  # fmt: skip
    assert code == ExitCode.OK, err
    assert json.loads(out)["old_head"] == OLD_HEAD

    # production, at the old head = the bridge: nothing to say
    assert prod.doctor()[0] == ExitCode.OK and prod.codes() == []

    # an old developer database, at an archived revision: the archive must run first
    (diag,) = old_dev.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D009" and diag["severity"] == "warning"
    assert diag["fix"] == "alembic-baseline upgrade" and diag["repair"] is None
    archived = diag["context"]["archived_file"]
    assert archived.endswith(f"versions/archive/{OLD_DEV}_create_lots_table_and_lot_status_enum.py")
    assert old_dev.cli("upgrade")[0] == ExitCode.OK
    assert old_dev.rows() == [OLD_HEAD] and old_dev.codes() == []

    # production's version table pointed back at an archived id: its schema is the bridge's
    prod.execute(f"UPDATE alembic_version SET version_num = '{OLD_DEV}'")
    (diag,) = prod.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D009" and diag["severity"] == "error"
    assert diag["repair"] == "bridge"
    code, out, err = prod.cli("repair", "--yes")
    assert code == ExitCode.OK, out + err
    assert prod.rows() == [OLD_HEAD] and prod.codes() == []

    # the baseline schema loaded by hand, no version table: stamp the baseline (the earliest
    # of the two equal states), and plain `alembic upgrade head` runs the no-op bridge
    by_hand = Case(pg_default, ini.parent, pg_default.create_database())
    by_hand.project().upgrade(by_hand.db, BASELINE)
    by_hand.execute("DROP TABLE alembic_version")
    (diag,) = by_hand.doctor()[1]["diagnoses"]
    assert diag["code"] == "AB-D001"
    assert diag["fix"] == f"alembic-baseline repair --fix restamp --to {BASELINE} --yes"
    assert any(f"also equal: {OLD_HEAD}" in d for d in diag["details"])
    assert by_hand.cli("repair", "--yes")[0] == ExitCode.OK
    assert by_hand.upgrade_differs_from_fresh() == []
    assert by_hand.rows() == [OLD_HEAD]
    for case in (prod, old_dev, by_hand):
        pg_default.drop_database(case.db.database)
