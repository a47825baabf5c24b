"""Seed rows and secrets without a database: the volatile-column rule and the user-mapping cut."""

from __future__ import annotations

import json

from alembic_baseline.baseline.sanitize import sanitize
from alembic_baseline.baseline.seed import SeedData
from alembic_baseline.baseline.seed_compare import diff_rows, volatile_columns


def row(**values: object) -> dict[str, str]:
    return {k: json.dumps(v) for k, v in values.items()}


def test_volatile_columns_are_the_ones_two_replays_disagree_on() -> None:
    first = [row(id="a1", code="kg", at="t1"), row(id="b2", code="g", at="t1")]
    second = [row(id="c3", code="g", at="t2"), row(id="d4", code="kg", at="t2")]
    assert volatile_columns(first, second) == ("at", "id")
    assert volatile_columns(first, first) == ()


def test_stable_columns_and_row_counts_still_decide() -> None:
    history = [row(id="a1", code="kg", at="t1"), row(id="b2", code="g", at="t1")]
    volatile = ("at", "id")
    # the same rows with other random ids and times: equal
    baseline = [row(id="x", code="g", at="t9"), row(id="y", code="kg", at="t9")]
    assert diff_rows("public.units", history, baseline, volatile) == []
    # a row missing: named, with the count
    lines = diff_rows("public.units", history, baseline[:1], volatile)
    assert lines[0] == "public.units: 2 rows in the history, 1 in the baseline"
    assert any(ln.startswith("row only in history: public.units") and '"kg"' in ln for ln in lines)
    # a stable value changed
    changed = [row(id="x", code="g", at="t9"), row(id="y", code="lb", at="t9")]
    lines = diff_rows("public.units", history, changed, volatile)
    assert any('"lb"' in ln and "only in baseline" in ln for ln in lines)
    # every column volatile: rows are still counted, and NULL vs value still tells
    assert diff_rows("t", [row(id="a")], [], ("id",)) != []
    assert diff_rows("t", [row(id="a")], [row(id=None)], ("id",)) != []
    # duplicates count (multisets, not sets)
    assert diff_rows("t", [row(c=1), row(c=1)], [row(c=1)]) != []


def test_user_mapping_is_left_out_with_a_note() -> None:
    dump = (
        "--\n-- Name: USER MAPPING app_login SERVER remote; Type: USER MAPPING; Schema: -; "
        "Owner: -\n--\n\nCREATE USER MAPPING FOR app_login SERVER remote OPTIONS (\n"
        "    user 'svc',\n    password 'S3cret'\n);\n\n"
        "--\n-- Name: remote; Type: SERVER; Schema: -; Owner: -\n--\n\n"
        "CREATE SERVER remote FOREIGN DATA WRAPPER w;\n"
    )
    baseline = sanitize(dump)
    text = baseline.render()
    assert "S3cret" not in text and "app_login" not in text and "USER MAPPING" not in text
    assert "CREATE SERVER remote" in text
    assert baseline.removed == ("user mapping on server remote (its options hold credentials)",)
    (note,) = baseline.notes
    assert "CREATE USER MAPPING FOR <role> SERVER remote OPTIONS" in note
    quoted = sanitize(dump.replace("SERVER remote OPTIONS", 'SERVER "Remote X" OPTIONS'))
    assert 'SERVER "Remote X"' in quoted.notes[0]


def test_seed_header_and_warnings() -> None:
    carried = SeedData({"public.flags": 3}, True, "INSERT …")
    assert "public.flags (3)" in carried.header and carried.warnings == ()
    skipped = SeedData({"public.flags": 3}, False)
    assert "NOT carried" in skipped.header and "public.flags (3)" in skipped.warnings[0]
    assert SeedData({}, True).header == "seed data: none (the history writes no rows)"
    big = SeedData({"public.events": 20_000}, True, "INSERT …")
    assert "20000 rows" in big.warnings[0] and "--no-seed-data" in big.warnings[0]


def test_subscription_and_its_comment_are_left_out() -> None:
    dump = (
        "--\n-- Name: ab_sub; Type: SUBSCRIPTION; Schema: -; Owner: -\n--\n\n"
        "CREATE SUBSCRIPTION ab_sub CONNECTION 'host=remote dbname=x password=SubS3cret' "
        "PUBLICATION p WITH (connect = false, slot_name = NONE);\n\n"
        "--\n-- Name: SUBSCRIPTION ab_sub; Type: COMMENT; Schema: -; Owner: -\n--\n\n"
        "COMMENT ON SUBSCRIPTION ab_sub IS 'feed';\n\n"
        "CREATE TABLE a (id int);\n"
    )
    baseline = sanitize("", dump)
    text = baseline.render()
    assert "SubS3cret" not in text and "SUBSCRIPTION" not in text and "CREATE TABLE a" in text
    assert baseline.removed == ("subscription ab_sub (its connection string may hold secrets)",)
    assert "subscription ab_sub was left out" in baseline.notes[0]
