"""``check upgrade-with-data``: revisions that pass on an empty database and fail on rows."""

from __future__ import annotations

import json
from pathlib import Path

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.testing.fill import Filled, fill_database
from tests.helpers.formats import check_json, check_markdown
from tests.helpers.projects import FIXTURES, add_revision, cli, copy_project, project

HEAD = "b58e2f7a4c13"


def _revisions(versions: Path) -> None:
    """Four revisions after the fixture's head; all of them pass on an empty database."""
    add_revision(  # the generator repeats values of a column with no unique key: duplicates
        versions,
        "d1a7c0de0001",
        HEAD,
        'op.create_index("uq_customers_full_name", "customers", ["full_name"], unique=True)',
        'op.drop_index("uq_customers_full_name", "customers")',
    )
    add_revision(  # a NOT NULL column without a default over existing rows
        versions,
        "d1a7c0de0002",
        "d1a7c0de0001",
        'op.add_column("customers", sa.Column("tier", sa.Text, nullable=False))',
        'op.drop_column("customers", "tier")',
    )
    add_revision(  # SET NOT NULL where a nullable column holds NULLs
        versions,
        "d1a7c0de0003",
        "d1a7c0de0002",
        'op.alter_column("orders", "note", nullable=False)',
        'op.alter_column("orders", "note", nullable=True)',
    )
    add_revision(  # a cast that fails on the values
        versions,
        "d1a7c0de0004",
        "d1a7c0de0003",
        'op.alter_column("order_lines", "sku", type_=sa.Integer, postgresql_using="sku::integer")',
        'op.alter_column("order_lines", "sku", type_=sa.String(40))',
    )


def test_failures_on_rows_are_reported_with_statement_and_rows(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "modeled", tmp_path)
    _revisions(ini.parent / "migrations" / "versions")
    code, out, err = cli(
        "-c", str(ini), "--scratch-url", pg_default.admin_url.render(), "--json",
        "check", "upgrade-with-data", "--from", HEAD, "--rows", "12",
    )  # fmt: skip
    assert code == 1, err
    result = check_json(out)
    assert isinstance(result, dict)
    runs = {r["revision"]: r for r in result["revisions"]}
    assert list(runs) == ["d1a7c0de0001", "d1a7c0de0002", "d1a7c0de0003", "d1a7c0de0004"]
    assert not any(r["ok"] or r["empty_too"] for r in runs.values())
    # the rows hook of the fixture filled the range column the generator cannot make
    filled = {f["table"]: f for f in runs["d1a7c0de0001"]["filled"]}
    assert filled["public.deliveries"] == {
        "table": "public.deliveries", "rows": 12, "skipped": 0, "problem": None
    }  # fmt: skip
    assert result["complete"] is True

    dup = runs["d1a7c0de0001"]
    assert dup["failure"]["sqlstate"] == "23505"
    assert "CREATE UNIQUE INDEX uq_customers_full_name" in dup["failure"]["statement"]
    assert dup["rows"][0] == "4 duplicated key(s) in public.customers"  # 12 rows, 4 values
    assert dup["rows"][1] == "(full_name) = (full_name-0) occurs 3 times"

    new_column = runs["d1a7c0de0002"]
    assert new_column["failure"]["sqlstate"] == "23502"
    assert new_column["rows"] == [
        "all 12 existing row(s) of public.customers: the new column tier is NOT NULL and has "
        "no default"
    ]
    nulls = runs["d1a7c0de0003"]
    assert nulls["failure"]["sqlstate"] == "23502"
    assert nulls["rows"][0] == "3 of 12 row(s) of public.orders hold NULL in note"
    assert json.loads(nulls["rows"][1])["note"] is None

    cast = runs["d1a7c0de0004"]
    assert cast["failure"]["sqlstate"] == "22P02"
    assert "USING sku::integer" in cast["failure"]["statement"]
    if pg_default.major >= 16:  # pg_input_is_valid
        assert cast["rows"][0] == "order_lines.sku = 'sku-0' does not convert to INTEGER"

    code, out, err = cli(  # the same run as markdown, for a pull request
        "-c", str(ini), "--scratch-url", pg_default.admin_url.render(), "--format", "markdown",
        "check", "upgrade-with-data", "--from", HEAD, "--rows", "12",
    )  # fmt: skip
    assert code == 1, err
    check_markdown(out)
    assert out.startswith("### check upgrade-with-data (12 rows per table)"), out
    assert "#### `d1a7c0de0001` failed" in out
    assert "CREATE UNIQUE INDEX uq_customers_full_name" in out
    assert "- (full_name) = (full_name-0) occurs 3 times" in out


