"""The streamed snapshot writer produces the reference encoder's exact bytes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from alembic_baseline.snapshot import Snapshot, jsonwrite
from alembic_baseline.snapshot.inventory import Entry, Inventory
from alembic_baseline.snapshot.objects import Attribute, Composite, EventTrigger, Policy

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "golden").glob("*.json"))


def reference(snap: Snapshot) -> str:
    """The format's definition: what every snapshot file has been written as."""
    return json.dumps(snap.to_dict(), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_snapshot_bytes_identical(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    snap = Snapshot.from_json(text)
    kinds = [k for k in snap.to_dict()["objects"] if snap.to_dict()["objects"][k]]
    assert len(kinds) >= 13, kinds  # all but composites, event triggers, policies
    assert reference(snap) == text
    assert jsonwrite.to_json(snap) == text
    assert snap.to_json() == text
    out = tmp_path / "s.json"
    jsonwrite.write(snap, out)
    assert out.read_bytes() == text.encode("utf-8")
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left


def test_edge_values_identical() -> None:
    """Empty kinds, no options, no inventory, non-ASCII, escapes and an empty inventory."""
    snap = Snapshot.from_json(GOLDEN[0].read_text(encoding="utf-8"))
    table = replace(snap.tables[0], comment='naïve "quoted"\n\ttab \u2028 \x00 日本')
    odd = replace(snap.with_objects(tables=[table, *snap.tables[1:]]), options=())
    # the kinds the golden schema lacks, with nested records, empty tuples and non-ASCII
    odd = odd.with_objects(
        composites=[
            Composite("public", "pair", (Attribute("a", "int"), Attribute("b", "text", "C"))),
            Composite("public", "none", ()),
        ],
        event_triggers=[EventTrigger("ddl_log", "ddl_command_end", "public.f()", ("CREATE",))],
        policies=[Policy("public", "t", "p", "SELECT", False, ("r1", "ロール"), "x > 1")],
    )
    assert all(getattr(odd, k) for k in ("composites", "event_triggers", "policies"))
    for value in (
        Snapshot(),
        odd,
        replace(odd, inventory=None),
        replace(odd, inventory=Inventory(())),
        replace(odd, inventory=Inventory((Entry("rule", "r on public.t", "é"),))),
        replace(odd, options=(("b", "2"), ("a", "1")), server_version="18.1"),
    ):
        assert jsonwrite.to_json(value) == reference(value)


def _told(snap: Snapshot, ahead: jsonwrite.Ahead) -> None:
    """Tell ``ahead`` every part as the catalog reader does: kinds as lists (the snapshot's
    tuples are made from them later), the inventory's entries."""
    from alembic_baseline.snapshot.model import OBJECT_TYPES

    for name in OBJECT_TYPES:
        ahead.ready(name, list(getattr(snap, name)))
    if snap.inventory is not None:
        ahead.ready("inventory", snap.inventory.entries)


@pytest.mark.parametrize("steps", [0, 1, 3, 10, 1000])
def test_parts_rendered_ahead_give_the_same_bytes(steps: int, tmp_path: Path) -> None:
    text = GOLDEN[0].read_text(encoding="utf-8")
    snap = Snapshot.from_json(text)
    ahead = jsonwrite.Ahead.beside(tmp_path / "s.json")
    assert ahead is not None
    _told(snap, ahead)
    for _ in range(steps):
        ahead.step()
    assert steps < 1000 or not ahead.step()  # all of it rendered ahead
    out = tmp_path / "s.json"
    jsonwrite.write(snap, out, ahead)
    ahead.close()
    assert out.read_bytes() == text.encode("utf-8")
    assert list(tmp_path.iterdir()) == [out]  # the parts' file has no name


def test_parts_of_other_objects_or_a_failed_file_are_rendered_again(tmp_path: Path) -> None:
    text = GOLDEN[0].read_text(encoding="utf-8")
    snap = Snapshot.from_json(text)
    ahead = jsonwrite.Ahead.beside(tmp_path / "s.json")
    assert ahead is not None
    _told(snap, ahead)
    ahead.ready("tables", list(snap.tables))  # told twice: the first list is kept
    while ahead.step():
        pass
    other = snap.with_objects(tables=[replace(t, comment="other") for t in snap.tables])
    jsonwrite.write(other, tmp_path / "o.json", ahead)
    assert (tmp_path / "o.json").read_text(encoding="utf-8") == reference(other)

    failing = jsonwrite.Ahead.beside(tmp_path / "s.json")
    assert failing is not None
    _told(snap, failing)
    failing.step()
    failing.close()  # as after a write error: nothing of it is used
    assert not failing.step()
    jsonwrite.write(snap, tmp_path / "s.json", failing)
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == text
