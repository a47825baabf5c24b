"""The patch part of ``demo``: 本番環境への適用手順 and ロールバック手順 on the demo's "prod".

A new post-baseline revision (a column on ``lots``) is written into the demo's copy of the sample
project, then planned, applied with a backup, verified and rolled back — by downgrade, and by
restoring the backup as the runbook's last resort.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alembic_baseline.commands import deploy
from alembic_baseline.demo.model import DemoContext, DemoStep
from alembic_baseline.history.driver import AlembicProject

PATCH_REVISION = "1abe1f202611"
PATCH_FILE = '''"""add label_printer to lots (a patch for production)

Revision ID: {rev}
Revises: {down}
Create Date: 2026-11-24 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lots", sa.Column("label_printer", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("lots", "label_printer")
'''


def _prod(ctx: DemoContext) -> str:
    return ctx.databases["prod"].render()


def step_write_patch(ctx: DemoContext) -> DemoStep:
    """開発環境でパッチを作成: a new revision after whatever the head is now."""
    [head] = ctx.project.heads()
    versions = ctx.project.script_location / "versions"
    path = versions / f"{PATCH_REVISION}_add_label_printer_to_lots.py"
    path.write_text(PATCH_FILE.format(rev=PATCH_REVISION, down=head), encoding="utf-8")
    ctx.project = AlembicProject(ctx.project.settings)  # the script directory is cached
    return DemoStep(
        "Write a patch revision",
        "増分パッチの作成: alembic revision -m 'add …'",
        (f"{path.name} (revises {head}): ALTER TABLE lots ADD COLUMN label_printer",),
    )


def step_plan(ctx: DemoContext) -> DemoStep:
    """``plan``: the SQL from production's real revision, the checklist, the locks."""
    out = ctx.workdir / "migration_plan.sql"
    start = time.perf_counter()
    plan = deploy.plan(ctx.project.settings, url=_prod(ctx), out=out, server=ctx.server)
    seconds = time.perf_counter() - start
    checks = ", ".join(f"{c.name} {c.status.value}" for c in plan.checks)
    return DemoStep(
        "Plan the patch",
        "本番環境への適用手順 2–5: alembic current; upgrade head --sql > migration_plan.sql",
        (
            f"production at {', '.join(plan.current)}; pending: "
            + ", ".join(f"{p.id} ({p.message})" for p in plan.pending),
            f"{out.name}: {len(plan.sql.splitlines())} lines, only the pending revision",
            f"checklist: {checks}",
            f"long-held locks: {len(plan.locks)}",
        ),
        {"plan": seconds},
    )


def step_apply(ctx: DemoContext) -> DemoStep:
    """``apply``: backup (verified), the revision with lock_timeout, verification, record."""
    start = time.perf_counter()
    result = deploy.apply(ctx.project.settings, url=_prod(ctx), server=ctx.server)
    seconds = time.perf_counter() - start
    r = result.record
    assert r.backup is not None and r.verification is not None
    ctx.timings["apply_run"] = seconds
    return DemoStep(
        "Apply with backup and verification",
        "本番環境への適用手順 1, 6–8: pg_dump -Fc; alembic upgrade head; alembic current; curl",
        (
            f"backup {r.backup.path.name}: {r.backup.size:,} bytes, mode 0600, "
            f"{r.backup.entries} entries read back by pg_restore --list",
            *(f"{s.revision}: {s.status} in {s.seconds:.2f} s" for s in r.steps),
            *(f"verify {v.name}: {v.status.value} — {v.detail}" for v in r.verification.items),
            f"outcome {r.outcome}; record {r.directory}",
        ),
        {"apply": seconds, "backup": r.backup.seconds},
    )


def step_status(ctx: DemoContext) -> DemoStep:
    """``status`` afterwards: at head, schema equals the history (from the cache)."""
    start = time.perf_counter()
    result = deploy.status(ctx.project.settings, url=_prod(ctx), server=ctx.server)
    seconds = time.perf_counter() - start
    schema = result.schema.detail if result.schema else "not checked"
    cached = " (cached)" if result.schema and result.schema.cached else ""
    return DemoStep(
        "Check the result",
        "適用後: alembic current で最新リビジョンを確認",
        (
            f"current {', '.join(c.id for c in result.current)}; pending {len(result.pending)}",
            f"schema: {schema}{cached}",
        ),
        {"status": seconds},
    )


def step_rollback(ctx: DemoContext) -> DemoStep:
    """``rollback --steps 1`` (checked downgrade), then ``--restore`` of the apply's backup."""
    settings = ctx.project.settings
    start = time.perf_counter()
    down = deploy.rollback(settings, url=_prod(ctx), steps=1, server=ctx.server).record
    downgrade_s = time.perf_counter() - start
    apply_run = deploy.rollback(
        settings, url=_prod(ctx), restore="latest", confirmed=True, server=ctx.server
    ).record
    restore_s = time.perf_counter() - start - downgrade_s
    return DemoStep(
        "Roll back",
        "ロールバック手順: alembic downgrade -1; pg_restore --clean --if-exists (最終手段)",
        (
            f"downgrade: {', '.join(down.from_revisions)} → {', '.join(down.stopped_at or ())}, "
            f"{down.outcome}",
            f"restore of {apply_run.restored_from}: safety backup first, {apply_run.outcome}, "
            f"at {', '.join(apply_run.stopped_at or ())}",
        ),
        {"downgrade": downgrade_s, "restore": restore_s},
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [
    step_write_patch,
    step_plan,
    step_apply,
    step_status,
    step_rollback,
]
