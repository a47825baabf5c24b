"""apply writes its backup, run record and caches under the configured state directory."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline import statedir
from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def _apply(env: Env, *global_options: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*global_options, *env.argv("apply")], out, err)
    return code, err.getvalue()


def _records(runs: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted(runs.glob("*/record.json"))]


def test_apply_writes_under_the_state_dir_flag(env: Env, tmp_path: Path) -> None:
    state = tmp_path / "state"  # does not exist yet: the tool creates it
    code, err = _apply(env, "--state-dir", str(state))
    assert code == ExitCode.OK, err
    assert (state / ".gitignore").read_text() == statedir.GITIGNORE
    records = _records(state / "runs")
    assert [r["outcome"] for r in records] == ["ok"]
    dumps = sorted((state / "backups").glob("*.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_size > 0
    assert str(dumps[0]) in json.dumps(records[0])  # the record points at that backup
    assert not (env.project_dir / ".alembic-baseline").exists()  # nothing in the project


def test_apply_follows_the_environment(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state, backups = tmp_path / "var-state", tmp_path / "volume" / "backups"
    monkeypatch.setenv(statedir.STATE_ENV, str(state))
    monkeypatch.setenv(statedir.BACKUP_ENV, str(backups))
    code, err = _apply(env)
    assert code == ExitCode.OK, err
    assert (state / ".gitignore").read_text() == statedir.GITIGNORE
    assert [r["outcome"] for r in _records(state / "runs")] == ["ok"]
    assert not (state / "backups").exists()  # backups went to their own directory
    assert len(list(backups.glob("*.dump"))) == 1
    # the tool created volume/ on the way: the marker is in the topmost directory it created
    assert (tmp_path / "volume" / ".gitignore").read_text() == statedir.GITIGNORE
    assert not (env.project_dir / ".alembic-baseline").exists()
