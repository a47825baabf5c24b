"""The demo's first steps: production from the full history, a clone, the offline SQL."""

from __future__ import annotations

from collections.abc import Callable

from alembic_baseline.demo.model import DemoContext, DemoStep, timed
from alembic_baseline.pg.url import DatabaseURL


def step_build_production(ctx: DemoContext) -> DemoStep:
    """Build the sample "production" database by replaying the full history."""
    prod = ctx.server.create_database("lot_management_prod")
    ctx.databases["prod"] = prod
    revisions = list(ctx.project.script.walk_revisions())
    result: list[object] = []
    seconds = timed(lambda: result.append(ctx.project.upgrade(prod, "heads")))
    ctx.timings["full_history"] = seconds
    return DemoStep(
        "Build production from the full history",
        "前提条件: 本番環境で全マイグレーションが正常に適用済み",
        (
            f"{len(revisions)} revisions replayed with the project's own env.py "
            f"(alembic upgrade heads) into {prod.database}",
        ),
        {"full_history_build": seconds},
    )


def step_current(ctx: DemoContext) -> DemoStep:
    """`alembic current` vs `alembic heads`: production is at the single head."""
    current = ctx.project.current_heads(ctx.databases["prod"])
    heads = ctx.project.heads()
    state = "at head" if current == heads else "NOT at head"
    return DemoStep(
        "Check the current revision",
        "手順 2: alembic current",
        (f"current: {', '.join(current)}", f"heads:   {', '.join(heads)}  → production {state}"),
    )


def step_template_clone(ctx: DemoContext) -> DemoStep:
    """A scratch copy of production by template clone: the fast path of later features."""
    prod = ctx.databases["prod"]
    holder: list[DatabaseURL] = []
    seconds = timed(lambda: holder.append(ctx.server.create_database(template=prod.database)))
    ctx.databases["clone"] = holder[0]
    ratio = ctx.timings["full_history"] / seconds if seconds else float("inf")
    return DemoStep(
        "Clone production for experiments",
        "新規環境での利用 (fast test databases)",
        (
            f"CREATE DATABASE … TEMPLATE: {seconds * 1000:.0f} ms, "
            f"{ratio:.0f}× faster than replaying the history",
        ),
        {"template_clone": seconds},
    )


def step_dry_run_sql(ctx: DemoContext) -> DemoStep:
    """`alembic upgrade head --sql`: the whole history rendered offline, no database touched."""
    holder: list[str] = []
    seconds = timed(lambda: holder.append(ctx.project.offline_sql("heads")))
    sql = holder[0]
    out = ctx.workdir / "migration_plan.sql"
    out.write_text(sql, encoding="utf-8")
    statements = sql.count(";\n")
    return DemoStep(
        "Render the migration SQL offline (dry run)",
        "本番環境への適用手順 4: alembic upgrade head --sql > migration_plan.sql",
        (f"{statements} statements, {len(sql.splitlines())} lines rendered",),
        {"offline_sql": seconds},
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [
    step_build_production,
    step_current,
    step_template_clone,
    step_dry_run_sql,
]
