"""History.pending is what `alembic upgrade heads` would run: the branch a database has not
taken is pending too (a merge ahead of it needs both parents)."""

from __future__ import annotations

from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from tests.helpers.projects import FIXTURES, add_revision, copy_project

ROOT = "3c4d5e6f7a8b"  # the mini project's head


def _branched(tmp_path: Path) -> History:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    versions = ini.parent / "migrations" / "versions"
    add_revision(versions, "aaaa00000001", ROOT, "pass", "pass")  # left
    add_revision(versions, "bbbb00000002", ROOT, "pass", "pass")  # right
    merge = add_revision(versions, "cccc00000003", "aaaa00000001", "pass", "pass")
    text = merge.read_text().replace(
        'down_revision = "aaaa00000001"', 'down_revision = ("aaaa00000001", "bbbb00000002")'
    )
    merge.write_text(text)
    return History(AlembicProject(settings.load(config=str(ini))))


def test_a_database_on_one_side_of_a_branch_has_the_other_side_pending(tmp_path: Path) -> None:
    history = _branched(tmp_path)
    assert [r.id for r in history.pending(["bbbb00000002"])] == ["aaaa00000001", "cccc00000003"]
    assert [r.id for r in history.pending(["aaaa00000001"])] == ["bbbb00000002", "cccc00000003"]


def test_pending_from_the_fork_and_from_empty_runs_everything_once(tmp_path: Path) -> None:
    history = _branched(tmp_path)
    from_fork = [r.id for r in history.pending([ROOT])]
    assert sorted(from_fork[:2]) == ["aaaa00000001", "bbbb00000002"]
    assert from_fork[2:] == ["cccc00000003"]
    everything = [r.id for r in history.pending([])]
    assert len(everything) == len(set(everything)) == 6 and everything[-1] == "cccc00000003"
    assert history.pending(["cccc00000003"]) == []