def test_pending_revisions_of_a_database_with_a_table_nobody_can_fill(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "modeled", tmp_path)
    versions = ini.parent / "migrations" / "versions"
    (ini.parent / "shop" / "no_rows.py").write_text("def rows(table, count):\n    return None\n")
    add_revision(
        versions,
        "d1a7c0de0005",
        HEAD,
        'op.add_column("customers", sa.Column("vip", sa.Boolean, nullable=False, '
        "server_default=sa.false()))",
        'op.drop_column("customers", "vip")',
    )
    production = pg_default.create_database()  # at HEAD: d1a7c0de0005 is pending there
    try:
        project(ini).upgrade(production, HEAD)
        code, out, err = cli(
            "-c", str(ini), "--scratch-url", pg_default.admin_url.render(), "--json",
            "check", "upgrade-with-data", "--url", production.render(), "--rows", "5",
            "--rows-hook", "shop.no_rows:rows",  # a hook that provides no rows
        )  # fmt: skip
        assert project(ini).current_heads(production) == (HEAD,)  # only read
    finally:
        pg_default.drop_database(production.database)
    assert code == 1, err
    (run,) = json.loads(out)["revisions"]
    assert run["ok"] is True
    assert [f["problem"] for f in run["filled"] if f["problem"]] == [
        "column slot: no generator for type int4range"
    ]


def test_generated_rows_honour_keys_checks_and_foreign_keys(default_db: DatabaseURL) -> None:
    with connection(default_db) as conn:
        conn.execute(
            """
            CREATE TYPE mood AS ENUM ('calm', 'busy');
            CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
            CREATE TABLE warehouses (
                code char(2) PRIMARY KEY,
                region text NOT NULL CHECK (region IN ('north', 'south', 'it''s east')),
                mood mood NOT NULL,
                opened date
            );
            CREATE TABLE bins (
                warehouse char(2) NOT NULL REFERENCES warehouses,
                slot positive_int NOT NULL,
                size smallint NOT NULL CHECK (size % 3 <> 0),
                tags text[],
                PRIMARY KEY (warehouse, slot)
            );
            CREATE TABLE moves (
                id bigserial PRIMARY KEY,
                warehouse char(2) NOT NULL,
                slot integer NOT NULL,
                parent bigint REFERENCES moves,
                payload jsonb NOT NULL,
                FOREIGN KEY (warehouse, slot) REFERENCES bins
            );
            """
        )
    filled = {f.table: f for f in fill_database(default_db, 40, None, set())}
    assert filled["public.warehouses"] == Filled("public.warehouses", 40)
    # a third of the sizes is refused by the CHECK at first; a retry finds others
    assert filled["public.bins"].rows + filled["public.bins"].skipped == 40
    assert filled["public.bins"].rows >= 30
    assert filled["public.moves"].rows == 40 and filled["public.moves"].problem is None
    with connection(default_db) as conn:
        regions = {r[0] for r in conn.execute("SELECT DISTINCT region FROM warehouses")}
        assert regions == {"north", "south", "it's east"}
        nulls = conn.execute("SELECT count(*) FROM warehouses WHERE opened IS NULL").fetchone()
        assert nulls == (10,)  # a nullable column: NULL in every fourth row
        pairs = conn.execute("SELECT count(DISTINCT (warehouse, slot)) FROM moves").fetchone()
        assert pairs is not None and pairs[0] > 1  # composite keys taken from existing rows
