"""SchemaDiff → DDL on hand-built snapshots (no database): order, flags, quoting."""

from __future__ import annotations

import pytest

from alembic_baseline.diff import PHASES, compare
from alembic_baseline.diff.ddl_objects import enum_additions, function_sql
from alembic_baseline.diff.quote import dollar_quote, ident, literal, qualified
from alembic_baseline.snapshot.model import (
    Column,
    Constraint,
    Dependency,
    Enum,
    Function,
    ObjectKey,
    Snapshot,
    Table,
    View,
)

EMPTY = Snapshot()


def sqls(a: Snapshot, b: Snapshot, **kw: bool) -> list[str]:
    return [s.sql for s in compare(a, b).to_statements(**kw)]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("users", "users"),
        ("User", '"User"'),
        ("select", '"select"'),
        ("user", '"user"'),
        ("name", "name"),
        ("a b", '"a b"'),
        ('q"x', '"q""x"'),
        ("_x1$", "_x1$"),
        ("1a", '"1a"'),
    ],
)
def test_ident_follows_postgresql_rules(name: str, quoted: str) -> None:
    assert ident(name) == quoted


def test_literals_and_dollar_quotes() -> None:
    assert literal("it's") == "'it''s'"
    assert literal("a\\b") == "E'a\\\\b'"
    assert qualified("Sales", "order") == '"Sales"."order"'
    assert dollar_quote("x $function$ y") == "$function1$x $function$ y$function1$"


@pytest.mark.parametrize(
    ("old", "new", "clauses"),
    [
        (("a", "c"), ("a", "b", "c"), ["ADD VALUE 'b' BEFORE 'c'"]),
        (("a",), ("a", "b"), ["ADD VALUE 'b' AFTER 'a'"]),
        (("b",), ("a", "b"), ["ADD VALUE 'a' BEFORE 'b'"]),
        (("a", "b"), ("a", "b", "c", "d"), ["ADD VALUE 'c' AFTER 'b'", "ADD VALUE 'd' AFTER 'c'"]),
        (("a", "b"), ("a",), None),
        (("a", "b"), ("b", "a"), None),
    ],
)
def test_enum_additions_keep_label_order(
    old: tuple[str, ...], new: tuple[str, ...], clauses: list[str] | None
) -> None:
    assert enum_additions(old, new) == clauses


def test_one_added_enum_label_is_one_statement() -> None:
    a = Snapshot.build(enums=[Enum("public", "mood", ("sad", "happy"))])
    b = Snapshot.build(enums=[Enum("public", "mood", ("sad", "ok", "happy"))])
    assert sqls(a, b) == ["ALTER TYPE public.mood ADD VALUE 'ok' BEFORE 'happy'"]


def test_enum_label_removal_is_manual_and_never_enabled() -> None:
    a = Snapshot.build(enums=[Enum("public", "mood", ("sad", "happy"))])
    b = Snapshot.build(enums=[Enum("public", "mood", ("happy",))])
    (stmt,) = compare(a, b).to_statements(allow_destructive=True)
    assert stmt.manual and not stmt.enabled
    assert "-- MANUAL: enum labels cannot be removed" in compare(a, b).to_sql()


def test_destructive_statements_are_commented_out_unless_allowed() -> None:
    a = Snapshot.build(
        tables=[Table("public", "t")], columns=[Column("public", "t", "x", 1, "int")]
    )
    b = Snapshot.build(tables=[Table("public", "t")])
    diff = compare(a, b)
    (stmt,) = diff.to_statements()
    assert stmt.destructive and not stmt.enabled
    assert "-- ALTER TABLE public.t DROP COLUMN x;" in diff.to_sql()
    assert "\nALTER TABLE public.t DROP COLUMN x;" in diff.to_sql(allow_destructive=True)


