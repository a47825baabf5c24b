"""baseline.overlap.responsive: a short thread switch interval while create's steps overlap,
restored afterwards, also when contexts nest or several threads hold one."""

from __future__ import annotations

import sys
import threading

import pytest

from alembic_baseline.baseline.overlap import SWITCH_INTERVAL_S, responsive


def test_switch_interval_is_short_inside_and_restored_after() -> None:
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL_S  # CPython's default, 5 ms
    with responsive():
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S, rel=0.05)
        with responsive():
            assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S, rel=0.05)
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S, rel=0.05)
    assert sys.getswitchinterval() == before


def test_restored_on_error_and_only_when_the_last_thread_leaves() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), responsive():
        raise RuntimeError("boom")
    assert sys.getswitchinterval() == before
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with responsive():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(10)
    with responsive():
        pass
    assert sys.getswitchinterval() == pytest.approx(
        SWITCH_INTERVAL_S, rel=0.05
    )  # the other still in
    leave.set()
    thread.join()
    assert sys.getswitchinterval() == before


def test_a_smaller_interval_already_set_is_kept() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S / 5)
    try:
        with responsive():
            assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S / 5, rel=0.05)
    finally:
        sys.setswitchinterval(before)
