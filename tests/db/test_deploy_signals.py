"""Ctrl-C / kill during apply, for real: a subprocess interrupted while a revision runs."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env, sleeping

from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.versions import signals_need_sqlalchemy_2


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


@signals_need_sqlalchemy_2
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_revision_leaves_the_last_good_revision(
    env: Env, signum: signal.Signals
) -> None:
    argv = env.argv("apply", x=("sleep=60",))
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not sleeping(env):  # revision d2000002 is now inside its transaction
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the revision never started"
            time.sleep(0.1)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, out + err
    assert "Interrupted during revision d2000002" in err and "d1000001" in err
    assert env.current() == ("d1000001",)  # the running revision rolled back as a whole
    assert env.columns("items") == ["id", "name"]
    assert not sleeping(env)  # the statement was cancelled, not left running on the server
    record = env.records()[-1]
    assert record["outcome"] == "interrupted" and record["stopped_at"] == ["d1000001"]
    assert [s["status"] for s in record["steps"]] == ["interrupted", "pending"]
    assert Path(record["backup"]["path"]).is_file()  # the backup taken before is kept


def test_a_killed_run_is_reported_then_closed_by_the_next(env: Env) -> None:
    """kill -9 leaves a record saying ``running``: doctor's checklist names it (its process is
    gone, in which revision it stopped), and the next apply closes it as interrupted."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_baseline", *env.argv("apply", x=("sleep=60",))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not sleeping(env):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # the server notices the dead client only when the statement ends; an operator (or
    # idle_session_timeout) ends that session, which rolls the revision back
    with connection(env.server.admin_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()",
            (env.db.database,),
        )
    killed = env.records()[-1]
    assert killed["outcome"] == "running" and killed["pid"] == proc.pid

    argv = env.argv("check", json=True)
    argv.insert(argv.index("check") + 1, "pre-patch")
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == ExitCode.FINDINGS, err.getvalue()
    items = {i["name"]: i for i in json.loads(out.getvalue())["items"]}
    item = items["no-unfinished-run"]
    assert item["status"] == "fail", item
    assert f"apply run {killed['id']}" in item["detail"] and "is gone" in item["detail"]
    assert "it was inside d2000002" in item["detail"] and "half-applied" in item["hint"]

    code, out_text, err_text = env.cli("apply")
    assert code == ExitCode.OK, err_text
    assert f"closed an earlier run as interrupted: apply run {killed['id']}" in out_text
    closed, latest = env.records()[-2:]
    assert closed["id"] == killed["id"] and closed["outcome"] == "interrupted"
    assert closed["error"]["type"] == "Abandoned"
    assert [s["status"] for s in closed["steps"]] == ["interrupted", "pending"]
    md = Path(killed["backup"]["path"]).parents[1] / "runs" / killed["id"] / "record.md"
    assert "Closed as **interrupted** by run" in md.read_text()
    assert latest["closed_runs"] and killed["id"] in latest["closed_runs"][0]
    assert env.current() == ("d3000003",)  # the revision rolled back by the kill ran again

    out, err = io.StringIO(), io.StringIO()
    main(argv, out, err)
    items = {i["name"]: i for i in json.loads(out.getvalue())["items"]}
    assert items["no-unfinished-run"]["status"] == "pass"
