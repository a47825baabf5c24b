"""Foreign-data wrappers, servers and foreign tables: secrets never leave the server (the round
trip of the fix SQL is the ``foreign_tables`` case of test_diff_roundtrip.py)."""

from __future__ import annotations

from dataclasses import replace

from alembic_baseline.diff import compare
from alembic_baseline.doctor import shape as sh
from alembic_baseline.expected import VersionTable
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import InspectOptions, inspect

SECRETS = """
CREATE FOREIGN DATA WRAPPER w OPTIONS (api_key 'hunter2-w');
CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (host 'db.example', password 'hunter2-s');
CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (user 'bob', password 'hunter2-m');
CREATE FOREIGN TABLE public.ft (id integer OPTIONS ("Secret_Token" 'hunter2-c'))
    SERVER s OPTIONS (table_name 'items', passfile 'hunter2-t');
"""


def test_secret_options_are_kept_by_name_only(default_db: DatabaseURL) -> None:
    with connect(default_db) as conn:
        conn.execute(SECRETS.encode())
        snap = inspect(conn, InspectOptions(privileges=True))
    assert "hunter2" not in snap.to_json()
    assert snap.foreign_data_wrappers[0].options == ("api_key",)
    assert snap.foreign_servers[0].options == ("host=db.example", "password")
    (table,) = snap.foreign_tables
    assert table.options == ("passfile", "table_name=items")
    assert table.columns[0].options == ("Secret_Token",)
    assert "user mapping" in {e.type for e in snap.inventory.entries}  # by identity only

    # an added secret option is manual work naming it, never a value
    server = snap.foreign_servers[0]
    wanted = replace(server, options=(*server.options, "sslpassword"))
    diff = compare(snap, snap.with_objects(foreign_servers=[wanted]))
    (statement,) = diff.to_statements()
    assert statement.manual and "sslpassword" in (statement.note or "")
    assert "hunter2" not in diff.to_sql()


def test_foreign_tables_count_in_doctor_fingerprints_as_in_snapshots(
    default_db: DatabaseURL,
) -> None:
    with connect(default_db) as conn:
        conn.execute(SECRETS.encode())
    before = sh.probe(default_db, VersionTable())
    assert "relation public.ft" in before.shape.objects
    with connect(default_db) as conn:
        conn.execute(b"ALTER FOREIGN TABLE public.ft ADD COLUMN extra text")
        snap = inspect(conn)
    assert [c.name for c in snap.foreign_tables[0].columns] == ["id", "extra"]
    assert sh.probe(default_db, VersionTable()).shape != before.shape
