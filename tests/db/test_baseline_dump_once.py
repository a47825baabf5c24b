"""``baseline create`` reads the schema once: one pg_dump of the pre-data and post-data sections
(custom format), which pg_restore prints exactly as pg_dump's plain format does section by
section (what the baseline was built from before: a materialized view's REFRESH included)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from alembic_baseline.baseline import source
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer

_SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
CREATE TABLE team (id serial PRIMARY KEY, name text UNIQUE NOT NULL, m mood);
CREATE TABLE member (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id int REFERENCES team (id) ON DELETE CASCADE, email text CHECK (email <> ''));
CREATE INDEX member_email ON member (lower(email));
CREATE VIEW named AS SELECT t.name, count(*) AS n FROM team t JOIN member m ON m.team_id = t.id
  GROUP BY t.name;
CREATE MATERIALIZED VIEW counted AS SELECT count(*) AS n FROM member;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER touched BEFORE UPDATE ON member FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TABLE team IS 'teams';
INSERT INTO team (name) VALUES ('a');
"""
_RESTRICT = re.compile(r"(?m)^\\(?:restrict|unrestrict) \S+\n")


def test_one_schema_dump_split_as_pg_dump_splits_it(
    pg_default: ScratchServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_default.create_database()
    with connection(url) as conn:
        conn.execute(_SCHEMA.encode())
    real = tools.pg_dump
    calls: list[list[str]] = []

    def pg_dump(bindir: Any, at: Any, args: Any, **kwargs: Any) -> bytes:
        calls.append(list(args))
        return real(bindir, at, args, **kwargs)

    monkeypatch.setattr(tools, "pg_dump", pg_dump)
    try:
        dumped = source.dump(url, pg_default.major, version_table=("alembic_version", None))
        client = binaries.find_client(pg_default.major, "pg_dump")
        common = ["--no-owner", "--no-privileges", '--exclude-table="public"."alembic_version"']
        plain = [
            real(client.bindir, url, [*common, f"--section={section}"]).decode()
            for section in ("pre-data", "post-data")
        ]
    finally:
        pg_default.drop_database(url.database)
    assert len(calls) == 1 and "--format=custom" in calls[0]  # one catalog read for the schema
    assert _RESTRICT.sub("", dumped.pre_data) == _RESTRICT.sub("", plain[0])
    assert _RESTRICT.sub("", dumped.post_data) == _RESTRICT.sub("", plain[1])
    assert "CREATE TABLE public.member" in dumped.pre_data and "alembic_version" not in (
        dumped.pre_data + dumped.post_data
    )
    assert "CREATE TRIGGER touched" in dumped.post_data and dumped.data == ""
    assert "REFRESH MATERIALIZED VIEW public.counted" in dumped.post_data
    assert dumped.expected is not None  # the catalog read at the dump's snapshot, as before
