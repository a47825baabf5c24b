"""The baseline part of ``demo``: runbook steps 1–6 on the sample project, measured."""

from __future__ import annotations

import time
from collections.abc import Callable

from alembic_baseline.baseline.create import CreateOptions, create
from alembic_baseline.baseline.upgrade import upgrade
from alembic_baseline.baseline.verify import verify
from alembic_baseline.demo.model import DemoContext, DemoStep
from alembic_baseline.diff.compare import compare
from alembic_baseline.diff.render import describe
from alembic_baseline.errors import MigrationError
from alembic_baseline.expected import VersionTable, inspect_options
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.snapshot.sources import from_url

OLD_DEV_REVISION = "98362997274a"
REFERENCE_TABLES = ("units_of_measure", "shipment_statuses")
NEW_REVISION = "c0ffee202611"
NEW_REVISION_FILE = '''"""add lot_labels (first revision after the baseline)

Revision ID: c0ffee202611
Revises: {old_head}
Create Date: 2026-11-24 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c0ffee202611"
down_revision = "{old_head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_labels",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("lot_id", sa.BigInteger, sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("printed_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("lot_labels")
'''


def _fresh_project(ctx: DemoContext) -> AlembicProject:
    # Alembic caches the script directory; files changed, so read them again.
    ctx.project = AlembicProject(ctx.project.settings)
    return ctx.project


def step_old_dev_database(ctx: DemoContext) -> DemoStep:
    """A developer's database left at an old revision (it must survive the baseline too)."""
    dev = ctx.server.create_database("lot_management_old_dev")
    ctx.project.upgrade(dev, OLD_DEV_REVISION)
    ctx.databases["old_dev"] = dev
    return DemoStep(
        "An old developer database",
        "(tool) databases behind production",
        (f"{dev.database} stopped at revision {OLD_DEV_REVISION} months ago",),
    )


def step_create_baseline(ctx: DemoContext) -> DemoStep:
    """Runbook 1–5: dump production, write the baseline revision, archive the history."""
    notes: list[str] = []
    start = time.perf_counter()
    result = create(
        ctx.project,
        CreateOptions(url=ctx.databases["prod"], reference_tables=REFERENCE_TABLES),
        pg_major=ctx.server.major,
        progress=notes.append,
        server=ctx.server,
    )
    seconds = time.perf_counter() - start
    _fresh_project(ctx)
    ctx.timings["baseline_revision"] = 0.0
    ctx.names["baseline"] = result.revision
    ctx.names["old_head"] = result.old_head
    return DemoStep(
        "Create the baseline from production",
        "手順 1–5: pg_dump → ベースライン作成 → アーカイブ",
        (
            *notes,
            f"{result.sql_path.name}: {result.statements} statements "
            f"(+ rows of {', '.join(REFERENCE_TABLES)}); removed: {', '.join(result.removed)}",
            f"{result.revision_path.name} + bridge {result.bridge_path.name}",
            f"{len(result.archived)} revisions moved to versions/archive/",
        ),
        {"baseline_create": seconds},
    )


def step_verify(ctx: DemoContext) -> DemoStep:
    """Prove the baseline: history ≡ baseline ≡ production, as catalog snapshots."""
    start = time.perf_counter()
    result = verify(
        ctx.project, url=ctx.databases["prod"], pg_major=ctx.server.major, server=ctx.server
    )
    seconds = time.perf_counter() - start
    lines = [f"{'equal' if c.equal else 'DIFFERENT'}: {c.name}" for c in result.comparisons]
    if not result.equal:
        raise MigrationError("The demo's baseline did not verify:\n" + "\n".join(lines))
    return DemoStep(
        "Verify the baseline",
        "チェックリスト: CI でベースラインマイグレーションが通ることを確認",
        tuple(lines),
        {"baseline_verify": seconds},
    )


def step_new_revision(ctx: DemoContext) -> DemoStep:
    """Keep shipping: a new revision after the baseline, as `alembic revision` makes it."""
    versions = ctx.project.script_location / "versions"
    path = versions / f"{NEW_REVISION}_add_lot_labels.py"
    path.write_text(NEW_REVISION_FILE.format(old_head=ctx.names["old_head"]), encoding="utf-8")
    heads = _fresh_project(ctx).heads()
    return DemoStep(
        "Add a revision after the baseline",
        "増分パッチの作成",
        (f"{path.name} (down_revision = the bridge {ctx.names['old_head']}); heads: {heads}",),
    )


def step_fresh_environment(ctx: DemoContext) -> DemoStep:
    """Runbook 6 option A: a new environment from the baseline, in one plain upgrade."""
    fresh = ctx.server.create_database("lot_management_fresh")
    start = time.perf_counter()
    steps = ctx.project.upgrade(fresh, "heads").steps
    seconds = time.perf_counter() - start
    ctx.databases["fresh"] = fresh
    speedup = ctx.timings["full_history"] / seconds if seconds else float("inf")
    return DemoStep(
        "A new environment starts from the baseline",
        "手順 6 オプション A: alembic upgrade head",
        (
            f"{len(steps)} revisions ran: baseline, bridge, {NEW_REVISION}",
            f"{speedup:.1f}× faster than the full history ({ctx.timings['full_history']:.2f} s)",
        ),
        {"fresh_from_baseline": seconds},
    )


def step_production_continues(ctx: DemoContext) -> DemoStep:
    """Production (at the old head) runs only the new revision: nothing to stamp or edit."""
    steps = ctx.project.upgrade(ctx.databases["prod"], "heads").steps
    return DemoStep(
        "Production continues with plain alembic upgrade head",
        "本番環境への適用 (no 'Can't locate revision', no manual alembic_version edits)",
        tuple(f"ran: {s}" for s in steps),
    )


def step_old_dev_catches_up(ctx: DemoContext) -> DemoStep:
    """The old developer database reaches head through the archived revisions."""
    dev = ctx.databases["old_dev"]
    try:
        ctx.project.upgrade(dev, "heads")
        plain = "plain alembic upgrade worked"
    except MigrationError as exc:
        plain = f"plain alembic: {exc.message.split(': ', 1)[-1]}"
    result = upgrade(ctx.project, dev, server=ctx.server)  # proves the schema first
    return DemoStep(
        "An old database catches up through the archive",
        "(tool) alembic-baseline upgrade",
        (
            plain,
            f"alembic-baseline upgrade: {len(result.archived_steps)} archived + "
            f"{len(result.steps)} live revisions → {', '.join(result.end)}",
        ),
    )


def step_all_equal(ctx: DemoContext) -> DemoStep:
    """The three kinds of database now have the same schema (semantic diff)."""
    options = inspect_options(VersionTable())
    fresh = from_url(ctx.databases["fresh"], options)
    lines = []
    for name in ("prod", "old_dev"):
        diff = describe(compare(fresh, from_url(ctx.databases[name], options)), None)
        lines.append(f"fresh vs {name}: {'identical' if not diff else f'{len(diff)} differences'}")
    return DemoStep(
        "Compare the three databases", "開発環境と本番環境でスキーマが異なる？", tuple(lines)
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [
    step_old_dev_database,
    step_create_baseline,
    step_verify,
    step_new_revision,
    step_fresh_environment,
    step_production_continues,
    step_old_dev_catches_up,
    step_all_equal,
]
