"""The lint cache: one results file, read once, merged under a lock, never a traceback."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from lintcases import index_chain, revision_source, write_revisions

from alembic_baseline.lint import cache as lint_cache
from alembic_baseline.lint import engine
from alembic_baseline.lint.cache import FileResult, LintCache
from alembic_baseline.lint.config import from_section
from alembic_baseline.lint.model import (
    Finding,
    IgnoreDirectives,
    RevisionSummary,
    Severity,
    ViewEvent,
)


def _result(n: int, path: str = "/p/x.py") -> FileResult:
    summary = RevisionSummary(
        path=path,
        revision=f"rev{n}",
        down_revisions=(f"rev{n - 1}",) if n else (),
        depends_on=("dep",),
        branch_labels=("label",),
        revision_line=7,
        archived=bool(n % 2),
        view_events=(ViewEvent("create", "v", 12, ("a", "b")), ViewEvent("drop", "w", 13)),
        ignores=IgnoreDirectives({3: frozenset({"PG1", "AB101"})}, frozenset({"*"})),
        offline_error=None if n % 2 else "importing the module failed: ImportError: x",
    )
    findings = (
        Finding(
            "PG101", "index-concurrently", Severity.ERROR, path, 9, "mé ✓", "hint", "subject", 11, 8
        ),
        Finding("AB101", "name", Severity.INFO, path, 1, "message", "hint"),
    )
    return FileResult(summary, findings)


def _findings(result: engine.EngineResult) -> list[tuple[str, int, str, str, int, int]]:
    return [
        (Path(f.path).name, f.line, f.code, f.message, f.end_line, f.start_line)
        for f in result.findings
    ]


def test_an_entry_reads_back_equal_at_the_current_path(tmp_path: Path) -> None:
    for n in (0, 1):
        LintCache(tmp_path).save({f"k{n}": _result(n)})
    again = LintCache(tmp_path)
    for n in (0, 1):
        assert again.get(f"k{n}", "/p/x.py") == _result(n)
        moved = again.get(f"k{n}", "/elsewhere/x.py")
        assert moved == _result(n, "/elsewhere/x.py")
    assert again.get("nothing", "/p/x.py") is None


def test_warm_run_reads_one_file_and_matches_the_cold_run(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(6))
    config = from_section({})
    cache = tmp_path / "cache"
    cold = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    uncached = engine.run(targets, config, root=tmp_path, cache_dir=None, jobs=1)
    warm = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    assert warm.cached == 6 and cold.cached == 0
    assert warm.findings == cold.findings == uncached.findings
    assert warm.summaries == uncached.summaries
    assert sorted(p.name for p in cache.iterdir()) == [
        ".gitignore",
        "last-run.json",  # the last run's outcome (test_the_last_run_...)
        "results.json",
        "results.lock",
    ]


@pytest.mark.parametrize(
    "content",
    [
        b'{"format": "alembic-baseline lint cache", "schema": 2, "entries": {"ab',  # cut short
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"format": "alembic-baseline lint cache", "schema": 2, "entries": []}',
        b'{"format": "something else", "schema": 2, "entries": {}}',
        b'{"format": "alembic-baseline lint cache", "schema": 1, "entries": {}}',
        b"",
    ],
)
def test_a_damaged_results_file_is_an_empty_cache(tmp_path: Path, content: bytes) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(3))
    config = from_section({})
    cache = tmp_path / "cache"
    fresh = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    (cache / "results.json").write_bytes(content)
    damaged = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    assert damaged.cached == 0 and _findings(damaged) == _findings(fresh)
    # ... and the run wrote a good file again
    assert engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1).cached == 3


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(3))
    config = from_section({})
    cache = tmp_path / "cache"
    fresh = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    data = json.loads((cache / "results.json").read_text(encoding="utf-8"))
    keys = list(data["entries"])
    data["entries"][keys[0]] = "junk"
    data["entries"][keys[1]] = [[None] * 10, [["PG101", "r", 99, 1, "m", "h", "", 0, 0]]]
    good = data["entries"][keys[2]]
    data["entries"][keys[2]] = [good[0], [[*good[1][0][:3], "7", *good[1][0][4:]]]]  # line "7"
    (cache / "results.json").write_text(json.dumps(data), encoding="utf-8")
    again = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    assert again.cached == 0 and _findings(again) == _findings(fresh)


def test_stale_entries_are_misses_and_old_ones_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint_cache, "KEEP_OTHERS", 2)
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    config = from_section({})
    cache = tmp_path / "cache"
    engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    entries = lambda: json.loads((cache / "results.json").read_text(encoding="utf-8"))["entries"]  # noqa: E731
    first = set(entries())
    for n in range(4):  # four versions of the first file: its older entries are stale
        edit = {"upgrade": f"{'pass;' * n}"}
        targets[0].path.write_text(revision_source(index_chain(1)[0] | edit))
        edited = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
        assert edited.cached == 1  # the edited file is a miss, the other a hit
    kept = entries()
    assert len(kept) == 2 + 2  # this run's two, plus KEEP_OTHERS older ones
    assert len(first & set(kept)) == 1  # the untouched file's entry is still the same


def test_a_stale_entry_of_another_configuration_is_not_served(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    cache = tmp_path / "cache"
    engine.run(targets, from_section({}), root=tmp_path, cache_dir=cache, jobs=1)
    other = engine.run(
        targets, from_section({"ignore": ["PG402"]}), root=tmp_path, cache_dir=cache, jobs=1
    )
    assert other.cached == 0 and {f.code for f in other.findings} == {"PG101"}
    both = engine.run(targets, from_section({}), root=tmp_path, cache_dir=cache, jobs=1)
    assert both.cached == 2  # the first configuration's entries were kept


def test_two_caches_writing_one_after_the_other_keep_both(tmp_path: Path) -> None:
    first, second = LintCache(tmp_path), LintCache(tmp_path)
    assert first.get("a", "/p/x.py") is None and second.get("b", "/p/x.py") is None
    second.save({"b": _result(2)})
    first.save({"a": _result(1)})  # read before the other wrote: merges, does not drop it
    reader = LintCache(tmp_path)
    assert reader.get("a", "/p/x.py") == _result(1)
    assert reader.get("b", "/p/x.py") == _result(2)


def _writer(directory: str, worker: int) -> None:
    for n in range(15):
        cache = LintCache(Path(directory))
        cache.get("anything", "/p/x.py")
        cache.save({f"w{worker}-{n}": _result(n)})


def test_concurrent_writers_lose_nothing_and_never_tear_the_file(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_writer, args=(str(tmp_path), w)) for w in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    cache = LintCache(tmp_path)
    for worker in range(4):
        for n in range(15):
            assert cache.get(f"w{worker}-{n}", "/p/x.py") == _result(n)
    assert not list(tmp_path.glob("*.tmp"))


def test_an_old_cache_directory_is_read_past_and_cleaned(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / f"{'ab' * 32}.json"  # an entry of the one-file-per-entry layout
    old.write_text('{"summary": {}, "findings": []}', encoding="utf-8")
    (cache / "version-dirs.json").write_text("{}", encoding="utf-8")
    (cache / "notes.json").write_text("{}", encoding="utf-8")
    result = engine.run(targets, from_section({}), root=tmp_path, cache_dir=cache, jobs=1)
    assert result.cached == 0 and len(result.findings) == 4
    assert not old.exists()
    assert (cache / "version-dirs.json").exists() and (cache / "notes.json").exists()


def test_an_unwritable_cache_directory_still_lints(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    result = engine.run(targets, from_section({}), root=tmp_path, cache_dir=blocker, jobs=1)
    assert result.cached == 0 and len(result.findings) == 4
