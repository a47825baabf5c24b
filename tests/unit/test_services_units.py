"""The services the features share, where they need no database: server versions, the backups
run records kept, and doctor's live state as a value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.doctor.live import Live
from alembic_baseline.doctor.shape import Probe, Shape
from alembic_baseline.pg.server import ServerVersion
from alembic_baseline.runbook.record import recorded_backups
from alembic_baseline.snapshot.model import Index, Snapshot, Table


def test_server_version_text_and_major() -> None:
    version = ServerVersion(160004, "16.4 (Debian 16.4-1.pgdg120+1)")
    assert (version.major, version.text) == (16, "16.4")
    assert ServerVersion(150018, "").text == "15"  # a server that hides its version string


def _record(runs: Path, run_id: str, backup: object) -> None:
    (runs / run_id).mkdir(parents=True)
    data = {"id": run_id, "backup": backup}
    (runs / run_id / "record.json").write_text(json.dumps(data), encoding="utf-8")


def test_recorded_backups_of_one_database_only(tmp_path: Path) -> None:
    kept = {"path": "/b/app.dump", "size": 10, "sha256": "ab", "database": "app"}
    _record(tmp_path, "1-apply", kept)
    _record(tmp_path, "2-apply", {**kept, "database": "other"})
    _record(tmp_path, "3-apply", None)  # no backup taken
    _record(tmp_path, "4-apply", {"path": "/b/x.dump"})  # damaged: no size, no checksum
    (tmp_path / "5-apply").mkdir()
    (tmp_path / "5-apply" / "record.json").write_text("{not json", encoding="utf-8")
    found = recorded_backups(tmp_path, "app")
    assert [(run, b.path, b.size, b.sha256) for run, b in found] == [
        ("1-apply", Path("/b/app.dump"), 10, "ab")
    ]
    assert recorded_backups(tmp_path / "missing", "app") == []


def test_live_reads_its_snapshot_once_and_stays_a_value() -> None:
    snap = Snapshot.build(
        tables=[Table("public", "t")],
        indexes=[
            Index("public", "t", "ix_a", "CREATE INDEX ix_a ON public.t (a)", "btree"),
            Index("public", "t", "ix_b", "CREATE INDEX ix_b ON public.t (b)", "btree"),
        ],
    )
    reads: list[int] = []

    def read() -> Snapshot:
        reads.append(1)
        return snap

    live = Live(Probe((), Shape()), frozenset({"public.ix_c"}), read)
    assert live.snapshot is live.snapshot and len(reads) == 1
    assert [i.name for i in live.without_index("public.ix_a").indexes] == ["ix_b"]
    assert live.snapshot == snap  # what a repair plans with leaves the examination as it was
    with pytest.raises(AttributeError):
        live.leftovers = frozenset()  # type: ignore[misc]
