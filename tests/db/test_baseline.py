"""Baselines on real PostgreSQL: the runbook's failures fixed, the three kinds of database, proof.

Each test starts from a copy of the sample project (50 revisions, head f30373801237) or a fixture
project, builds "production" from the full history, and runs the tool as a user would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from alembic_baseline.errors import MigrationError
from alembic_baseline.history.graph import History
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import EXAMPLE, FIXTURES, add_revision, cli, copy_project, project

OLD_HEAD = "f30373801237"
REFERENCE = ("units_of_measure", "shipment_statuses")
# A post-baseline revision that records the session settings it runs with, and uses ":name".
NEW_REV = "1b2c3d4e5f60"
NEW_UPGRADE = """
op.execute(
    "CREATE TABLE settings_seen AS SELECT current_setting('search_path') AS search_path, "
    "current_setting('check_function_bodies') AS check_function_bodies, "
    "'lot\\\\:code' AS label"
)
"""
NEW_DOWNGRADE = 'op.execute("DROP TABLE settings_seen")'


def rows(url: DatabaseURL, sql: str) -> list[tuple[object, ...]]:
    with connection(url) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def build_prod(pg: ScratchServer, ini: Path) -> DatabaseURL:
    prod = pg.create_database()
    project(ini).upgrade(prod, "heads")
    return prod


def create(
    ini: Path, prod: DatabaseURL, *extra: str, tables: tuple[str, ...] = REFERENCE
) -> dict[str, object]:
    refs = [a for t in tables for a in ("--reference-table", t)]
    code, out, err = cli("-c", str(ini), "--json", "baseline", "create", "--url",
                         prod.render(), *refs, *extra)  # fmt: skip
    assert code == 0, err
    return dict(json.loads(out))


def test_baseline_three_database_cases_and_proof(pg: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    prod = build_prod(pg, ini)
    old_dev = pg.create_database()
    project(ini).upgrade(old_dev, "98362997274a")  # an old developer database
    result = create(ini, prod, "--rev-id", "baseline_20260119")
    script = ini.parent / "alembic"
    sql = Path(str(result["sql_path"])).read_text()
    # the runbook's loader failures, each fixed in the file itself
    assert "\\restrict" not in sql and "transaction_timeout" not in sql
    assert "alembic_version" not in sql
    assert "INSERT INTO public.units_of_measure" in sql  # reference rows carried
    assert len(list((script / "versions" / "archive").glob("*.py"))) == 50
    history = History(project(ini))
    assert set(history.live) == {"baseline_20260119", OLD_HEAD}
    assert history.heads() == (OLD_HEAD,)

    add_revision(script / "versions", NEW_REV, OLD_HEAD, NEW_UPGRADE, NEW_DOWNGRADE)
    proj = project(ini)

    # (a) an empty database builds from the baseline with plain `alembic upgrade head`
    fresh = pg.create_database()
    steps = proj.upgrade(fresh, "heads").steps
    assert [s.split(",")[0] for s in steps] == [
        "upgrade  -> baseline_20260119",
        f"upgrade baseline_20260119 -> {OLD_HEAD}",
        f"upgrade {OLD_HEAD} -> {NEW_REV}",
    ]
    assert rows(fresh, "SELECT version_num FROM alembic_version") == [(NEW_REV,)]
    # the dump's session settings did not leak into the next revision of the same run
    seen = rows(fresh, "SELECT search_path, check_function_bodies, label FROM settings_seen")
    assert seen == [('"$user", public', "on", "lot:code")]
    assert rows(fresh, "SELECT count(*) FROM units_of_measure") == [(8,)]
    assert rows(fresh, "SELECT count(*) >= 0 FROM mv_product_stock") == [(True,)]  # populated
    if pg.major >= 18:  # named NOT NULL constraints survive the rename of products.unit
        names = rows(fresh, "SELECT conname FROM pg_constraint WHERE contype = 'n' "
                            "AND conrelid = 'products'::regclass ORDER BY 1")  # fmt: skip
        assert ("products_unit_not_null",) in names

    # (a') the runbook's two-step way: `alembic upgrade baseline_…` then `alembic upgrade head`
    fresh2 = pg.create_database()
    proj.upgrade(fresh2, "baseline_20260119")
    assert proj.current_heads(fresh2) == ("baseline_20260119",)
    proj.upgrade(fresh2, "heads")
    assert rows(fresh2, "SELECT count(*) FROM alembic_version") == [(1,)]

    # (b) production (at the old head) runs only the new revision
    steps = proj.upgrade(prod, "heads").steps
    assert [s.split(",")[0] for s in steps] == [f"upgrade {OLD_HEAD} -> {NEW_REV}"]
    assert rows(prod, "SELECT version_num FROM alembic_version") == [(NEW_REV,)]

    # (c) a database at an archived revision: plain Alembic cannot, the tool can
    with pytest.raises(MigrationError, match="Can't locate revision"):
        proj.upgrade(old_dev, "heads")
    code, _, err = cli("-c", str(ini), "upgrade", "--url", old_dev.render())
    assert code == 0, err
    assert rows(old_dev, "SELECT version_num FROM alembic_version") == [(NEW_REV,)]

    # proof: history ≡ baseline at the old head and after the new revision, reference rows too
    code, out, err = cli("-c", str(ini), "--json", "baseline", "verify", "--url", prod.render())
    assert code == 0, out + err
    report = json.loads(out)
    assert report["equal"] is True
    names = [c["name"] for c in report["result"]["comparisons"]]
    assert names[0] == f"history ≡ baseline at {OLD_HEAD}"
    assert "reference rows" in names and any(n.startswith("production") for n in names)
    # the three kinds of database now hold the same schema
    from alembic_baseline.diff.compare import compare
    from alembic_baseline.diff.render import describe
    from alembic_baseline.expected import VersionTable, inspect_options
    from alembic_baseline.snapshot.sources import from_url

    options = inspect_options(VersionTable())
    assert describe(compare(from_url(fresh, options), from_url(old_dev, options))) == ()
    assert describe(compare(from_url(fresh, options), from_url(prod, options))) == ()


def test_offline_sql_from_another_directory(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = copy_project(EXAMPLE, tmp_path / "proj")
    create(ini, build_prod(pg_default, ini))
    add_revision(ini.parent / "alembic" / "versions", NEW_REV, OLD_HEAD, NEW_UPGRADE,
                 NEW_DOWNGRADE)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    script = subprocess.run(
        [str(Path(__import__("sys").executable).parent / "alembic"), "-c", str(ini), "upgrade",
         "head", "--sql"], capture_output=True, text=True, cwd=elsewhere, check=True,
    ).stdout  # fmt: skip
    assert "CREATE TABLE public.lots" in script and "RESET search_path;" in script
    # the rendered script really builds the database (psql, as a DBA would run it)
    from alembic_baseline.pg import binaries, tools

    target = pg_default.create_database()
    path = tmp_path / "plan.sql"
    path.write_text(script)
    tools.psql_file(binaries.find_client(pg_default.major, "psql").bindir, target, path)
    assert rows(target, "SELECT version_num FROM alembic_version") == [(NEW_REV,)]
    # from the old head only the new revision is rendered
    tail = project(ini).offline_sql(f"{OLD_HEAD}:head")
    assert "settings_seen" in tail and "CREATE TABLE public.lots" not in tail


def test_pg18_dump_loads_on_older_majors(tmp_path: Path) -> None:
    from tests.db.conftest import MAJORS, server_for

    older = [m for m in MAJORS if m < 17]
    if 18 not in MAJORS or not older:
        pytest.skip("needs PostgreSQL 18 and an older major")
    ini = copy_project(FIXTURES / "multibase", tmp_path)
    source = build_prod(server_for(18), ini)
    create(
        ini, source, tables=()
    )  # pg_dump 18 writes SET transaction_timeout; the baseline drops it
    for major in older:
        target = server_for(major).create_database()
        project(ini).upgrade(target, "heads")
        assert project(ini).current_heads(target) == ("dd44dd44dd44",)


def test_tricky_sql_multiple_bases_merge_and_chunks(pg: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(FIXTURES / "multibase", tmp_path)
    (ini.parent / "pyproject.toml").write_text(
        "[tool.alembic-baseline.baseline]\nchunk_size = 3\n"  # force the chunked loader
    )
    code, out, err = cli("-c", str(ini), "--pg-major", str(pg.major), "--json",
                         "baseline", "create", "--from-history")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["chunks"] > 2
    fresh = pg.create_database()
    project(ini).upgrade(fresh, "heads")
    prosrc = rows(fresh, "SELECT prosrc FROM pg_proc WHERE proname = 'order_label'")[0][0]
    assert "':customer'" in str(prosrc) and "'order:'" in str(prosrc) and "%%" in str(prosrc)
    code, out, err = cli("-c", str(ini), "--pg-major", str(pg.major), "baseline", "verify")
    assert code == 0, out + err


def test_baseline_downgrade_is_guarded(pg_default: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    create(ini, build_prod(pg_default, ini))
    db = pg_default.create_database()
    project(ini).upgrade(db, "heads")
    with pytest.raises(MigrationError, match="allow_baseline_downgrade=1"):
        project(ini).downgrade(db, "base")
    assert rows(db, "SELECT count(*) > 20 FROM pg_tables WHERE schemaname = 'public'") == [(True,)]
    project(ini, "allow_baseline_downgrade=1").downgrade(db, "base")
    left = rows(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert left == [("alembic_version",)]  # Alembic's own bookkeeping survives
    assert rows(db, "SELECT count(*) FROM alembic_version") == [(0,)]
    assert rows(
        db,
        "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = "
        "t.typnamespace WHERE nspname = 'public' AND typtype IN ('e', 'd')",
    ) == [(0,)]
    project(ini).upgrade(db, "heads")  # and it can be built again
    assert project(ini).current_heads(db) == (OLD_HEAD,)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}  # fmt: skip


def test_refusals_and_failures_leave_the_project_unchanged(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    before = _tree(ini.parent)
    behind = pg_default.create_database()
    project(ini).upgrade(behind, "a3ae9e58a78d")
    code, _, err = cli("-c", str(ini), "baseline", "create", "--url", behind.render())
    assert code == 3 and "not at the head" in err and "hint:" in err
    prod = build_prod(pg_default, ini)
    code, _, err = cli("-c", str(ini), "baseline", "create", "--url", prod.render(),
                       "--reference-table", "no_such_table")  # fmt: skip
    assert code == 2 and "no_such_table" in err
    # a failure half-way (the archive folder cannot be created) is undone completely
    (ini.parent / "alembic" / "versions" / "archive").write_text("not a folder")
    code, _, err = cli("-c", str(ini), "baseline", "create", "--url", prod.render())
    assert code != 0
    (ini.parent / "alembic" / "versions" / "archive").unlink()
    assert _tree(ini.parent) == before


def test_drift_stops_the_baseline_unless_accepted(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    prod = build_prod(pg_default, ini)
    with connection(prod) as conn:
        conn.execute("ALTER TABLE lots ADD COLUMN hotfix_note text")  # a change made by hand
    code, _, err = cli("-c", str(ini), "baseline", "create", "--url", prod.render())
    assert code == 3
    assert "hotfix_note" in err and "--accept-production" in err
    assert not (ini.parent / "alembic" / "versions" / "archive").exists()
    result = create(ini, prod, "--accept-production")
    manifest = json.loads(Path(str(result["manifest_path"])).read_text())
    assert manifest["drift_accepted"] is True
    assert any("hotfix_note" in line for line in manifest["drift"])


def test_restore_and_git_moves(pg_default: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    root = ini.parent
    git = ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "history"], check=True)
    before = _tree(root / "alembic" / "versions")
    create(ini, build_prod(pg_default, ini))
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    assert status.count("R  alembic/versions/") == 50  # archived with git mv: history kept
    code, _, err = cli("-c", str(ini), "baseline", "archive", "--restore")
    assert code == 0, err
    assert _tree(root / "alembic" / "versions") == before
    assert History(project(ini)).heads() == (OLD_HEAD,)


def test_recursive_version_locations_puts_the_archive_outside(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    ini.write_text(ini.read_text().replace(
        "[alembic]\n", "[alembic]\nrecursive_version_locations = true\n"))  # fmt: skip
    create_args = ("-c", str(ini), "baseline", "create", "--from-history")
    code, _, err = cli(*create_args)
    assert code == 0, err
    assert (ini.parent / "migrations" / "archive").is_dir()
    assert not (ini.parent / "migrations" / "versions" / "archive").exists()
    fresh = pg_default.create_database()
    project(ini).upgrade(fresh, "heads")  # Alembic sees no duplicate revision ids
    assert project(ini).current_heads(fresh) == ("3c4d5e6f7a8b",)


def test_version_table_in_its_own_schema(pg_default: ScratchServer, tmp_path: Path) -> None:
    """env.py keeps the version table in meta.schema_history and creates that schema itself."""
    ini = copy_project(FIXTURES / "mini", tmp_path)
    x = ("-x", "version_table=schema_history", "-x", "version_schema=meta")
    prod = pg_default.create_database()
    project(ini, "version_table=schema_history", "version_schema=meta").upgrade(prod, "heads")
    code, _, err = cli("-c", str(ini), *x, "baseline", "create", "--url", prod.render())
    assert code == 0, err
    sql = next((ini.parent / "migrations" / "baselines").glob("*.sql")).read_text()
    assert "schema_history" not in sql and "CREATE SCHEMA IF NOT EXISTS meta" in sql
    proj = project(ini, "version_table=schema_history", "version_schema=meta")
    fresh = pg_default.create_database()
    proj.upgrade(fresh, "heads")
    assert rows(fresh, "SELECT version_num FROM meta.schema_history") == [("3c4d5e6f7a8b",)]
    assert proj.upgrade(prod, "heads").steps == ()  # production continues: nothing to run
    code, out, err = cli("-c", str(ini), *x, "baseline", "verify")
    assert code == 0, out + err
