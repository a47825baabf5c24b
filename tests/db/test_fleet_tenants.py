"""Schema-per-tenant parity of ``fleet apply`` and ``fleet drift`` on examples/multitenant.

Tenant schemas of one database (one of them with a name that must be quoted in SQL) at the
revision before head: the apply backs each one up alone (``pg_dump --schema``), verifies each
against the history replayed once into a scratch tenant schema, and ``rollback --restore`` of a
one-schema backup refuses with the commands that restore that schema alone — which are run here.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fleet_support import Fleet
from psycopg import sql

from alembic_baseline import compat
from alembic_baseline.cli import main
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook import backup as bk
from tests.helpers.projects import REPO

EXAMPLE = REPO / "examples" / "multitenant"
HEAD, BEFORE = "e7f8a9b0c166", "d5e6f7a8b955"
INDEX = "ux_users_account_id_lower_email_for_case_insensitive_login"
PATTERN = "t\\_%"


class Tenants(Fleet):
    """The example's schema-per-tenant configuration (schemas.ini)."""

    @property
    def ini(self) -> Path:
        return self.project_dir / "schemas.ini"

    def make(self, url: DatabaseURL, names: tuple[str, ...], rev: str) -> None:
        for name in names:
            with connection(url) as conn:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
            self.project(f"tenant={name}").upgrade(url, rev)

    def run(self, *argv: str) -> tuple[int, dict[str, Any], str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--json", "-c", str(self.ini), *argv], out, err)
        return code, json.loads(out.getvalue()), err.getvalue()


@pytest.fixture
def tenants(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Tenants]:
    dest = tmp_path / "multitenant"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    ini = dest / "schemas.ini"  # as a SQLAlchemy 1.4 project names its driver (no psycopg 3)
    driver = compat.sqlalchemy_driver("psycopg")
    ini.write_text(ini.read_text().replace("postgresql+psycopg://", f"postgresql+{driver}://"))
    t = Tenants(pg_default, dest, f"mt{secrets.token_hex(3)}")
    yield t
    t.drop()


NAMES = ("t_acme", "t_Globex Corp", "t_users")


def _db(tenants: Tenants, rev: str) -> DatabaseURL:
    (db,) = tenants.databases(None)
    tenants.make(db, NAMES, rev)
    return db


def _url(db: DatabaseURL) -> str:
    """The URL as this SQLAlchemy's users write it (the sample env.py passes it on as is;
    SQLAlchemy 1.4 has no ``postgresql+psycopg`` dialect)."""
    return db.render(compat.sqlalchemy_driver("psycopg"))


def _select(db: DatabaseURL) -> list[str]:
    return ["--url", _url(db), "--schemas", PATTERN]


def _toc(path: Path, major: int) -> list[str]:
    """The archive's entries (``pg_restore --list``: ``TYPE SCHEMA NAME OWNER``)."""
    return bk.toc(bk.client_for(major), path)


def test_backup_of_one_tenant_and_restore_commands(tenants: Tenants) -> None:
    db = _db(tenants, BEFORE)
    code, run, err = tenants.run(
        "--scratch-url", tenants.server.admin_url.render("psycopg"), "fleet", "apply", *_select(db)
    )
    assert code == 0, (run, err)
    assert {t["name"]: t["outcome"] for t in run["targets"]} == dict.fromkeys(NAMES, "ok")

    (record,) = tenants.records("t_acme")
    backup = record["backup"]
    assert backup["schema"] == "t_acme" and backup["database"] == db.database
    checks = {c["name"]: c for c in record["plan"]["checks"]}
    assert checks["backup"]["status"] == "pass" and "--schema t_acme" in checks["backup"]["detail"]
    assert checks["schema-matches"]["status"] == "pass"
    path = Path(backup["path"])
    assert path.name.startswith(f"{db.database}.t_acme_")
    entries = _toc(path, tenants.server.major)
    assert "SCHEMA - t_acme" in [" ".join(e.split()[:3]) for e in entries]
    assert any(e.startswith("TABLE DATA t_acme accounts") for e in entries)
    assert all("t_acme" in e for e in entries), entries  # no other tenant, nothing of public
    assert not any("t_users" in e or "Globex" in e or " public " in e for e in entries)
    fleet_runs = tenants.project_dir / ".alembic-baseline" / "runs" / "fleet"
    (globex,) = fleet_runs.glob("t_Globex_Corp-*/*/record.json")  # a name made safe (CRC)
    other = json.loads(globex.read_text())["backup"]
    assert other["schema"] == "t_Globex Corp"
    assert {e.split()[2] for e in _toc(Path(other["path"]), tenants.server.major)} >= {"t_Globex"}

    # rows written since the backup, in this tenant and in another one
    with connection(db) as conn:
        for schema in ("t_acme", "t_users"):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {}.accounts (slug, display_name) VALUES ('late', 'after backup')"
                ).format(sql.Identifier(schema))
            )

    runs = tenants.project_dir / ".alembic-baseline" / "runs" / "fleet" / "t_acme"
    code, doc, err = tenants.run(
        "-x",
        "tenant=t_acme",
        "rollback",
        "--url",
        _url(db),
        "--restore",
        record["id"],
        "--runs-dir",
        str(runs),
        "--yes",
    )
    assert code == 3, (doc, err)
    error = doc["error"]
    assert "holds schema 't_acme'" in error["message"] and "Nothing was done" in error["message"]
    steps = [error["context"][f"step {i}"] for i in (1, 2, 3)]
    assert "RENAME TO" in steps[0] and steps[1].startswith("pg_restore ")
    assert "--clean" not in steps[1] and "DROP SCHEMA" in steps[2]
    assert tenants.rows(db, "t_acme") == [HEAD]  # the refusal touched nothing

    bindir = bk.client_for(tenants.server.major).bindir
    env = {**os.environ, **db.libpq_env(), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    for step in steps:
        done = subprocess.run(["bash", "-c", step], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (step, done.stderr)

    assert tenants.rows(db, "t_acme") == [BEFORE]  # the tenant as it was before the apply
    assert tenants.rows(db, "t_users") == [HEAD]  # the others untouched
    with connection(db) as conn:
        late = {
            schema: conn.execute(
                sql.SQL("SELECT count(*) FROM {}.accounts WHERE slug = 'late'").format(
                    sql.Identifier(schema)
                )
            ).fetchone()
            for schema in ("t_acme", "t_users")
        }
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY 1"
        ).fetchall()
        index = conn.execute(
            "SELECT schemaname FROM pg_indexes WHERE indexname = %s ORDER BY 1", (INDEX,)
        ).fetchall()
    assert late == {"t_acme": (0,), "t_users": (1,)}  # the other tenant's new row kept
    assert [r[0] for r in schemas] == sorted(NAMES)  # the renamed schema dropped (step 3)
    assert [r[0] for r in index] == ["t_Globex Corp", "t_users"]

    code, drift, err = tenants.run(
        "--scratch-url", tenants.server.admin_url.render("psycopg"), "fleet", "drift", *_select(db)
    )
    assert code == 0, (drift, err)
    assert {t["name"]: (t["revision"], t["matches"]) for t in drift["targets"]} == {
        "t_acme": (BEFORE, True),
        "t_Globex Corp": (HEAD, True),
        "t_users": (HEAD, True),
    }


def test_verify_passes_clean_tenants_and_fails_a_drifted_one(tenants: Tenants) -> None:
    db = _db(tenants, BEFORE)
    with connection(db) as conn:  # made by hand in one tenant only
        conn.execute('ALTER TABLE "t_Globex Corp".users ADD COLUMN nickname text')
    scratch = ["--scratch-url", tenants.server.admin_url.render("psycopg")]
    apply = [*scratch, "fleet", "apply", *_select(db), "--no-backup", "--continue-on-error"]
    code, run, err = tenants.run(*apply)
    assert code == 1, (run, err)
    outcome = {t["name"]: t for t in run["targets"]}
    assert outcome["t_acme"]["outcome"] == "ok" and outcome["t_users"]["outcome"] == "ok", [
        t.get("error") for t in run["targets"]
    ]
    refused = outcome["t_Globex Corp"]  # compared before anything ran: refused, untouched
    assert refused["outcome"] == "failed" and "schema-matches" in refused["error"]
    assert tenants.rows(db, "t_Globex Corp") == [BEFORE]

    code, run, err = tenants.run(*apply, "--skip-check", "schema-matches")
    assert code == 1, (run, err)
    drifted = {t["name"]: t for t in run["targets"]}["t_Globex Corp"]
    assert drifted["outcome"] == "failed" and "Verification failed: schema" in drifted["error"]
    assert "nickname" in drifted["error"]
    assert tenants.rows(db, "t_Globex Corp") == [HEAD]  # migrated; only its proof failed

    fleet_runs = tenants.project_dir / ".alembic-baseline" / "runs" / "fleet"
    for name, status in (("t_acme", "pass"), ("t_users", "pass"), ("t_Globex_Corp-*", "fail")):
        record = json.loads(sorted(fleet_runs.glob(f"{name}/*/record.json"))[-1].read_text())
        items = {i["name"]: i for i in record["verification"]["items"]}
        assert items["schema"]["status"] == status, items
        assert record["backup"] is None
        checks = {c["name"]: c["status"] for c in record["plan"]["checks"]}
        assert checks["schema-matches"] == ("pass" if status == "pass" else "fail"), checks


def test_drift_lists_only_the_drifted_tenant(tenants: Tenants) -> None:
    db = _db(tenants, HEAD)
    with connection(db) as conn:
        conn.execute("CREATE INDEX by_hand ON t_users.accounts (created_at)")
    scratch = ["--scratch-url", tenants.server.admin_url.render("psycopg")]
    code, drift, err = tenants.run(*scratch, "fleet", "drift", *_select(db))
    assert code == 1, (drift, err)
    found = {t["name"]: t for t in drift["targets"]}
    assert {n: t["matches"] for n, t in found.items()} == {
        "t_acme": True,
        "t_Globex Corp": True,
        "t_users": False,
    }
    assert any("by_hand" in d for d in found["t_users"]["differences"])
    assert drift["summary"]["revisions_replayed"] == [HEAD]
    assert drift["summary"]["not_compared"] == 0

    out, errs = io.StringIO(), io.StringIO()
    code = main(["-c", str(tenants.ini), *scratch, "fleet", "drift", *_select(db)], out, errs)
    assert code == 1
    text = out.getvalue()
    assert "drifted t_users" in text and "not compared" not in text.split("\n")[0]
