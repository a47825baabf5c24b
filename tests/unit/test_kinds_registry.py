"""The kind registries (snapshot/kinds.py, diff/kinds.py): every table the code used to spell out
per kind is derived from them, and they are complete and consistent."""

from __future__ import annotations

from dataclasses import fields
from importlib import resources

from alembic_baseline.diff.kinds import BY_KIND, DDL_OF, NOUN
from alembic_baseline.diff.plan import PHASES
from alembic_baseline.snapshot import kinds as k
from alembic_baseline.snapshot.model import Snapshot


def test_snapshot_fields_are_the_kinds_in_order() -> None:
    names = [f.name for f in fields(Snapshot)]
    assert names[: len(k.KINDS)] == [kind.field for kind in k.KINDS]
    assert names[len(k.KINDS)] == "dependencies"


def test_every_kind_has_its_query_and_keys() -> None:
    queries = resources.files("alembic_baseline.snapshot") / "queries"
    order = k.read_order()
    for kind in k.KINDS:
        assert (queries / f"{kind.query}.sql").is_file(), kind.field
        assert kind.lane == "first" or order.count(kind.query) == 1, kind.field
        assert kind.cls.KIND in kind.keys, kind.field
        assert set(kind.inventory) <= k.MODELLED
    assert len(k.BY_KEY) == sum(len(kind.keys) for kind in k.KINDS)  # no key kind twice


def test_every_kind_has_ddl_dropped_before_it_is_created() -> None:
    assert set(BY_KIND) == set(k.KINDS)
    for kind, ddl in BY_KIND.items():
        assert PHASES.index(ddl.drop_phase) < PHASES.index(ddl.phase), kind.field
        for key in kind.keys:
            assert DDL_OF[key] is ddl and NOUN[key], key


def test_doctor_coverage_is_what_the_kinds_read() -> None:
    assert set(k.COVERAGE.relkinds) == {"r", "p", "v", "m", "S", "c", "f"}
    assert set(k.COVERAGE.prokinds) == {"f", "p", "w", "a"}  # aggregates are modelled
