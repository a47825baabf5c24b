"""The catalog lanes share their work: a lane that is done takes the end of another's list."""

from __future__ import annotations

from alembic_baseline.snapshot.parallel import _Work


def test_a_lane_runs_its_own_queries_in_order_then_takes_the_others_last() -> None:
    work = _Work([["tables", "constraints", "views", "inventory"], ["columns"]])
    assert work.next(1) == "columns"
    assert work.next(0) == "tables"
    assert work.next(1) == "inventory"  # its own are done: the other lane's last one
    assert work.next(1) == "views"
    assert work.next(0) == "constraints"
    assert work.next(0) is None
    assert work.next(1) is None


def test_a_failed_lane_drops_what_it_had_not_started() -> None:
    work = _Work([["a", "b", "c"], ["d"]])
    assert work.next(0) == "a"
    assert work.drop(0) == ["b", "c"]
    assert work.next(1) == "d"
    assert work.next(1) is None  # nothing left to take from the failed lane


def test_one_lane_runs_everything_in_order() -> None:
    work = _Work([["a", "b"]])
    assert [work.next(0), work.next(0), work.next(0)] == ["a", "b", None]
