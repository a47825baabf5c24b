"""``bundle``: the SQL files a DBA runs with psql give the schema an online upgrade gives.

The sample project (50 revisions: a branch and its merge, an autocommit block, functions with
``$$`` bodies) from before its branch point to its head: applied with the real psql, compared
with ``alembic upgrade`` of the same range; the guards refuse a database at another revision;
the rollback files bring the database back to the start.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.errors import ToolError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import Snapshot, inspect
from tests.helpers.projects import EXAMPLE, cli, copy_project, project

START = "5e7342d40a8d"  # just before the branch point 1192b0cfe0f7
HEAD = "f30373801237"


def snap(url: DatabaseURL) -> Snapshot:
    with connection(url) as conn:
        return inspect(conn)


def versions(url: DatabaseURL) -> list[str]:
    with connection(url) as conn:
        return sorted(str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version"))


def test_bundle_applied_by_psql_equals_online_upgrade(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(EXAMPLE, tmp_path / "proj")
    at_start = pg_default.create_database()
    project(ini).upgrade(at_start, START)
    by_alembic = pg_default.create_database(template=at_start.database)
    by_psql = pg_default.create_database(template=at_start.database)
    before = snap(at_start)

    out = tmp_path / "bundle"
    code, stdout, _ = cli("-c", str(ini), "--json", "bundle", f"{START}:head", "-o", str(out))
    result = json.loads(stdout)
    assert code == 0 and result["complete"] and result["transactions"] == "per-revision"
    assert len(result["revisions"]) == 30 and result["revisions"][-1] == HEAD
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=out, check=True)
    assert "lint" in (out / "lint.md").read_text().lower()
    readme = (out / "README.md").read_text()
    assert f"must show `{HEAD}`" in readme and "`13376d4b85bd`" in readme  # its autocommit block
    assert "emits no SQL" not in readme  # every downgrade of this range does something

    psql = binaries.find_client(pg_default.major, "psql").bindir
    tools.psql_file(psql, by_psql, out / "apply.sql")
    project(ini).upgrade(by_alembic, "head")
    diff = compare(snap(by_alembic), snap(by_psql))
    assert diff.is_empty, diff.changes[:5]
    assert versions(by_psql) == versions(by_alembic) == [HEAD]

    # the guard: a database at another revision (here: already at the head) is refused by the
    # first file, before anything changes
    at_head = snap(by_psql)
    with pytest.raises(ToolError, match="expects the database at 5e7342d40a8d, found f30373801237"):
        tools.psql_file(psql, by_psql, out / "apply.sql")
    assert compare(at_head, snap(by_psql)).is_empty and versions(by_psql) == [HEAD]

    # the rollback files undo the range (a column dropped then added back comes last)
    tools.psql_file(psql, by_psql, out / "rollback" / "rollback.sql")
    assert versions(by_psql) == [START]
    back = compare(before, snap(by_psql), CompareOptions(ignore_column_order=True))
    assert back.is_empty, back.changes[:5]
