"""skipped.sql's existence checks never hide a row: a snapshot that skips the kind queries the
database has none of equals one that runs them all, for every fixture schema on every major."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.snapshot import InspectOptions, inspect
from alembic_baseline.snapshot.kinds import KINDS, read_order

# the module (the package re-exports its function under the same name)
inspect_module = importlib.import_module("alembic_baseline.snapshot.inspect")

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
CASES = sorted(p.name for p in SCHEMAS.iterdir() if p.is_dir())


def test_probed_names_are_kind_queries() -> None:
    assert {k.query for k in KINDS} >= inspect_module.PROBED
    assert set(read_order()) >= inspect_module.PROBED


@pytest.mark.parametrize("case", CASES)
def test_skipping_absent_kinds_changes_nothing(
    pg: ScratchServer, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for side in ("a.sql", "b.sql"):
        url = pg.create_database()
        try:
            with connect(url) as conn:
                conn.execute((SCHEMAS / case / side).read_text().encode())
                options = InspectOptions(privileges=True)
                probed = inspect(conn, options)
                with monkeypatch.context() as m:
                    m.setattr(inspect_module, "PROBED", frozenset())
                    everything = inspect(conn, options)
                assert probed == everything, f"{case}/{side}"
                assert probed.to_json() == everything.to_json()
        finally:
            pg.drop_database(url.database)


def test_an_empty_database_runs_none_of_the_probed_queries(
    pg: ScratchServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    original = inspect_module.reading

    def recording(conn: Any, queries: Any, *args: Any) -> Any:
        ran.extend(queries)
        return original(conn, queries, *args)

    monkeypatch.setattr(inspect_module, "reading", recording)
    url = pg.create_database()
    try:
        with connect(url) as conn:
            conn.execute("CREATE TABLE t (id integer PRIMARY KEY)")
            inspect(conn)
    finally:
        pg.drop_database(url.database)
    assert ran and not inspect_module.PROBED.intersection(ran)
    assert {"tables", "columns", "constraints", "indexes", "inventory"} <= set(ran)
