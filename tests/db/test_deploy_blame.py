"""Failures that are not the revision's fault are not blamed on it: env.py, a missing module,
a lost connection (a real pg_terminate_backend and a real server restart), a bad --to; and a
failed ``--json apply`` still prints one JSON document."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_deploy_support import Env, add_revision, make_env

from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg import tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import LocalCluster, ScratchServer, open_server

ENV_FAIL = """
def _upgrading() -> bool:
    try:
        return context.get_revision_argument() is not None
    except KeyError:  # reading the version table: no destination
        return False


if os.environ.get("AB_TEST_ENV_FAIL") and not context.is_offline_mode() and _upgrading():
    raise RuntimeError("secrets vault unreachable")
"""


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


def _no_unfinished_run(env: Env) -> None:
    argv = env.argv("check", json=True)
    argv.insert(argv.index("check") + 1, "pre-patch")
    out, err = io.StringIO(), io.StringIO()
    main(argv, out, err)
    items = {i["name"]: i for i in json.loads(out.getvalue())["items"]}
    assert items["no-unfinished-run"]["status"] == "pass", items["no-unfinished-run"]


def test_env_py_raising_is_named_not_the_revision(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_py = env.project_dir / "migrations" / "env.py"
    source = env_py.read_text()
    env_py.write_text(
        source.replace("config = context.config\n", "config = context.config\n" + ENV_FAIL)
    )
    line = (
        env_py.read_text().splitlines().index('    raise RuntimeError("secrets vault unreachable")')
        + 1
    )
    monkeypatch.setenv("AB_TEST_ENV_FAIL", "1")
    # The pre-patch check cannot build the expected schema either: it refuses, naming env.py.
    code, _, err = env.cli("apply", "--no-backup")
    assert code == ExitCode.UNSAFE, err
    assert "schema not compared" in err and "env.py failed before any revision ran" in err
    assert "Fix revision" not in err and "Fix the revision" not in err
    # Past that check (knowingly skipped), the run itself names env.py, not the revision.
    code, _, err = env.cli("apply", "--no-backup", "--skip-check", "schema-matches")
    assert code == ExitCode.USAGE, err
    assert "env.py failed before any revision ran: RuntimeError: secrets vault unreachable" in err
    assert f"migrations/env.py, line {line}" in err
    assert "Fix revision" not in err and "Fix the revision" not in err
    record = env.records()[-1]
    assert record["outcome"] == "failed" and record["stopped_at"] == ["d1000001"]
    assert "Revision d2000002 did not run" in record["next_steps"][0]
    assert "d1000001" in record["next_steps"][0]
    assert record["error"]["type"] == "EnvPyFailed"
    assert env.current() == ("d1000001",)
    _no_unfinished_run(env)


def test_missing_module_is_the_environment_not_the_revision(env: Env) -> None:
    add_revision(env, "d4000004", "d3000003", "import not_installed_anywhere_xyz  # noqa")
    code, out, err = env.cli("apply", "--no-backup", json=True)
    assert code == ExitCode.USAGE, err
    error = json.loads(out)["error"]
    assert error["type"] == "ImportFailed"
    assert "No module named 'not_installed_anywhere_xyz'" in error["message"]
    assert "d4000004_extra.py, line" in error["message"]
    assert "PYTHONPATH" in error["hint"] and "Fix" not in error["hint"]
    assert env.records()[-1]["outcome"] == "error"
    assert env.current() == ("d1000001",)
    _no_unfinished_run(env)


def test_json_apply_failure_is_one_document(env: Env) -> None:
    code, out, err = env.cli("apply", "--no-backup", x=("fail=d2",), json=True)
    assert code == ExitCode.USAGE
    error = json.loads(out)["error"]
    assert error["exit_code"] == 2 and error["type"] == "MigrationError"
    assert "division by zero" in error["message"] and "Fix revision d2000002" in error["hint"]
    assert error["context"]["database_is_at"] == "d1000001"
    assert Path(error["context"]["run_record"]).is_dir()
    assert "error:" in err  # the paragraph is still on stderr


@pytest.mark.parametrize(
    ("to", "words"),
    [("zzzz", "no revision of this project"), ("d", "is ambiguous")],
    ids=["unknown", "ambiguous"],
)
def test_rollback_to_an_unknown_or_ambiguous_revision(env: Env, to: str, words: str) -> None:
    env.project().upgrade(env.db, "heads")
    code, out, err = env.cli("rollback", "--to", to, "--no-backup", json=True)
    assert code == ExitCode.USAGE, err
    error = json.loads(out)["error"]
    assert words in error["message"] and "internal" not in error["message"]
    assert "alembic history" in error["hint"]
    assert env.records()[-1]["outcome"] == "error"
    assert env.current() == ("d3000003",)
    _no_unfinished_run(env)


# -- a connection lost while a revision runs ---------------------------------------------------


def _sleeping_pids(admin: Any, database: str) -> list[int]:
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE %s",
        (database, "SELECT pg_sleep%"),
    ).fetchall()
    return [int(r[0]) for r in rows]


def _when_sleeping(env: Env, action: Any) -> threading.Thread:
    """Run ``action`` (in a thread) once revision d2000002 sleeps inside its transaction."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with connection(env.server.admin_url) as admin:
                if _sleeping_pids(admin, env.db.database):
                    action()
                    return
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _assert_connection_lost(env: Env, code: int, err: str) -> None:
    assert code == ExitCode.USAGE, err
    assert "connection to the database was lost while revision d2000002 ran" in err, err
    assert "PostgreSQL rolls back the transaction" in err and "Fix revision" not in err
    assert "database_is_at: d1000001" in err
    record = env.records()[-1]
    assert record["outcome"] == "failed" and record["stopped_at"] == ["d1000001"]
    assert record["error"]["type"] == "ConnectionLost"
    assert "(unknown" not in json.dumps(record)
    assert "the server rolled back its transaction" in record["next_steps"][0]
    assert "the database is at d1000001" in record["next_steps"][0]
    assert [s["status"] for s in record["steps"]] == ["failed", "pending"]
    assert env.current() == ("d1000001",)
    assert env.columns("items") == ["id", "name"]  # the revision's transaction rolled back


