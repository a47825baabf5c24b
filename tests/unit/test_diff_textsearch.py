"""Text search dictionaries and configurations: options parsed from the catalog's serialized
form, altered in place; a re-templated dictionary still mapped is manual work, never a failing
drop."""

from __future__ import annotations

from types import SimpleNamespace

from alembic_baseline.diff import compare
from alembic_baseline.snapshot.inspect import InspectOptions
from alembic_baseline.snapshot.loaders import text_search_dictionary
from alembic_baseline.snapshot.model import (
    Snapshot,
    TextSearchConfiguration,
    TextSearchDictionary,
)


def test_dictionary_options_are_split_and_sorted_by_name() -> None:
    row = SimpleNamespace(
        schema="public", name="d", template="pg_catalog.simple", comment=None, owner=None,
        options="stopwords = 'english', \"Odd\" = E'a\\\\b''c', accept = 1",
    )  # fmt: skip
    made = text_search_dictionary(row, InspectOptions())
    assert made.options == ("\"Odd\" = E'a\\\\b''c'", "accept = 1", "stopwords = 'english'")
    row.options = None  # a dictionary without options
    assert text_search_dictionary(row, InspectOptions()).options == ()


def _snap(dictionary: TextSearchDictionary, mapped: bool) -> Snapshot:
    mappings = ("word: public.d",) if mapped else ("word: simple",)
    config = TextSearchConfiguration("public", "c", 'pg_catalog."default"', mappings)
    return Snapshot.build(
        text_search_dictionaries=[dictionary], text_search_configurations=[config]
    )


def test_options_are_altered_and_a_removed_one_reset() -> None:
    old = TextSearchDictionary("public", "d", "pg_catalog.simple", ("accept = 'false'",))
    new = TextSearchDictionary("public", "d", "pg_catalog.simple", ("stopwords = 'english'",))
    statements = compare(_snap(old, True), _snap(new, True)).to_statements()
    assert [s.sql for s in statements] == [
        "ALTER TEXT SEARCH DICTIONARY public.d (stopwords = 'english', accept)"
    ]


def test_a_retemplated_dictionary_still_mapped_is_manual_work() -> None:
    old = TextSearchDictionary("public", "d", "pg_catalog.simple")
    new = TextSearchDictionary("public", "d", "pg_catalog.snowball", ("language = 'english'",))
    statements = compare(_snap(old, True), _snap(new, True)).to_statements()
    assert [(s.manual, s.sql) for s in statements] == [
        (True, "-- DROP TEXT SEARCH DICTIONARY public.d")
    ]
    unused = compare(_snap(old, False), _snap(new, False)).to_statements()
    assert [s.sql for s in unused] == [
        "DROP TEXT SEARCH DICTIONARY public.d",
        "CREATE TEXT SEARCH DICTIONARY public.d (TEMPLATE = pg_catalog.snowball, "
        "language = 'english')",
    ]
