"""Seed data and secrets in baselines, on real PostgreSQL.

The fixture project ``seeded`` writes rows in its migrations: a default workspace with a
``gen_random_uuid()`` id and a ``now()`` timestamp, a member with a token made by ``uuid.uuid4()``
in Python, feature flags (``now()`` too), a stable lookup table (countries), a table whose default
uses a sequence it does not own (plans), and foreign keys between the seeded tables (member →
workspace → country).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import FIXTURES, cli, copy_project, project

SEEDED = FIXTURES / "seeded"
SEED_ROWS = {
    "public.countries": 3,
    "public.feature_flags": 3,
    "public.plans": 2,
    "public.workspace_members": 1,
    "public.workspaces": 1,
}


def rows(url: DatabaseURL, query: str) -> list[tuple[object, ...]]:
    with connection(url) as conn:
        return list(conn.execute(query).fetchall())  # type: ignore[arg-type]


def run(pg: ScratchServer, ini: Path, *argv: str) -> tuple[int, str, str]:
    return cli("-c", str(ini), "--scratch-url", pg.admin_url.render(), *argv)


def create(pg: ScratchServer, ini: Path, *extra: str) -> dict[str, object]:
    code, out, err = run(pg, ini, "--json", "baseline", "create", *extra)
    assert code == 0, out + err
    return dict(json.loads(out))


def generated_files(ini: Path) -> dict[Path, str]:
    """Every file the baseline wrote: SQL, manifest, baseline and bridge revisions."""
    script = ini.parent / "migrations"
    files = [*(script / "baselines").iterdir(), *(script / "versions").glob("*.py")]
    return {p: p.read_text(encoding="utf-8") for p in files}


def test_seed_rows_are_carried_by_default_and_verified(pg: ScratchServer, tmp_path: Path) -> None:
    ini = copy_project(SEEDED, tmp_path)
    result = create(pg, ini, "--from-history", "--rev-id", "baseline_seed")
    assert result["seed_rows"] == SEED_ROWS and result["seed_carried"] is True
    assert str(result["source"]).startswith("history")
    manifest = json.loads(Path(str(result["manifest_path"])).read_text())
    assert manifest["seed_data"] is True and manifest["seed_rows"] == SEED_ROWS
    revision_text = Path(str(result["revision_path"])).read_text()
    assert "production" not in revision_text.split('"""')[1]  # labelled "from history"

    # a fresh database from the baseline holds the seed rows, sequences where the history left
    # them (feature_flags: 4 used, one row deleted again), and the foreign keys hold
    fresh = pg.create_database()
    project(ini).upgrade(fresh, "heads")
    assert rows(fresh, "SELECT name, country FROM workspaces") == [("Default", "JP")]
    assert rows(fresh, "SELECT count(*) FROM workspace_members m JOIN workspaces w "
                       "ON w.id = m.workspace_id") == [(1,)]  # fmt: skip
    assert rows(fresh, "INSERT INTO feature_flags (name, enabled) VALUES ('x', true) "
                       "RETURNING id") == [(5,)]  # fmt: skip
    assert rows(fresh, "INSERT INTO plans (name) VALUES ('x') RETURNING id") == [(1002,)]
    assert rows(fresh, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == [(2,)]

    # verify passes although ids, tokens and timestamps differ on every replay, and says why
    code, out, err = run(pg, ini, "baseline", "verify")
    assert code == 0, out + err
    text = " ".join(out.split())
    assert "seed rows (5 tables)" in text and "volatile columns" in text
    for column in ("workspaces.id", "workspaces.created_at", "workspace_members.invite_token",
                   "workspace_members.workspace_id", "feature_flags.updated_at"):  # fmt: skip
        assert f"public.{column}" in text
    assert "public.countries.name" not in text and "feature_flags.name" not in text
    assert re.search(rf"verified: baseline baseline_seed on PostgreSQL {pg.major}\.\d+\b", text)
    assert str(pg.version_num) not in out

    # a seed row removed from the SQL, a stable value changed, a sequence not set: verify fails,
    # naming each
    sql_path = Path(str(result["sql_path"]))
    sql = sql_path.read_text()
    flag_row = re.search(r"(?m)^\t\(2, 'new_billing', true, .*\),\n", sql)
    setval = "SELECT pg_catalog.setval('public.plan_numbers', 1001, true);"
    assert flag_row is not None and "'Germany'" in sql and setval in sql
    sql = sql.replace(flag_row.group(0), "").replace("'Germany'", "'Deutschland'")
    sql_path.write_text(sql.replace(setval, ""))
    code, out, err = run(pg, ini, "--json", "baseline", "verify")
    assert code == 1, out + err
    seed = next(c for c in json.loads(out)["result"]["comparisons"] if c["name"].startswith("seed"))
    lines = "\n".join(seed["differences"])
    assert "public.feature_flags: 3 rows in the history, 2 in the baseline" in lines
    assert "row only in history: public.feature_flags" in lines and "new_billing" in lines
    assert "row only in baseline: public.countries" in lines and "Deutschland" in lines
    assert "sequence public.plan_numbers: at 1001 in the history, None in the baseline" in lines


def test_reference_table_with_random_ids_verifies(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    """The old failure: --reference-table on rows with gen_random_uuid()/now() was always red."""
    ini = copy_project(SEEDED, tmp_path)
    prod = pg_default.create_database()
    project(ini).upgrade(prod, "heads")
    # workspaces from production, its members (random foreign keys) from the replay: refused
    code, out, err = run(pg_default, ini, "baseline", "create", "--url", prod.render(),
                         "--reference-table", "workspaces")  # fmt: skip
    assert code == 2, out + err
    assert "workspace_members_workspace_id_fkey" in err and "1 key(s) not found" in err
    assert not (ini.parent / "migrations" / "baselines").exists()
    # both from production: created, and verify passes on the random ids and timestamps
    code, out, err = run(pg_default, ini, "baseline", "create", "--url", prod.render(),
                         "--reference-table", "workspaces",
                         "--reference-table", "workspace_members")  # fmt: skip
    assert code == 0, out + err
    text = " ".join(out.split())
    assert "seed data carried (rows the history writes, from its replay): 3 tables" in text
    assert "public.countries: 3 rows" in text and "public.workspaces:" not in text
    code, out, err = run(pg_default, ini, "--json", "baseline", "verify")
    assert code == 0, out + err
    refs = next(
        c for c in json.loads(out)["result"]["comparisons"] if c["name"] == "reference rows"
    )
    note = refs["notes"][0]
    assert "public.workspaces.created_at, public.workspaces.id" in note
    assert "public.workspace_members.invite_token" in note and "workspaces.name" not in note


def test_no_seed_data_is_recorded_and_carries_no_rows(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(SEEDED, tmp_path)
    code, out, err = run(pg_default, ini, "baseline", "create", "--from-history", "--no-seed-data")
    assert code == 0, out + err
    text = " ".join(out.split())
    assert (
        "warning: the history writes rows into 5 table(s) that the baseline does not carry" in text
    )
    assert "public.workspaces (1)" in text and "seed data carried" not in text
    baselines = ini.parent / "migrations" / "baselines"
    manifest = json.loads(next(baselines.glob("*.json")).read_text())
    assert manifest["seed_data"] is False and manifest["seed_rows"] == SEED_ROWS
    assert "INSERT INTO" not in next(baselines.glob("*.sql")).read_text()
    fresh = pg_default.create_database()
    project(ini).upgrade(fresh, "heads")
    assert rows(fresh, "SELECT count(*) FROM workspaces") == [(0,)]
    # the opt-out is explicit: verify passes and says what is not carried
    code, out, err = run(pg_default, ini, "baseline", "verify")
    assert code == 0, out + err
    assert "seed rows not carried (--no-seed-data)" in " ".join(out.split())
    # a manifest of an older version (no seed fields) with a schema-only baseline: the rows the
    # history writes are missing, and verify says so instead of "verified"
    path = next(baselines.glob("*.json"))
    old = {k: v for k, v in json.loads(path.read_text()).items() if not k.startswith("seed")}
    path.write_text(json.dumps(old))
    code, out, err = run(pg_default, ini, "--json", "baseline", "verify")
    assert code == 1, out + err
    seed = next(c for c in json.loads(out)["result"]["comparisons"] if c["name"].startswith("seed"))
    assert "public.workspaces: 1 rows in the history, 0 in the baseline" in seed["differences"]
    assert "the manifest lists no seed rows" in seed["notes"][-1]


def test_production_rows_and_secrets_never_reach_the_repository(
    pg: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(SEEDED, tmp_path)
    login, password = f"ab_prod_{uuid.uuid4().hex[:10]}", "Pr0d-Passw0rd-9d1"
    with connection(pg.admin_url) as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN SUPERUSER PASSWORD '{password}'")
    prod = dataclasses.replace(pg.create_database(), username=login, password=password)
    project(ini).upgrade(prod, "heads")
    with connection(prod) as conn:
        # customer data in a table the history seeds, and a user mapping with a password
        conn.execute("INSERT INTO workspaces (name) VALUES ('Acme Customer GmbH')")
        conn.execute("INSERT INTO customers (email) VALUES ('ceo@acme.example')")
        conn.execute("CREATE FOREIGN DATA WRAPPER ab_wrapper")
        conn.execute("CREATE SERVER ab_remote FOREIGN DATA WRAPPER ab_wrapper")
        conn.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER ab_remote "
                     "OPTIONS (user 'remote_app', password 'S3cret-fdw-42')")  # fmt: skip
        conn.execute("CREATE SUBSCRIPTION ab_feed CONNECTION 'host=feed.example dbname=feed "
                     "password=Sub-S3cret-77' PUBLICATION p "
                     "WITH (connect = false, slot_name = NONE, enabled = false)")  # fmt: skip
    try:
        result = create(
            pg, ini, "--url", prod.render(), "--rev-id", "baseline_prod", "--accept-production"
        )
    finally:
        with connection(prod) as conn:
            conn.execute("DROP SUBSCRIPTION ab_feed")
    assert result["seed_rows"] == SEED_ROWS  # counted in the replay, not in production
    assert result["source"] == f"production (database {prod.database})"
    warnings = " ".join(result["warnings"])  # type: ignore[arg-type]
    assert "user mapping on foreign server ab_remote was left out" in warnings
    assert "CREATE USER MAPPING FOR <role> SERVER ab_remote" in warnings
    files = generated_files(ini)
    assert len(files) == 4
    assert "subscription ab_feed was left out" in warnings
    secrets = [password, login, "S3cret-fdw-42", "remote_app", "Sub-S3cret-77", "feed.example"]
    secrets += ["Acme Customer", "ceo@acme"]
    where = [str(prod.host), f"port={prod.port}", f":{prod.port}"]
    for path, text in files.items():
        for needle in secrets + where:
            assert needle not in text, f"{needle!r} in {path.name}"
    sql = next(t for p, t in files.items() if p.suffix == ".sql")
    assert "'Default'" in sql and "CREATE SERVER ab_remote" in sql
    assert "USER MAPPING" not in sql
    manifest = next(t for p, t in files.items() if p.suffix == ".json")
    assert f"production (database {prod.database})" in manifest
    assert "user mapping on server ab_remote" in manifest


def test_row_counts_are_read_in_one_statement_per_batch(
    pg: ScratchServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed tables' row counts are one round trip per batch of tables, not one per table
    (issue 18: each round trip of the seed reader waited for the interpreter while the schema
    was inspected beside it); the counts, the skipped tables and the order are unchanged."""
    from alembic_baseline.baseline import seed

    monkeypatch.setattr(seed, "_COUNTED_AT_ONCE", 4, raising=False)
    url = pg.create_database()
    with connection(url) as conn:
        for number in range(10):
            conn.execute(f"CREATE TABLE t{number} (id int)")
            if number % 3 == 0:
                conn.execute(f"INSERT INTO t{number} SELECT generate_series(1, {number + 1})")
        conn.execute('CREATE TABLE "Odd name" (id int)')
        conn.execute('INSERT INTO "Odd name" VALUES (1)')
        conn.execute("CREATE TABLE alembic_version (version_num text)")
        conn.execute("INSERT INTO alembic_version VALUES ('x')")
    statements: list[str] = []
    real = seed.connection

    @contextlib.contextmanager
    def counting(target: DatabaseURL, **kw: Any) -> Iterator[Any]:
        with real(target, **kw) as conn:
            execute = conn.execute

            def traced(query: Any, *args: Any, **kwargs: Any) -> Any:
                statements.append(str(query))
                return execute(query, *args, **kwargs)

            monkeypatch.setattr(conn, "execute", traced)
            yield conn

    monkeypatch.setattr(seed, "connection", counting)
    found = seed.filled_tables(url, ("alembic_version", None), ("t6",))
    assert found == {
        'public."Odd name"': ("public", "Odd name", 1),
        "public.t0": ("public", "t0", 1),
        "public.t3": ("public", "t3", 4),
        "public.t9": ("public", "t9", 10),
    }
    assert list(found) == sorted(found)
    # 10 counted tables (t6 excluded) in batches of 4: 3 statements, not 10
    assert len([s for s in statements if "count(*)" in s]) == 3, statements
