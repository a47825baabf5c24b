"""``snapshot`` and ``diff`` through the CLI, in-process: exit codes, formats, sides."""

from __future__ import annotations

import io
import json
from pathlib import Path

from alembic_baseline.cli import main
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.versions import sample_needs_sqlalchemy_2

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lot_management"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def load(server: ScratchServer, case: str, side: str) -> str:
    url = server.create_database()
    with connect(url) as conn:
        conn.execute((SCHEMAS / case / f"{side}.sql").read_text().encode())
    return url.render("psycopg")


def test_snapshot_file_and_diff_exit_codes(pg_default: ScratchServer, tmp_path: Path) -> None:
    a, b = load(pg_default, "types", "a"), load(pg_default, "types", "b")
    out = tmp_path / "a.json"
    code, stdout, _ = run("snapshot", "--url", a, "-o", str(out))
    assert code == 0 and "enums" in stdout and out.is_file()

    assert run("diff", str(out), a)[0] == 0  # a file and the live database it came from
    code, stdout, _ = run("diff", str(out), b)
    assert code == 1
    assert "ADD VALUE" not in stdout and "~ public.mood" in stdout

    code, stdout, stderr = run("diff", a, b, "--sql")
    assert code == 1
    assert "ALTER TYPE public.mood ADD VALUE 'ok' BEFORE 'happy';" in stdout
    assert "differences" in stderr

    code, stdout, _ = run("--json", "diff", a, b)
    assert code == 1 and json.loads(stdout)["equal"] is False
    code, stdout, _ = run("diff", a, b, "--format", "markdown")
    assert code == 1 and stdout.startswith("## ") and "### enum" in stdout


def test_bad_side_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = run("diff", str(tmp_path / "missing.json"), "rev:")
    assert code == 2 and "hint:" in stderr
    (tmp_path / "bad.json").write_text("{}")
    code, _, stderr = run("diff", str(tmp_path / "bad.json"), str(tmp_path / "bad.json"))
    assert code == 2 and "not an alembic-baseline snapshot" in stderr


@sample_needs_sqlalchemy_2
def test_revision_side_replays_the_sample_project(pg_default: ScratchServer) -> None:
    config = str(EXAMPLE / "alembic.ini")
    code, stdout, stderr = run(
        "-c", config, "--pg-major", str(pg_default.major), "diff", "rev:head", "rev:head"
    )
    assert code == 0, stderr
    assert "No differences." in stdout


def test_sql_and_snapshot_output_are_verbatim(pg_default: ScratchServer) -> None:
    empty = pg_default.create_database()
    url = pg_default.create_database()
    with connect(url) as conn:
        conn.execute(
            "CREATE FUNCTION check_pw(password text) RETURNS boolean LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN password = 'secret'; END $$"
        )
    code, stdout, _ = run("diff", empty.render("psycopg"), url.render("psycopg"), "--sql")
    assert code == 1
    assert "RETURN password = 'secret';" in stdout  # not redacted: it is schema, not a secret
    code, stdout, _ = run("snapshot", "--url", url.render("psycopg"))
    assert (
        code == 0 and "password = 'secret'" in json.loads(stdout)["objects"]["functions"][0]["body"]
    )


def test_console_process_ends_with_complete_output(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    """``run()`` ends a snapshot's process without a normal shutdown (cli._ending): the file
    and the JSON on stdout are whole, and the same as ``main()`` writes in-process."""
    import os
    import subprocess
    import sys

    url = load(pg_default, "types", "a")
    assert run("snapshot", "--url", url, "-o", str(tmp_path / "in.json"))[0] == 0
    env = {**os.environ, "AB_URL": url}
    argv = [sys.executable, "-m", "alembic_baseline", "snapshot", "--url-env", "AB_URL"]
    done = subprocess.run([*argv, "-o", str(tmp_path / "out.json")], env=env, timeout=120)
    assert done.returncode == 0
    assert (tmp_path / "out.json").read_bytes() == (tmp_path / "in.json").read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    piped = subprocess.run(argv, env=env, capture_output=True, timeout=120)
    assert piped.returncode == 0
    assert json.loads(piped.stdout) == json.loads((tmp_path / "in.json").read_text())
