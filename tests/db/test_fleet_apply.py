"""fleet status / apply / drift over a handful of databases and tenant schemas.

Targets are template clones at chosen revisions of the fleet_app fixture project; the apply runs
through the CLI in-process (one worker) or with a small process pool.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_support import F1, F2, HEAD, Fleet, make_fleet

from alembic_baseline.lockkey import key
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import add_revision, cli

SECRET = "n0t-pr1nted-" + secrets.token_hex(4)


@pytest.fixture
def fleet(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Fleet]:
    f = make_fleet(pg_default, tmp_path, f"fl{secrets.token_hex(3)}")
    yield f
    f.drop()


def _targets_file(fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three databases (at head, at F1, empty), one with an unknown revision, one unreachable
    (its URL, with a password, comes from the environment)."""
    head, old, empty, odd = fleet.databases(HEAD, F1, None, F1)
    with connection(odd) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'deadbeef0000'")
    monkeypatch.setenv("GONE_URL", f"postgresql://app:{SECRET}@127.0.0.1:9/gone")
    path = tmp_path / "targets.toml"
    lines = []
    for name, url in (("head", head), ("old", old), ("empty", empty), ("odd", odd)):
        lines += ["[[target]]", f'name = "{name}"', f"url = '{url.render('psycopg')}'"]
        lines += ['labels = { region = "eu" }', ""]
    lines += ["[[target]]", 'name = "gone"', 'url_env = "GONE_URL"', 'labels = { region = "us" }']
    path.write_text("\n".join(lines) + "\n")
    return path


