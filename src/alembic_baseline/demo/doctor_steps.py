"""The troubleshooting part of ``demo``: break copies of production for real, diagnose, repair.

1. A copy of production whose version table someone pointed at the wrong revision (the runbook's
   "stamp by hand"): ``doctor`` replays the history, identifies the real revision, ``repair``
   stamps it.
2. An interrupted ``CREATE INDEX CONCURRENTLY`` (cancelled while it waits for a writer another
   session holds open) leaves an INVALID index: ``doctor`` finds it, ``repair`` drops it.
3. The runbook's パッチ適用前 checklist on production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic_baseline.commands import doctor as dr
from alembic_baseline.demo.model import DemoContext, DemoStep
from alembic_baseline.doctor.model import DoctorReport
from alembic_baseline.pg.connect import connect, connection
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    import psycopg

LEFTOVER = "ix_lots_demo_leftover"


def _broken(ctx: DemoContext) -> DatabaseURL:
    if "broken" not in ctx.databases:
        prod = ctx.databases["prod"]
        ctx.databases["broken"] = ctx.server.create_database(
            "lot_management_broken", template=prod.database
        )
    return ctx.databases["broken"]


def _doctor_lines(report: DoctorReport) -> list[str]:
    lines = [f"{d.code} {d.name}: {d.message}" for d in report.diagnoses]
    lines += [f"  fix: {d.fix}" for d in report.diagnoses]
    return lines or ["doctor: no problem found"]


def step_wrong_revision(ctx: DemoContext) -> DemoStep:
    """A copy of production stamped at the wrong revision: identified and restamped."""
    url = _broken(ctx)
    real = ctx.project.current_heads(url)
    wrong = next(r for r in ctx.project.script.walk_revisions() if (r.revision,) != real)
    with connection(url) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (wrong.revision,))
    settings = ctx.project.settings
    start = time.perf_counter()
    report = dr.doctor(settings, url=url.render(), server=ctx.server)
    doctor_s = time.perf_counter() - start
    result = dr.repair(settings, url=url.render(), confirmed=True, server=ctx.server)
    record = result.record
    assert record is not None and record.outcome == "ok", "the demo's repair failed"
    again = dr.doctor(settings, url=url.render(), server=ctx.server)
    return DemoStep(
        "Diagnose a wrong stamp and repair it",
        "トラブルシューティング: マイグレーション履歴が不整合 (no TRUNCATE + stamp head)",
        (
            f"someone set {url.database}'s version table to {wrong.revision}",
            *_doctor_lines(report),
            f"repair: stamped {', '.join(record.stopped_at or ())} in one transaction; "
            f"record {record.directory}",
            *_doctor_lines(again),
        ),
        {"doctor_identify": doctor_s},
    )


def _interrupted_index(url: DatabaseURL, table: str) -> None:
    """CREATE INDEX CONCURRENTLY, cancelled while it waits for an open writer: INVALID."""
    holder = connect(url, autocommit=False)
    holder.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE".encode())
    builder = connect(url)
    pid = builder.info.backend_pid
    statement = f"CREATE INDEX CONCURRENTLY {LEFTOVER} ON {table} (id)"
    thread = threading.Thread(target=_swallow, args=(builder, statement), daemon=True)
    thread.start()
    try:
        with connection(url) as admin:
            for _ in range(200):
                row = admin.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()
                if row and row[0] == "Lock":
                    break
                time.sleep(0.05)
            admin.execute("SELECT pg_cancel_backend(%s)", (pid,))
        thread.join(30)
    finally:
        holder.rollback()
        holder.close()
        builder.close()


def _swallow(conn: psycopg.Connection[Any], statement: str) -> None:
    try:
        conn.execute(statement.encode())
    except Exception:  # the cancel is the point: "canceling statement due to user request"
        return


def step_invalid_index(ctx: DemoContext) -> DemoStep:
    """An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index: found and dropped."""
    url = _broken(ctx)
    _interrupted_index(url, "lots")
    settings = ctx.project.settings
    report = dr.doctor(settings, url=url.render(), server=ctx.server)
    result = dr.repair(
        settings, url=url.render(), fix="drop-invalid-index", confirmed=True, server=ctx.server
    )
    record = result.record
    assert record is not None and record.outcome == "ok", "the demo's repair failed"
    checks = record.verification.items if record.verification else ()
    return DemoStep(
        "Clean up a half-applied CREATE INDEX CONCURRENTLY",
        "トラブルシューティング: マイグレーションが途中で失敗 (autocommit block)",
        (
            f"CREATE INDEX CONCURRENTLY {LEFTOVER} cancelled while waiting for a writer",
            *_doctor_lines(report),
            *(f"repair verify {v.name}: {v.status.value} — {v.detail}" for v in checks),
        ),
    )


def step_checklist(ctx: DemoContext) -> DemoStep:
    """The runbook's パッチ適用前 checklist on production, verified where it can be."""
    start = time.perf_counter()
    result = dr.check(
        ctx.project.settings, "pre-patch", url=ctx.databases["prod"].render(), server=ctx.server
    )
    seconds = time.perf_counter() - start
    return DemoStep(
        "Run the パッチ適用前 checklist",
        "チェックリスト: パッチ適用前",
        tuple(f"{i.status.value:<7} {i.runbook}: {i.detail}" for i in result.items),
        {"check_pre_patch": seconds},
    )


STEPS: list[Callable[[DemoContext], DemoStep]] = [
    step_wrong_revision,
    step_invalid_index,
    step_checklist,
]