def test_session_terminated_mid_revision(env: Env) -> None:
    def terminate() -> None:
        with connection(env.server.admin_url) as admin:
            for pid in _sleeping_pids(admin, env.db.database):
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    watcher = _when_sleeping(env, terminate)
    code, _, err = env.cli("apply", "--no-backup", x=("sleep=60",))
    watcher.join(timeout=30)
    _assert_connection_lost(env, code, err)
    _no_unfinished_run(env)


def test_server_restart_mid_revision(tmp_path: Path, pg_default: ScratchServer) -> None:
    """A real restart (pg_ctl restart -m fast) of a private cluster while a revision sleeps:
    after it, the record says where the database is, read on a new connection."""
    server = open_server(major=pg_default.major)
    assert isinstance(server, LocalCluster) and server.owned
    try:
        env = make_env(server, tmp_path)
        info = server.info

        def restart() -> None:
            tools.run(
                [Path(info.bindir) / "pg_ctl", "-D", info.data, "-m", "fast", "-w", "restart",
                 "-l", Path(info.base) / "server.log"],
                what="pg_ctl restart",
                run_as=tools.unprivileged_account(),
                timeout=120,
            )  # fmt: skip

        watcher = _when_sleeping(env, restart)
        code, _, err = env.cli("apply", "--no-backup", x=("sleep=60",))
        watcher.join(timeout=120)
        assert not watcher.is_alive()
        _assert_connection_lost(env, code, err)
    finally:
        server.close()


@pytest.mark.parametrize("option", ["--backup-dir", "--runs-dir"])
def test_unusable_directory_blocks_nothing_afterwards(env: Env, option: str) -> None:
    blocker = env.project_dir / "a-file"
    blocker.write_text("not a directory")
    path = str(blocker / "sub")
    code, out, err = env.cli("apply", option, path, json=True)
    assert code == ExitCode.USAGE, err
    error = json.loads(out)["error"]
    assert error["type"] == "ConfigError" and f"{option} {path} cannot be used" in error["message"]
    assert env.records() == [] and env.backups() == [] and env.current() == ("d1000001",)
    _no_unfinished_run(env)
    code, _, err = env.cli("apply")  # the next run is not blocked by anything left behind
    assert code == ExitCode.OK, err
    assert env.current() == ("d3000003",)


@pytest.mark.parametrize("target", ["zzzz", "d"], ids=["unknown", "ambiguous"])
def test_apply_to_an_unknown_or_ambiguous_target(env: Env, target: str) -> None:
    code, out, err = env.cli("apply", "--target", target, "--no-backup", json=True)
    assert code == ExitCode.USAGE, err
    error = json.loads(out)["error"]
    assert (
        error["type"] == "ConfigError" and f"Unknown target revision {target!r}" in error["message"]
    )
    assert "internal" not in err and env.records()[-1]["outcome"] == "error"
    assert env.current() == ("d1000001",)


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        (
            "import not_installed_anywhere_xyz\n",
            ["No module named", "env.py, line 1", "PYTHONPATH"],
        ),
        ("def broken(:\n", ["The file migrations/env.py, line 1 has a syntax error"]),
    ],
    ids=["import", "syntax"],
)
def test_broken_env_py_is_named(env: Env, prefix: str, words: list[str]) -> None:
    env_py = env.project_dir / "migrations" / "env.py"
    env_py.write_text(prefix + env_py.read_text())
    code, out, err = env.cli("status", "--no-schema-check", json=True)
    assert code == ExitCode.USAGE, err
    error = json.loads(out)["error"]
    for word in words:
        assert word in error["message"] + " " + str(error["hint"]), error
    assert "internal" not in err and "Fix the revision" not in err
