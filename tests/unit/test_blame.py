"""Pure parts of the blame: which revision a step ran, whether a step took effect."""

from __future__ import annotations

from pathlib import Path

from alembic_baseline.deploy.failure import step_status
from alembic_baseline.history.blame import failed_revision, is_connection_lost
from alembic_baseline.history.graph import Revision


def test_the_revision_a_step_ran() -> None:
    assert failed_revision(["upgrade  -> d1, create"]) == "d1"
    assert failed_revision(["upgrade d1 -> d2, note"]) == "d2"
    assert failed_revision(["downgrade d2 -> d1, note"]) == "d2"
    assert failed_revision([]) is None


def test_a_step_took_effect_when_the_version_table_says_so() -> None:
    rev = Revision("d2", ("d1",), "note", Path("d2.py"))
    assert step_status(rev, "upgrade", ("d2",)) == "done"
    assert step_status(rev, "upgrade", ("d1",)) == "failed"
    assert step_status(rev, "downgrade", ("d1",)) == "done"
    assert step_status(rev, "downgrade", ("d2",)) == "failed"
    assert step_status(rev, "upgrade", None) == "failed"


def test_connection_refused_is_not_a_lost_connection() -> None:
    refused = OSError('connection to server at "127.0.0.1", port 1 failed: Connection refused')
    assert not is_connection_lost(refused)
    lost = OSError("consuming input failed: server closed the connection unexpectedly")
    assert is_connection_lost(lost)
    assert is_connection_lost(RuntimeError("wrapper")) is False
    try:
        try:
            raise OSError("terminating connection due to administrator command")
        except OSError:
            raise RuntimeError("Can't reconnect until invalid transaction is rolled back") from None
    except RuntimeError as hidden:
        assert is_connection_lost(hidden)  # found through __context__
