"""``revision rebase`` against a real database: the branch the database applied stays, the other
moves onto it (one file edited, formatting kept), overlaps are reported, and a branch the
database applied is never moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.history.checksums import SUM_FILE, file_checksum, parse
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.formats import check_json, check_markdown
from tests.helpers.projects import cli

# Long, realistic ids and file names (alembic's hex ids, slugs at the 40-character default).
SHIPPING = "5f1e2d3c4b5a"
SHIPPING_2 = "6a7b8c9d0e1f"
STATUS = "9e8d7c6b5a40"


def _write(env: Env, rev: str, down: str, slug: str, upgrade: str, downgrade: str) -> Path:
    path = env.project_dir / "migrations" / "versions" / f"{rev}_{slug}.py"
    path.write_text(
        f'"""{slug.replace("_", " ")}\n\nRevision ID: {rev}\nRevises: {down}\n'
        'Create Date: 2026-11-30 10:00:00.000000\n"""\n'
        "from typing import Sequence, Union\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision: str = '{rev}'\n"
        f"down_revision: Union[str, None] = '{down}'  # set by alembic revision\n"
        "branch_labels: Union[str, Sequence[str], None] = None\n"
        "depends_on: Union[str, Sequence[str], None] = None\n\n\n"
        f"def upgrade() -> None:\n    {upgrade}\n\n\ndef downgrade() -> None:\n    {downgrade}\n"
    )
    return path


def _rebase_argv(env: Env, *args: str) -> list[str]:
    url = env.db.render("psycopg")
    return ["-c", str(env.ini), "revision", "rebase", "--url", url, *args]


def _rebase(env: Env, *args: str) -> tuple[int, str, str]:
    return cli(*_rebase_argv(env, *args))


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    """Production at d3000003 plus the status branch (applied); the shipping branch is not."""
    e = make_env(pg_default, tmp_path, at=None)
    _write(
        e, STATUS, "d3000003", "add_order_status_for_fulfilment_tracking",
        "op.add_column('orders', sa.Column('status', sa.Text(), server_default='new'))",
        "op.drop_column('orders', 'status')",
    )  # fmt: skip
    e.project().upgrade(e.db, STATUS)
    _write(
        e, SHIPPING, "d3000003", "add_shipping_note_to_orders_and_items_ex",
        "op.add_column('orders', sa.Column('shipping_note', sa.Text()))",
        "op.drop_column('orders', 'shipping_note')",
    )  # fmt: skip
    _write(
        e, SHIPPING_2, SHIPPING, "index_items_by_created_for_reports",
        "op.execute('CREATE TABLE shipping_labels (id bigint PRIMARY KEY)')",
        "op.execute('DROP TABLE shipping_labels')",
    )  # fmt: skip
    yield e
    pg_default.drop_database(e.db.database)


def test_rebase_moves_the_unapplied_branch_and_reports_overlaps(env: Env) -> None:
    code, _, err = cli("-c", str(env.ini), "history", "sum")
    assert code == ExitCode.OK, err
    root = next(env.project_dir.glob(f"migrations/versions/{SHIPPING}_*.py"))
    before = root.read_text()

    code, out, _ = cli("--format", "markdown", *_rebase_argv(env, "--dry-run"))
    assert code == ExitCode.FINDINGS
    check_markdown(out)
    assert out.startswith("## revision rebase: would move 2 revision(s)")
    code, out, _ = cli("--format", "json", *_rebase_argv(env, "--dry-run"))
    dry = check_json(out)
    assert isinstance(dry, dict) and dry["written"] is False and dry["root"] == SHIPPING
    assert root.read_text() == before  # a dry run changes no file

    code, out, err = _rebase(env)  # --url: the database is checked
    assert code == ExitCode.FINDINGS, out + err  # findings: both sides touch orders
    assert f"onto {STATUS}" in out and "column orders." not in out  # different columns
    assert f"table orders: {SHIPPING} now runs after {STATUS}" in out
    after = root.read_text()
    assert after == before.replace(
        "down_revision: Union[str, None] = 'd3000003'",
        f"down_revision: Union[str, None] = '{STATUS}'",
    ).replace("Revises: d3000003", f"Revises: {STATUS}")
    assert History(env.project()).heads() == (SHIPPING_2,)
    # The sum file follows the deliberate edit: lint stays clean.
    sums = parse((root.parent / SUM_FILE).read_text()).by_revision()
    assert sums[SHIPPING].checksum == file_checksum(root)
    code, out, _ = cli("-c", str(env.ini), "lint", "--select", "AB404,AB405,AB401")
    assert code == ExitCode.OK, out


def test_rebase_refuses_a_branch_the_database_applied(env: Env) -> None:
    code, _, err = _rebase(env, "--move", STATUS, "--dry-run")
    assert code == ExitCode.UNSAFE and f"the branch of {STATUS} is applied" in err
    env.project().upgrade(env.db, SHIPPING)  # now both branches are applied there
    code, _, err = _rebase(env)
    assert code == ExitCode.UNSAFE and "both branches are applied" in err
    assert "alembic merge" in err
