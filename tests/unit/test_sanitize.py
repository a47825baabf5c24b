"""sanitize: pg_dump text → portable, deterministic baseline SQL (golden files, no database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alembic_baseline.baseline.sanitize import (
    CHUNK_MARK,
    PROLOGUE_MARK,
    SanitizeOptions,
    sanitize,
    split_dump,
)

DUMPS = Path(__file__).resolve().parents[1] / "fixtures" / "dumps"
HEADER = ("golden test header",)


def _parts() -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        (DUMPS / f"multibase_pg18_{name}.sql").read_text()
        for name in ("pre-data", "post-data", "data")
    )


def test_golden_output() -> None:
    pre, post, data = _parts()
    text = sanitize(pre, post, data, SanitizeOptions(min_major=14)).render(HEADER)
    golden = DUMPS / "multibase_pg18.expected.sql"
    if os.environ.get("AB_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_restrict_keys_removed_and_output_deterministic() -> None:
    pre, post, data = _parts()
    assert "\\restrict " in pre
    rekeyed = pre.replace(pre.split("\\restrict ")[1].split()[0], "SomeOtherRandomKey123")
    a = sanitize(pre, post, data).render(HEADER)
    b = sanitize(rekeyed, post, data).render(HEADER)
    assert a == b
    assert "\\restrict" not in a and "\\unrestrict" not in a
    assert "Dumped by pg_dump version" not in a


def test_settings_unknown_to_the_oldest_major_are_dropped() -> None:
    pre, post, _ = _parts()
    old = sanitize(pre, post, options=SanitizeOptions(min_major=15))
    assert "transaction_timeout" not in " ".join(old.prologue)
    assert "SET transaction_timeout" in old.removed
    new = sanitize(pre, post, options=SanitizeOptions(min_major=17))
    assert any("transaction_timeout" in s for s in new.prologue)
    # client_encoding is never kept: the driver encodes what it sends
    assert not any("client_encoding" in s for s in new.prologue)
    assert "search_path" in new.settings and "check_function_bodies" in new.settings


def test_version_table_excluded_by_parse_not_by_name_match() -> None:
    pre, post, _ = _parts()
    result = sanitize(pre, post)
    body = result.render(HEADER)
    assert "alembic_version" not in body
    assert sum("version table" in r for r in result.removed) == 2  # table + its primary key
    custom = sanitize(
        "CREATE TABLE meta.schema_history (version_num varchar(32) NOT NULL);\n"
        "CREATE TABLE public.schema_history (x int);\n"
        "COMMENT ON COLUMN meta.schema_history.version_num IS 'x';\n",
        options=SanitizeOptions(version_table="schema_history", version_table_schema="meta"),
    ).render()
    assert "meta.schema_history" not in custom
    assert "CREATE TABLE public.schema_history" in custom  # same name, other schema: kept


def test_dollar_bodies_bind_like_text_and_percent_survive() -> None:
    pre, post, data = _parts()
    body = sanitize(pre, post, data).render()
    assert "label text := 'order:' || o.code;  -- looks like :name to a bind parser" in body
    assert "RAISE NOTICE 'labelled % as % (100%%)', o.id, label;" in body
    assert "'ACME :name 100%'" in body


def test_matviews_refreshed_after_post_data() -> None:
    pre, post, _ = _parts()
    entries = [e for chunk in sanitize(pre, post).chunks for e in chunk]
    sqls = [e.sql for e in entries]
    assert sqls[-1] == "REFRESH MATERIALIZED VIEW public.mv_counts"
    assert any("CREATE INDEX ix_orders_code" in s for s in sqls[:-1])


@pytest.mark.parametrize("size", [1, 2, 5])
def test_chunks_split_the_body_and_keep_order(size: int) -> None:
    pre, post, data = _parts()
    whole = sanitize(pre, post, data, SanitizeOptions(chunk_size=1000))
    split = sanitize(pre, post, data, SanitizeOptions(chunk_size=size))
    flat = [e for c in split.chunks for e in c]
    assert flat == [e for c in whole.chunks for e in c]
    assert all(len(c) <= size for c in split.chunks)
    text = split.render()
    assert text.count(CHUNK_MARK) == len(split.chunks)
    assert text.index(PROLOGUE_MARK) < text.index(CHUNK_MARK)


def test_split_keeps_toc_comments_and_drops_banners() -> None:
    pre, _, _ = _parts()
    entries = split_dump(pre)
    table = next(e for e in entries if e.sql.startswith("CREATE TABLE public.orders"))
    assert table.comment == "-- Name: orders; Type: TABLE; Schema: public; Owner: -"
    assert table.toc_type == "TABLE"
    assert all("PostgreSQL database dump" not in e.comment for e in entries)