def test_statements_follow_the_phases() -> None:
    users = Table("public", "users")
    b = Snapshot.build(
        tables=[users, Table("public", "orders")],
        columns=[
            Column("public", "users", "id", 1, "integer", True),
            Column("public", "orders", "user_id", 1, "integer"),
        ],
        constraints=[
            Constraint(
                "public",
                "orders",
                "orders_user_fk",
                "f",
                "FOREIGN KEY (user_id) REFERENCES public.users(id)",
                ("user_id",),
            ),
            Constraint("public", "users", "users_pkey", "p", "PRIMARY KEY (id)", ("id",)),
        ],
        views=[
            View("public", "v2", " SELECT 1 FROM public.v1;"),
            View("public", "v1", " SELECT id FROM public.users;"),
        ],
        dependencies=[
            Dependency(ObjectKey("view", "public", "v2"), ObjectKey("view", "public", "v1"))
        ],
    )
    stmts = compare(EMPTY, b).to_statements()
    assert [s.phase_index for s in stmts] == sorted(s.phase_index for s in stmts)
    text = [s.sql.split("\n")[0] for s in stmts]
    assert text.index(
        "ALTER TABLE public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id)"
    ) < text.index(
        "ALTER TABLE public.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY "
        "(user_id) REFERENCES public.users(id)"
    )
    assert text.index("CREATE VIEW public.v1 AS") < text.index("CREATE VIEW public.v2 AS")
    assert "CREATE TABLE public.users (\n    id integer NOT NULL\n)" in [s.sql for s in stmts]
    assert PHASES.index("drop views") < PHASES.index("drop tables") < PHASES.index("tables")


def test_changed_view_drops_dependants_first_and_recreates_them_after() -> None:
    v1, v2 = ObjectKey("view", "public", "v1"), ObjectKey("view", "public", "v2")
    a = Snapshot.build(
        views=[View("public", "v1", "SELECT 1"), View("public", "v2", "SELECT 2")],
        dependencies=[Dependency(v2, v1)],
    )
    b = a.with_objects(views=[View("public", "v1", "SELECT 10"), View("public", "v2", "SELECT 2")])
    assert sqls(a, b) == [
        "DROP VIEW public.v2",
        "DROP VIEW public.v1",
        "CREATE VIEW public.v1 AS\nSELECT 10",
        "CREATE VIEW public.v2 AS\nSELECT 2",
    ]


def test_function_sql_is_complete_and_quoted() -> None:
    fn = Function(
        "app",
        "Calc",
        "x integer",
        "x integer DEFAULT 1",
        "integer",
        "plpgsql",
        "BEGIN RETURN $$x$$; END",
        volatility="stable",
        strict=True,
        security_definer=True,
        config=("search_path=app, pg_temp",),
    )
    sql = function_sql(fn)
    assert sql.startswith('CREATE OR REPLACE FUNCTION app."Calc"(x integer DEFAULT 1)')
    assert "STABLE STRICT" in sql and "SECURITY DEFINER" in sql
    assert "SET search_path TO 'app', 'pg_temp'" in sql
    assert sql.endswith("AS $function$BEGIN RETURN $$x$$; END$function$")


def test_comment_statement_for_new_and_changed_objects() -> None:
    a = Snapshot.build(tables=[Table("public", "t", comment="old")])
    b = Snapshot.build(tables=[Table("public", "t", comment="it's new")])
    assert sqls(a, b) == ["COMMENT ON TABLE public.t IS 'it''s new'"]
    assert sqls(b, a.with_objects(tables=[Table("public", "t")])) == [
        "COMMENT ON TABLE public.t IS NULL"
    ]


def test_empty_diff_renders_a_no_op_script() -> None:
    assert compare(EMPTY, EMPTY).to_sql() == "-- alembic-baseline: no differences, nothing to do.\n"


def test_owner_and_grants_when_privileges_were_read() -> None:
    a = Snapshot.build(
        tables=[Table("public", "t", owner="app", acl=("=r/app", "app=arwdDxtm/app"))]
    )
    b = Snapshot.build(
        tables=[Table("public", "t", owner="admin", acl=("=aw*/app", "app=arwdDxtm/app"))]
    )
    assert sqls(a, b) == [
        "ALTER TABLE public.t OWNER TO admin",
        "REVOKE SELECT ON TABLE public.t FROM PUBLIC",
        "GRANT INSERT ON TABLE public.t TO PUBLIC",
        "GRANT UPDATE ON TABLE public.t TO PUBLIC WITH GRANT OPTION",
    ]


def test_new_columns_are_appended_in_b_order_not_name_order() -> None:
    table = Table("public", "t")
    a = Snapshot.build(tables=[table], columns=[Column("public", "t", "id", 1, "integer")])
    b = a.with_objects(
        columns=[
            Column("public", "t", "id", 1, "integer"),
            Column("public", "t", "zeta", 2, "text"),
            Column("public", "t", "alpha", 3, "text"),
        ]
    )
    assert sqls(a, b) == [
        "ALTER TABLE public.t ADD COLUMN zeta text",
        "ALTER TABLE public.t ADD COLUMN alpha text",
    ]
