"""``check models``: the fixture project's models against its history, on one major."""

from __future__ import annotations

from pathlib import Path

from alembic_baseline.compat import sqlalchemy_driver
from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.formats import check_json, check_markdown
from tests.helpers.projects import FIXTURES, cli, copy_project, project


def _cli(pg: ScratchServer, ini: Path, fmt: str, *argv: str) -> tuple[int, str, str]:
    return cli(
        "-c", str(ini), "--scratch-url", pg.admin_url.render(), "--format", fmt,
        "check", "models", *argv,
    )  # fmt: skip


def _run(pg: ScratchServer, ini: Path, *argv: str) -> tuple[int, dict[str, object], str]:
    code, out, err = _cli(pg, ini, "json", *argv)
    result = check_json(out) if out.strip() else {}
    assert isinstance(result, dict)
    return code, result, err


def test_models_matching_the_history_list_what_they_cannot_declare(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "modeled", tmp_path)
    code, result, err = _run(pg_default, ini)  # metadata from [tool.alembic-baseline.check]
    assert code == 0, err
    assert result["equal"] is True and result["differences"] == []
    assert result["not_declared_by_models"] == [
        "function public.orders_keep_placed_at()",
        "trigger public.orders.orders_keep_placed_at",
        "view public.customer_totals",
    ]
    assert result["compared_with_entities"] == []


def test_differences_are_found_and_the_written_revision_fixes_them(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "modeled", tmp_path)
    shop = ini.parent / "shop"
    models = (shop / "models.py").read_text()
    for old, new in [
        ('"cancelled", name=', '"cancelled", "refunded", name='),  # an enum label
        ('server_default="JP"', 'server_default="US"'),  # a server default
        ('comment="People who order"', 'comment="People who place orders"'),  # a comment
        ('sa.Column("note", sa.Text),', 'sa.Column("note", sa.Text, nullable=False),'),
        ("sa.String(40), nullable=False)", "sa.String(40), nullable=False, index=True)"),
        ('sa.Column("qty", sa.Integer', 'sa.Column("qty", sa.BigInteger'),  # a type
    ]:
        assert old in models
        models = models.replace(old, new)
    (shop / "models.py").write_text(models)
    entities = (shop / "entities.py").read_text().replace("count(o.id)", "count(DISTINCT o.id)")
    (shop / "entities.py").write_text(entities)

    code, result, err = _run(
        pg_default, ini, "--entities", "shop.entities:entities", "--write-revision"
    )
    assert code == 1, err
    changed = {
        (c["kind"], c["name"]): [a["name"] for a in c["attributes"]] for c in result["differences"]
    }  # type: ignore[union-attr]
    assert changed[("enum", "order_status")] == ["labels"]
    assert changed[("column", "country_code")] == ["default"]
    assert changed[("table", "customers")] == ["comment"]
    assert "not_null" in changed[("column", "note")]
    assert changed[("column", "qty")] == ["type"]
    assert ("index", "ix_order_lines_sku") in changed
    assert ("view", "customer_totals") in changed  # compared: declared as an entity
    assert result["not_declared_by_models"] == [
        "function public.orders_keep_placed_at()",
        "trigger public.orders.orders_keep_placed_at",
    ]
    written = Path(str(result["revision_file"]))
    # the project's file_template (date prefix) and down_revision = the old head
    assert written.parent.name == "versions" and written.name.startswith("20")
    assert "down_revision = 'b58e2f7a4c13'" in written.read_text()

    # The history with the written revision builds what the models say, except the type change:
    # a destructive statement is written commented out, for a person to review.
    assert result["held_back_in_revision"] == 2  # that ALTER TYPE, and the enum label removal
    assert '# op.execute(sa.text(r"""ALTER TABLE public.order_lines ALTER COLUMN qty' in (
        written.read_text()
    )
    code, again, err = _run(pg_default, ini, "--entities", "shop.entities:entities")
    assert code == 1, err
    left = [(c["kind"], c["name"]) for c in again["differences"]]  # type: ignore[union-attr]
    assert left == [("column", "qty")]
    text = written.read_text().replace(
        '# op.execute(sa.text(r"""ALTER TABLE', 'op.execute(sa.text(r"""ALTER TABLE'
    )
    written.write_text(text)
    code, out, err = _cli(pg_default, ini, "markdown", "--entities", "shop.entities:entities")
    assert code == 0, (err, out)
    check_markdown(out)
    assert out.startswith("### check models: shop.models:metadata vs head "), out
    assert "**the models match the history**" in out
    # ...and its downgrade runs back to the old head.
    db = pg_default.create_database()
    try:
        proj = project(ini)
        proj.upgrade(db, "heads", scratch=True)
        proj.downgrade(db, "b58e2f7a4c13")
        assert proj.current_heads(db) == ("b58e2f7a4c13",)
    finally:
        pg_default.drop_database(db.database)


def test_models_that_connect_elsewhere_when_imported_are_refused(
    pg_default: ScratchServer, tmp_path: Path
) -> None:
    ini = copy_project(FIXTURES / "modeled", tmp_path)
    elsewhere = pg_default.admin_url.render(sqlalchemy_driver("psycopg"))  # another database
    (ini.parent / "shop" / "connecting.py").write_text(
        "import sqlalchemy as sa\n"
        "from shop.models import metadata\n"
        f"sa.create_engine({elsewhere!r}).connect()  # at import, like some apps do\n"
    )
    code, _, err = _run(pg_default, ini, "--metadata", "shop.connecting:metadata")
    assert code == ExitCode.UNSAFE, err
    assert "Refused: the models' code (imported, then create_all) tried to connect to" in err
