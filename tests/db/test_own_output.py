"""The tool accepts its own and Alembic's generated revisions: merges, baselines and bridges.

``alembic merge heads`` writes a merge revision whose downgrade is ``pass`` (correct: it changed
nothing); ``baseline create`` writes a baseline and a no-op bridge. ``apply`` must not refuse
either for "no real downgrade()", and ``lint`` must not report the tool's own files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, add_revision, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import EXAMPLE, cli, copy_project, project

OLD_HEAD = "f30373801237"
BASELINE = "baseline_20260119"


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path, at="d3000003")
    yield e
    pg.drop_database(e.db.database)


def test_apply_through_an_alembic_merge_revision(env: Env) -> None:
    from alembic import command

    add_revision(env, "d4a00004", "d3000003", "op.execute('CREATE TABLE a4 (id int)')",
                 "op.execute('DROP TABLE a4')")  # fmt: skip
    add_revision(env, "d4b00004", "d3000003", "op.execute('CREATE TABLE b4 (id int)')",
                 "op.execute('DROP TABLE b4')")  # fmt: skip
    config = env.project().config()
    merge = command.merge(config, "heads", message="merge heads", rev_id="d5000005")
    # (the order of a merge's parents is Alembic's: it differs between releases)
    assert merge is not None and set(merge.down_revision) == {"d4a00004", "d4b00004"}
    assert "pass" in Path(merge.path).read_text()  # Alembic's own template: downgrade() is pass

    code, out, err = env.cli("plan", json=True)
    assert code == ExitCode.OK, err
    plan = json.loads(out)
    assert {p["id"]: p["has_downgrade"] for p in plan["pending"]}["d5000005"] is True
    downgrades = next(i for i in plan["checks"] if i["name"] == "downgrades")
    assert downgrades["status"] == "pass" and "merge or bridge" in downgrades["detail"]

    code, _, err = env.cli("apply", "--no-backup")
    assert code == ExitCode.OK, err
    assert env.current() == ("d5000005",)
    # and back through the merge by downgrade: the rollback check accepts it too
    code, _, err = env.cli("rollback", "--to", "d3000003")
    assert code == ExitCode.OK, err
    assert env.current() == ("d3000003",)


def test_baselined_project_applies_from_the_baseline_and_lints_clean(
    pg: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    prod = pg.create_database()
    project(ini).upgrade(prod, "heads")
    code, out, err = cli("-c", str(ini), "--json", "baseline", "create", "--url", prod.render(),
                         "--rev-id", BASELINE)  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    versions = ini.parent / "alembic" / "versions"
    generated = sorted(p for p in versions.glob("*.py"))
    assert [p.name.split("_")[0] for p in generated] == ["baseline", OLD_HEAD]

    # lint on the generated files, default configuration: nothing from the tool's own rules
    code, out, err = cli("-c", str(ini), "--json", "lint", "--no-cache", *map(str, generated))
    assert code == 0, out + err
    assert json.loads(out)["findings"] == []

    # a database at the baseline revision: the bridge and a new revision are pending
    new = versions / "1b2c3d4e5f60_add_note.py"
    new.write_text(
        '"""add note\n\nRevision ID: 1b2c3d4e5f60\nRevises: f30373801237\n"""\n'
        "from alembic import op\n\n"
        f'revision = "1b2c3d4e5f60"\ndown_revision = "{OLD_HEAD}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n    op.execute('CREATE TABLE notes (id int)')\n\n\n"
        "def downgrade() -> None:\n    op.execute('DROP TABLE notes')\n"
    )
    db = pg.create_database()
    project(ini).upgrade(db, BASELINE)
    scratch = pg.admin_url.render("psycopg")
    base = ["-c", str(ini), "--scratch-url", scratch]
    code, out, err = cli(*base, "--json", "plan", "--url", db.render("psycopg"))
    assert code == 0, err
    plan = json.loads(out)
    assert [p["id"] for p in plan["pending"]] == [OLD_HEAD, "1b2c3d4e5f60"]
    downgrades = next(i for i in plan["checks"] if i["name"] == "downgrades")
    assert downgrades["status"] == "pass", downgrades
    code, _, err = cli(*base, "apply", "--url", db.render("psycopg"), "--no-backup")
    assert code == 0, err
    assert project(ini).current_heads(db) == ("1b2c3d4e5f60",)
    assert created["revision"] == BASELINE
    pg.drop_database(db.database)
    pg.drop_database(prod.database)