def test_status_then_apply_then_rerun(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = str(_targets_file(fleet, tmp_path, monkeypatch))
    code, status, err = fleet.json("status", "--targets", targets)
    assert code == 1, err
    by_name = {t["name"]: t for t in status["targets"]}
    assert by_name["head"]["pending"] == [] and by_name["head"]["problem"] is None
    assert by_name["old"]["pending"] == ["f2b0000000002", HEAD]
    assert by_name["empty"]["current"] == [] and len(by_name["empty"]["pending"]) == 3
    assert by_name["odd"]["problem"] == "unknown revision"
    assert by_name["gone"]["problem"] == "unreachable"
    assert status["groups"][HEAD] == ["head"]
    assert status["groups"]["(unreachable)"] == ["gone"]

    code, run, err = fleet.json("apply", "--targets", targets, "--no-backup", "--workers", "2")
    assert code == 1, err  # two targets have problems
    outcome = {t["name"]: t for t in run["targets"]}
    assert set(run) == {"targets", "summary"}
    assert set(outcome["old"]) >= {"name", "outcome", "from", "to", "error"}
    assert outcome["head"]["outcome"] == "skipped" and outcome["head"]["error"] is None
    assert outcome["old"] == {**outcome["old"], "outcome": "ok", "from": F1, "to": HEAD}
    assert outcome["empty"]["outcome"] == "ok" and outcome["empty"]["to"] == HEAD
    assert outcome["odd"]["outcome"] == "failed" and "unknown revision" in outcome["odd"]["error"]
    assert outcome["gone"]["outcome"] == "failed"
    assert run["summary"]["ok"] == 2 and run["summary"]["failed"] == 2
    # one record per migrated target, in its own directory, verified against the history
    (old_record,) = fleet.records("old")
    assert old_record["outcome"] == "ok"
    assert old_record["verification"]["items"][1]["status"] == "pass"
    assert fleet.records("head") == [] and fleet.records("odd") == []

    # rerun: nothing finished runs again (no new record), the problems are still reported
    code, again, err = fleet.json(
        "apply", "--targets", targets, "--no-backup", "--label", "region=eu"
    )
    assert code == 1
    assert {t["name"]: t["outcome"] for t in again["targets"]} == {
        "head": "skipped",
        "old": "skipped",
        "empty": "skipped",
        "odd": "failed",
    }
    assert len(fleet.records("old")) == 1
    code, out, err = fleet.cli("apply", "--targets", targets, "--no-backup")
    assert SECRET not in out + err and "gone" in out + err


def test_server_pattern_status_and_drift(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = fleet.databases(HEAD, HEAD, F2)
    with connection(b) as conn:
        conn.execute("ALTER TABLE invoices ADD COLUMN hand_made integer")
    code, status, err = fleet.json("status", *fleet.server_args())
    assert code == 0, err
    assert sorted(status["groups"][HEAD]) == [a.database, b.database]
    assert status["groups"][F2] == [c.database]

    code, drift, err = fleet.json("drift", *fleet.server_args())
    assert code == 1, err
    result = {t["name"]: t for t in drift["targets"]}
    assert result[a.database]["matches"] is True and result[c.database]["matches"] is True
    assert result[b.database]["matches"] is False
    assert any("hand_made" in d for d in result[b.database]["differences"])
    assert drift["summary"]["revisions_replayed"] == [F2, HEAD]
    code, md = fleet.markdown("drift", *fleet.server_args())
    assert code == 1 and f"| {b.database} | {HEAD} | drifted |" in md
    server_url = fleet.server_args()[1]  # the same server, its URL from the environment
    monkeypatch.setenv("FLEET_SERVER_URL", server_url)
    env_args = ["--server-env", "FLEET_SERVER_URL", *fleet.server_args()[2:]]
    code, md = fleet.markdown("status", *env_args)
    assert code == 0 and f"| {F2} | {c.database} |" in md
    code, md = fleet.markdown("plan", *fleet.server_args())
    assert code == 0 and "## Stages" in md and c.database in md


def test_tenant_schemas_each_locked_on_its_own(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    (db,) = fleet.databases(None)
    t0, t1, t2 = fleet.tenants(db, F1, F2, None)
    selection = ["--url", db.render("psycopg"), "--schemas", "tenant\\_%"]
    code, status, err = fleet.json("status", *selection)
    assert code == 0, err
    assert status["groups"] == {F1: [t0], F2: [t1], "(empty)": [t2]}

    # another session holds tenant_1's lock (an app replica migrating it at start-up)
    holder = connection(db)
    with holder as conn:
        conn.execute("SELECT pg_advisory_lock(%s, %s)", key(db.database, t1))
        code, run, err = fleet.json("apply", *selection, "--workers", "1")
    assert code == 1, err
    outcome = {t["name"]: t for t in run["targets"]}
    assert outcome[t0]["outcome"] == "ok" and outcome[t2]["outcome"] == "ok"
    assert outcome[t1]["outcome"] == "failed" and "in progress" in outcome[t1]["error"]
    assert fleet.rows(db, t0) == [HEAD] and fleet.rows(db, t1) == [F2]
    with connection(db) as conn:  # every tenant's objects in its own schema, none in public
        tables = conn.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'invoices'"
        ).fetchall()
    assert sorted(r[0] for r in tables) == [t0, t2]

    monkeypatch.setenv("TENANTS_URL", db.render("psycopg"))  # the URL kept out of argv
    by_env = ["--url-env", "TENANTS_URL", "--schemas", "tenant\\_%"]
    code, run, err = fleet.json("apply", *by_env)  # the lock is gone: the rerun finishes
    assert code == 0, err
    assert {t["name"]: t["outcome"] for t in run["targets"]} == {
        t0: "skipped",
        t1: "ok",
        t2: "skipped",
    }
    assert fleet.rows(db, t1) == [HEAD]


def test_canary_failure_stops_the_rollout(fleet: Fleet) -> None:
    urls = fleet.databases(F2, F2, F2, F2)
    names = sorted(u.database for u in urls)
    args = [*fleet.server_args(), "--no-backup", "--no-schema-check"]
    x = (f"fail={names[0]}",)
    code, plan, err = fleet.json(
        "plan", *fleet.server_args(), "--canary", "1", "--stages", "50%,100%"
    )
    assert code == 0, err
    assert plan["stages"] == [names[:1], names[1:2], names[2:]]

    code, run, err = fleet.json("apply", *args, "--canary", "1", "--stages", "50%,100%", x=x)
    assert code == 1, err
    outcome = {t["name"]: t for t in run["targets"]}
    assert outcome[names[0]]["outcome"] == "failed"
    assert "division by zero" in outcome[names[0]]["error"]
    assert all(outcome[n]["outcome"] == "skipped" for n in names[1:])
    assert all(outcome[n]["error"].startswith("not run: stage 1") for n in names[1:])
    assert run["summary"]["stopped"] == "stage 1 had 1 failure(s)"
    assert fleet.rows(urls[0]) == [F2]  # the failed revision was rolled back

    # --continue-on-error: the others go on; --max-failures 1 would still stop at the first
    code, run, err = fleet.json("apply", *args, "--max-failures", "1", x=x)
    assert code == 1 and run["summary"]["failed"] == 1 and run["summary"]["not_run"] == 3
    code, md = fleet.markdown("apply", *args, "--canary", "1", "--continue-on-error", x=x)
    assert code == 1 and "3 ok" in md and "1 failed" in md
    assert f"| {names[0]} | failed | {F2} | {F2} |" in md


def test_targets_behind_a_baseline_are_brought_forward(fleet: Fleet) -> None:
    prod, old = fleet.databases(HEAD, F1)
    scratch = fleet.server.admin_url.render("psycopg")
    both, only_prod = fleet.project_dir / "both.toml", fleet.project_dir / "prod.toml"
    entry = '[[target]]\nname = "{}"\nurl = "{}"\n'
    only_prod.write_text(entry.format("prod", prod.render("psycopg")))
    both.write_text(only_prod.read_text() + entry.format("old", old.render("psycopg")))
    create = ["-c", str(fleet.ini), "--scratch-url", scratch, "baseline", "create",
              "--url", prod.render("psycopg"), "--rev-id", "baseline_20261201"]  # fmt: skip
    code, out, err = cli(*create, "--targets", str(both))  # a fleet target is behind: refused
    assert code == 3 and "1 of 2 target(s)" in err and "old" in err, out + err
    assert not (fleet.project_dir / "migrations" / "versions" / "archive").exists()
    code, out, err = cli(*create, "--targets", str(only_prod))
    assert code == 0, out + err
    verify = ["-c", str(fleet.ini), "--scratch-url", scratch, "--json", "baseline", "verify"]
    code, out, err = cli(*verify, "--targets", str(both))
    assert code == 1 and json.loads(out)["fleet"]["off"].keys() == {"old"}, out + err
    add_revision(
        fleet.project_dir / "migrations" / "versions", "f4d0000000004", HEAD,
        "op.execute('CREATE TABLE after_baseline (id int)')",
        "op.execute('DROP TABLE after_baseline')",
    )  # fmt: skip
    code, status, err = fleet.json("status", *fleet.server_args())
    assert {t["name"]: t["problem"] for t in status["targets"]} == {
        prod.database: None,
        old.database: "archived revision",
    }
    code, run, err = fleet.json("apply", *fleet.server_args(), "--no-backup")
    assert code == 0, err
    outcome = {t["name"]: t for t in run["targets"]}
    assert outcome[old.database] == {**outcome[old.database], "from": F1, "to": "f4d0000000004"}
    assert fleet.rows(old) == fleet.rows(prod) == ["f4d0000000004"]
    (record,) = fleet.records(old.database)
    assert record["settings"]["archived_steps"]  # F2 and F3, run from the archive
