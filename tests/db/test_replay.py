"""Replays cached as template databases; the revision graph incl. pending lists."""

from __future__ import annotations

import time
from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.history.replay import build_at, template_name
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "mini" / "alembic.ini"


def test_build_at_replays_once_then_clones(pg_default: ScratchServer) -> None:
    project = AlembicProject(settings.load(config=str(MINI)))
    history = History(project)
    name = template_name(history, "2b3c4d5e6f7a")
    if pg_default.database_exists(name):
        pg_default.drop_database(name)
    first = build_at(project, pg_default, "2b3c4d5e6f7a", history=history)
    assert pg_default.database_exists(name)
    start = time.perf_counter()
    second = build_at(project, pg_default, "2b3c4d5e6f7a", history=history)
    clone_time = time.perf_counter() - start
    for url in (first, second):
        assert project.current_heads(url) == ("2b3c4d5e6f7a",)
        with connection(url) as conn:
            assert conn.execute("SELECT to_regclass('ix_customers_email')").fetchone() != (None,)
    assert first.database != second.database
    assert clone_time < 1.0
    pg_default.drop_database(name)


def test_pending_in_upgrade_order() -> None:
    history = History(AlembicProject(settings.load(config=str(MINI))))
    assert [r.id for r in history.pending(["1a2b3c4d5e6f"])] == ["2b3c4d5e6f7a", "3c4d5e6f7a8b"]
    assert [r.id for r in history.pending([])] == ["1a2b3c4d5e6f", "2b3c4d5e6f7a", "3c4d5e6f7a8b"]
    assert history.pending(["3c4d5e6f7a8b"]) == []
    assert history.locate("1a2b3c4d5e6f") == "live" and history.locate("nope") is None
    assert history.fingerprint("1a2b3c4d5e6f") != history.fingerprint(None)


def test_a_replay_with_other_x_arguments_is_another_cache_entry() -> None:
    """``-x tenant=a`` reaches env.py and can change what the replay builds: the template and
    expected-schema caches must not hand one replay's result to the other."""
    plain = settings.load(config=str(MINI))
    tenant = settings.load(config=str(MINI), x_args=("tenant=a",))
    other = History(AlembicProject(settings.load(config=str(MINI), x_args=("tenant=b",))))
    keys = {History(AlembicProject(s)).fingerprint(None) for s in (plain, tenant)} | {
        other.fingerprint(None)
    }
    assert len(keys) == 3
    again = History(AlembicProject(settings.load(config=str(MINI), x_args=("tenant=a",))))
    assert again.fingerprint(None) in keys
    assert template_name(other, "2b3c4d5e6f7a") != template_name(again, "2b3c4d5e6f7a")
