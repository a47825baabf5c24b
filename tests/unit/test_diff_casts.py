"""Casts: spelled as CREATE CAST needs them, named as COMMENT ON CAST does, dropped and
created on any change, and dragged along when their function is dropped and created."""

from __future__ import annotations

from alembic_baseline.diff import compare
from alembic_baseline.diff.ddl_casts import cast_sql
from alembic_baseline.snapshot.model import Cast, Dependency, Function, Snapshot


def test_each_method_and_context_is_spelled_as_create_cast_takes_it() -> None:
    assert cast_sql(Cast("integer", "public.p", "function", "public.f(integer)")) == (
        "CREATE CAST (integer AS public.p) WITH FUNCTION public.f(integer)"
    )
    assert cast_sql(Cast("public.e", "text", "inout", context="implicit")) == (
        "CREATE CAST (public.e AS text) WITH INOUT AS IMPLICIT"
    )
    assert cast_sql(Cast("bytea", "text", "binary", context="assignment")) == (
        "CREATE CAST (bytea AS text) WITHOUT FUNCTION AS ASSIGNMENT"
    )


def test_a_changed_context_recreates_the_cast_and_keeps_its_comment() -> None:
    old = Cast("public.e", "text", "inout", comment="labels")
    new = Cast("public.e", "text", "inout", context="assignment", comment="labels")
    sql = [s.sql for s in compare(Snapshot.build(casts=[old]), Snapshot.build(casts=[new]))
           .to_statements()]  # fmt: skip
    assert sql == [
        "DROP CAST (public.e AS text)",
        "CREATE CAST (public.e AS text) WITH INOUT AS ASSIGNMENT",
        "COMMENT ON CAST (public.e AS text) IS 'labels'",
    ]


def test_a_recreated_function_takes_its_cast_along() -> None:
    def side(arguments: str) -> Snapshot:
        f = Function("public", "f", "integer", arguments, "text", "sql", "SELECT 'x'")
        cast = Cast("integer", "public.p", "function", "public.f(integer)")
        return Snapshot.build(
            functions=[f], casts=[cast], dependencies=[Dependency(cast.key, f.key)]
        )

    sql = [s.sql for s in compare(side("integer"), side("n integer")).to_statements()]
    assert sql.index("DROP CAST (integer AS public.p)") < sql.index(
        "DROP FUNCTION public.f(integer)"
    )
    created = next(i for i, s in enumerate(sql) if s.startswith("CREATE OR REPLACE FUNCTION"))
    assert sql.index("CREATE CAST (integer AS public.p) WITH FUNCTION public.f(integer)") > created
