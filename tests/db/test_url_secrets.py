"""A password given to the tool (--url-env, --url-file, DATABASE_URL) appears nowhere: not on
stdout or stderr, not in --json, not in the run records — also when the run fails."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.cli import main
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer

SECRET = "ZQ7xW9kV"  # appears nowhere else


@pytest.fixture
def env(pg: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg, tmp_path)
    yield e
    pg.drop_database(e.db.database)


def with_password(env: Env, password: str) -> str:
    """The test database's URL with a password (the suite's servers trust local sockets, so
    the password is accepted whatever it is, and travels everywhere a real one would)."""
    text = env.db.render("psycopg")
    return text.replace("postgres@", f"postgres:{password}@", 1)


def run(
    env: Env, command: str, *args: str, json: bool = False, x: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    argv = env.argv(command, *args, json=json, x=x)
    at = argv.index("--url")
    del argv[at : at + 2]  # no URL in argv: it comes from the environment or a file
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def stored(env: Env) -> str:
    state = env.project_dir / ".alembic-baseline"
    files = [p for p in state.rglob("*") if p.is_file()] if state.is_dir() else []
    return "\n".join(p.read_text("utf-8", "replace") for p in files)


def assert_hidden(env: Env, *texts: str, secret: str = SECRET) -> None:
    for text in (*texts, stored(env)):
        assert secret not in text


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
def test_failing_apply_from_url_env_shows_no_password(
    env: Env, monkeypatch: pytest.MonkeyPatch, json: bool
) -> None:
    monkeypatch.setenv("PROD_DB_URL", with_password(env, SECRET))
    code, out, err = run(
        env, "apply", "--url-env", "PROD_DB_URL", "--no-backup", json=json, x=("fail=d2",)
    )
    assert code == ExitCode.USAGE and "division by zero" in out + err
    assert env.records()[-1]["outcome"] == "failed"
    assert_hidden(env, out, err)


def test_url_file_and_a_raw_at_in_the_password(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "db-url"
    secret_file.write_text(with_password(env, SECRET) + "\n")
    code, out, err = run(env, "status", "--url-file", str(secret_file))
    assert code == ExitCode.OK, err
    assert_hidden(env, out, err)
    # The mistake: a raw '@' in the password. Refused; no part of it is shown.
    monkeypatch.setenv("DATABASE_URL", with_password(env, f"{SECRET}@99"))
    for json in (False, True):
        code, out, err = run(env, "apply", "--no-backup", json=json)
        assert code == ExitCode.USAGE and "%40" in err
        assert_hidden(env, out, err)
        assert "@99" not in out + err and f"{SECRET}@99" not in stored(env)


def test_unreachable_server_shows_no_password(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROD_DB_URL", f"postgresql://alice:{SECRET}%40x@127.0.0.1:9/app")
    for json in (False, True):
        code, out, err = run(env, "apply", "--url-env", "PROD_DB_URL", json=json)
        assert code == ExitCode.USAGE and "No PostgreSQL server answers" in err
        assert "127.0.0.1:9" in err  # where it tried is still said
        assert_hidden(env, out, err)


def test_url_sources_are_checked(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_URL", raising=False)
    code, _, err = run(env, "doctor", "--url-env", "NOT_SET_URL")
    assert code == ExitCode.USAGE and "NOT_SET_URL" in err and "not set" in err
    code, _, err = env.cli("status", "--url-env", "NOT_SET_URL")  # with --url as well
    assert code == ExitCode.USAGE and "Give only one" in err
    # --url with a password still works, with a warning about ps.
    code, out, err = env.cli("status", url=with_password(env, SECRET))
    assert code == ExitCode.OK and "--url-env" in err and "ps" in err
    assert_hidden(env, out, err)
