"""doctor's pure parts: fingerprints, cache keys, upgrade order, fixes, rendering (no database)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.doctor import environment, evidence, render, versions
from alembic_baseline.doctor.cache import FingerprintCache, root_key, states
from alembic_baseline.doctor.checklists import Checklist
from alembic_baseline.doctor.model import (
    Diagnosis,
    DoctorReport,
    Identification,
    Match,
    Severity,
)
from alembic_baseline.doctor.repair import choose_fix
from alembic_baseline.doctor.replay import upgrade_order
from alembic_baseline.doctor.shape import (
    Shape,
    install_functions,
    query,
    signature_distance,
)
from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.expected import VersionTable
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook.items import CheckItem, Status
from alembic_baseline.snapshot import Snapshot
from tests.helpers.projects import FIXTURES, copy_project

REPO = Path(__file__).resolve().parents[2]


def history_of(ini: Path) -> History:
    return History(AlembicProject(settings.load(config=str(ini))))


def test_diagnosis_json_names_the_code_and_reports_exit_codes() -> None:
    d = Diagnosis("AB-D006", Severity.WARNING, "m", "fix")
    assert d.to_json()["name"] == "multiple-heads"
    report = DoctorReport("db", "16", "alembic_version", (), (), (d,), None, 0.0)
    assert report.exit_code == ExitCode.FINDINGS
    info = Diagnosis("AB-D007", Severity.INFO, "building", "wait")
    assert DoctorReport("db", "16", "v", (), (), (info,), None, 0.0).exit_code == ExitCode.OK


def test_shape_distance_differences_and_digest() -> None:
    a = Shape({"relation public.t": "r", "column public.t.a": "int", "schema public": ""})
    b = Shape({"relation public.t": "r", "column public.t.a": "text", "column public.t.b": "x"})
    assert a.distance(b) == 3  # a changed, b added, the schema missing
    assert a.differences(b) == (
        "column public.t.a: differs",
        "column public.t.b: extra in the database",
        "schema public: missing in the database",
    )
    assert Shape(dict(reversed(list(a.objects.items())))).digest == a.digest
    assert Shape({"schema public": "", "extension plpgsql": "1.0"}).empty and not a.empty
    assert signature_distance((1, 2, 3), (1, 4, 3)) == 2
    assert len(a.differences(Shape({f"column x.{i}": "" for i in range(30)}), limit=5)) == 6


def test_queries_quote_what_they_embed() -> None:
    text = query("shape", "it's", "my schema", ("public.ix_a",))
    assert "'it''s'" in text and "'my schema'" in text and "'{public.ix_a}'" in text
    arrays = re.compile(r"'\{[^']*\}'")  # the literal arrays: the kinds the snapshot covers
    assert "{" not in arrays.sub("", query("signature", "alembic_version", None))
    shape_fn, signature_fn = install_functions("alembic_version", None)
    assert shape_fn.startswith("CREATE FUNCTION pg_temp.ab_doctor_shape()")
    assert "SET search_path = pg_catalog" in signature_fn
    assert "%" not in shape_fn + signature_fn  # safe for every driver's paramstyle


def test_upgrade_order_of_two_bases_and_their_merge() -> None:
    history = history_of(FIXTURES / "multibase" / "alembic.ini")
    steps = upgrade_order(history)
    heads = [s.heads for s in steps]
    assert [s.revision for s in steps][-2:] == ["cc33cc33cc33", "dd44dd44dd44"]
    assert ("aa11aa11aa11", "bb22bb22bb22") in heads  # both bases applied, not yet merged
    assert heads[-2:] == [("cc33cc33cc33",), ("dd44dd44dd44",)]


def test_state_keys_chain_the_history(tmp_path: Path) -> None:
    ini = copy_project(FIXTURES / "doctor_app", tmp_path)
    history = history_of(ini)
    root = root_key(history, 16, VersionTable())
    keys = [s.key for s in states(history, upgrade_order(history), root)]
    assert len(keys) == len(set(keys)) == 7
    assert root_key(history, 15, VersionTable()) != root
    assert root_key(history, 16, VersionTable("versions", "meta")) != root
    aa04 = ini.parent / "migrations" / "versions" / "aa04_index_sku_concurrently.py"
    aa04.write_text(aa04.read_text() + "\n# changed\n")
    history = history_of(ini)
    again = [s.key for s in states(history, upgrade_order(history), root)]
    assert again[:4] == keys[:4] and not set(again[4:]) & set(keys)


def test_cache_round_trips_and_prunes(tmp_path: Path) -> None:
    ini = copy_project(FIXTURES / "doctor_app", tmp_path)
    history = history_of(ini)
    chain = states(history, upgrade_order(history), "root")
    cache = FingerprintCache(tmp_path / "fp", 16)
    cache.store_signatures(chain[:3], {s.key: (i, 1) for i, s in enumerate(chain[:3])})
    cache.store_signatures(chain, {s.key: (i, 1) for i, s in enumerate(chain)})
    assert len(cache.signatures()) == 7
    assert len(list(cache.directory.glob("chain-*.json"))) == 1  # the prefix file is pruned
    cache.store_shape("k", Shape({"relation public.t": "r"}))
    assert cache.shape("k") == Shape({"relation public.t": "r"}) and cache.shape("x") is None
    cache.store_snapshot("k", Snapshot())
    assert cache.snapshot("k") == Snapshot() and cache.has_snapshot("k")
    (cache.directory / "k.snapshot.json").write_text("{ not json")
    assert cache.snapshot("k") is None and not cache.has_snapshot("k")  # rebuilt, not trusted
    (cache.directory / "chain-bad.json").write_text(json.dumps({"format": 99}))
    assert len(cache.signatures()) == 7


def test_restamp_fix_never_guesses() -> None:
    fix, action, details = versions.restamp_fix(None, 16)
    assert action is None and "--identify" in fix and "PostgreSQL 16" in fix
    exact = Identification((Match(("a",), True), Match(("b",), True)), None, 3, 1, 0.1)
    fix, action, details = versions.restamp_fix(exact, 16)
    assert (fix, action) == ("alembic-baseline repair --fix restamp --to a --yes", "restamp")
    assert "also equal: b" in details[1] and "data" in details[1]
    closest = Identification((), Match(("c",), False, ("column x: differs",), 1), 3, 0, 0.1)
    fix, action, details = versions.restamp_fix(closest, 16)
    assert action is None and fix.startswith(
        'alembic-baseline --pg-major 16 diff --sql "$DATABASE_URL" rev:c'
    )
    assert details == [
        "no revision matches exactly; closest: c with 1 difference(s)",
        "column x: differs",
    ]


def test_choose_fix() -> None:
    restamp = Diagnosis("AB-D010", Severity.ERROR, "m", "f", repair="restamp")
    drop = Diagnosis("AB-D007", Severity.ERROR, "m", "f", repair="drop-invalid-index")
    report = DoctorReport("db", "16", "v", (), (), (restamp,), None, 0.0)
    assert choose_fix(report, None) == ("restamp", "AB-D010")
    both = DoctorReport("db", "16", "v", (), (), (restamp, drop), None, 0.0)
    with pytest.raises(ConfigError, match="Several fixes"):
        choose_fix(both, None)
    assert choose_fix(both, "drop-invalid-index") == ("drop-invalid-index", "AB-D007")
    with pytest.raises(ConfigError, match="Unknown fix"):
        choose_fix(both, "truncate")
    with pytest.raises(ConfigError, match="Nothing"):
        choose_fix(DoctorReport("db", "16", "v", (), (), (), None, 0.0), None)


def test_markdown() -> None:
    items = (
        CheckItem("backup", "本番DBのバックアップを取得", Status.PASS, "ok"),
        CheckItem("ci", "CI で確認", Status.MANUAL, "a person ticks this", "run it in CI"),
        CheckItem("downgrades", "downgrade()", Status.FAIL, "aa07 has none", "write one"),
    )
    text = render.checklist_markdown(Checklist("pre-patch", "パッチ適用前", "db", items))
    assert "- [x] **本番DBのバックアップを取得** — ok (`backup`)" in text
    assert "- [ ] **CI で確認**" in text and "  - run it in CI" in text
    assert "- [ ] ✗ **downgrade()**" in text and "**1 failed**" in text
    empty = DoctorReport("db", "16", "v", ("a",), ("a",), (), None, 0.0)
    assert "No problem found." in render.report_markdown(empty)


def test_environment_problems_with_the_real_installations() -> None:
    scratch = environment.scratch_problem(99, None)
    assert scratch is not None and scratch.code == "AB-D011"
    dump = environment.pg_dump_problem(99)
    assert dump is not None and dump.code == "AB-D012" and "pg_dump" in dump.message


def test_pg_stat_reset_and_counter_files() -> None:
    before = {"xact_commit": 10, "stats_reset": None}
    assert not evidence._reset(before, {"xact_commit": 12, "stats_reset": "2026-01-01"})
    assert evidence._reset(before, {"xact_commit": 3, "stats_reset": None})
    assert evidence._reset(
        {"xact_commit": 1, "stats_reset": "a"}, {"xact_commit": 5, "stats_reset": "b"}
    )
    url = DatabaseURL("u", "secret", "/tmp/x y", 5432, "prod/db")
    path = evidence.counters_path(Path("/c"), url)
    assert path.parent == Path("/c/pgstat") and "/" not in path.name and "secret" not in path.name
