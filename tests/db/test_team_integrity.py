"""Applied-revision checksums and expand/contract phases, against a real database.

``apply`` records what it ran; an edited applied revision makes ``status`` and ``apply`` refuse
(exit 3) until it is restored or accepted; ``apply --phase`` runs one phase and refuses to
reorder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, add_revision, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.history.checksums import file_checksum
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer

FAST = ("--no-backup", "--no-schema-check")


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def _rows(env: Env) -> list[tuple[str, ...]]:
    with_rows = env.scalar(
        "SELECT json_agg(json_build_array(revision, checksum, path, action, tool_version, "
        "seconds IS NOT NULL, run_id IS NOT NULL) ORDER BY applied_at) "
        "FROM alembic_baseline_applied"
    )
    return [tuple(r) for r in with_rows or []]


def _versions(env: Env) -> Path:
    return env.project_dir / "migrations" / "versions"


def test_apply_records_checksums_and_refuses_after_an_edit_until_accepted(env: Env) -> None:
    code, _, err = env.cli("apply", *FAST)
    assert code == ExitCode.OK, err
    note = next(_versions(env).glob("d2000002_*.py"))
    rows = _rows(env)
    # d1000001 was applied by plain Alembic before: nothing recorded for it, nothing compared.
    assert [(r[0], r[3], r[5], r[6]) for r in rows] == [
        ("d2000002", "upgrade", True, True),
        ("d3000003", "upgrade", True, True),
    ]
    assert rows[0][1] == file_checksum(note) and rows[0][2].endswith(note.name)
    code, out, _ = env.cli("status", "--no-schema-check")
    assert code == ExitCode.OK and "2 applied revision(s) match their files" in out

    # The table is the tool's own: the schema comparison does not see it.
    code, out, err = env.cli("status")
    assert code == ExitCode.OK, out + err

    note.write_text(note.read_text() + "\n# tidied up later\n")
    code, out, _ = env.cli("status", "--no-schema-check")
    assert code == ExitCode.UNSAFE
    assert "d2000002" in out and "repair --accept-checksums d2000002" in out
    add_revision(env, "d4000004", "d3000003", "op.execute('ALTER TABLE orders ADD x text')")
    code, _, err = env.cli("apply", *FAST)
    assert code == ExitCode.UNSAFE and "no longer match their files" in err
    assert env.current() == ("d3000003",)  # refused before anything ran

    code, out, _ = env.cli("repair", "--accept-checksums", "d2000002")
    assert code == ExitCode.OK and "nothing done" in out and len(_rows(env)) == 2
    code, out, err = env.cli("repair", "--accept-checksums", "d2000002", "--yes")
    assert code == ExitCode.OK, err
    accepted = _rows(env)[-1]
    assert accepted[0] == "d2000002" and accepted[3] == "accept"
    assert accepted[1] == file_checksum(note)
    code, out, _ = env.cli("status", "--no-schema-check")
    assert code == ExitCode.OK, out
    code, _, err = env.cli("repair", "--accept-checksums", "d3000003", "--yes")
    assert code == ExitCode.USAGE and "Nothing to accept for d3000003" in err


def test_record_applied_false_writes_no_table(env: Env) -> None:
    (env.project_dir / "pyproject.toml").write_text(
        "[tool.alembic-baseline.deploy]\nrecord_applied = false\n"
    )
    code, out, err = env.cli("apply", *FAST)
    assert code == ExitCode.OK, out + err
    assert env.scalar("SELECT to_regclass('alembic_baseline_applied')") is None


def test_phases_run_in_order_and_never_reorder(env: Env) -> None:
    code, _, err = env.cli("apply", *FAST)
    assert code == ExitCode.OK, err
    drop, add = "op.drop_column('items', 'note')", "op.execute('ALTER TABLE items ADD note text')"
    post = add_revision(env, "d4000004", "d3000003", drop, add)
    post.write_text(
        post.read_text().replace("depends_on = None", 'depends_on = None\nphase = "post"')
    )
    index = "op.create_index('ix_orders_id', 'orders', ['id'])"
    add_revision(env, "d5000005", "d4000004", index, "op.drop_index('ix_orders_id')")
    code, out, _ = env.cli("status", "--no-schema-check")
    assert "2 revision(s) (pre 1, post 1)" in out

    # The pre revision follows the pending post one: --phase pre cannot run it first.
    code, _, err = env.cli("apply", "--phase", "pre", *FAST)
    assert code == ExitCode.UNSAFE and "d4000004 (post), d5000005 (pre)" in err
    assert env.current() == ("d3000003",)

    code, _, err = env.cli("apply", "--phase", "post", *FAST)
    assert code == ExitCode.OK, err
    assert env.current() == ("d4000004",) and "note" not in env.columns("items")
    code, out, err = env.cli("apply", "--phase", "post", *FAST)
    assert code == ExitCode.OK and "no pending post revision" in out
    code, _, err = env.cli("apply", "--phase", "pre", *FAST)
    assert code == ExitCode.OK, err
    assert env.current() == ("d5000005",)


def test_a_row_that_cannot_be_written_never_fails_the_revision(env: Env) -> None:
    # The table refuses d2000002's row: that insert fails inside its savepoint, the revision and
    # its version row still commit, the next revision's row is written, the run says so.
    code, _, err = env.cli("apply", "--target", "d2000002", *FAST)
    assert code == ExitCode.OK, err
    with connection(env.db) as conn:
        conn.execute("DELETE FROM alembic_baseline_applied")
        conn.execute("ALTER TABLE alembic_baseline_applied ADD CHECK (revision <> 'd3000003')")
    env.project().downgrade(env.db, "d1000001")
    code, out, err = env.cli("apply", *FAST)
    assert code == ExitCode.OK, out + err
    assert env.current() == ("d3000003",) and "note" in env.columns("items")
    assert [r[0] for r in _rows(env)] == ["d2000002"]
    steps = env.records()[-1]["next_steps"]
    assert any("alembic_baseline_applied was not written for d3000003" in s for s in steps)

    # A table of that name of another shape cannot be read: status says so (exit 2), never "ok".
    with connection(env.db) as conn:
        conn.execute("DROP TABLE alembic_baseline_applied")
        conn.execute("CREATE TABLE alembic_baseline_applied (unrelated integer)")
    code, _, err = env.cli("status", "--no-schema-check")
    assert code == ExitCode.USAGE and "cannot be read" in err
