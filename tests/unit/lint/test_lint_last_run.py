"""The last run's outcome (issue 18): a warm ``lint`` whose inputs are all those of the last
run prints that run's findings without decoding, checking or filtering anything — and any
changed input (a file's bytes, its path, the configuration, the root) is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lintcases import index_chain, revision_source, write_revisions, write_sum

from alembic_baseline.history.checksums import SUM_FILE
from alembic_baseline.lint import engine
from alembic_baseline.lint.cache import LintCache
from alembic_baseline.lint.config import LintConfig, from_section
from alembic_baseline.lint.paths import Resolver


def _run(targets: list[engine.Target], root: Path, config: LintConfig | None = None,
         **kwargs: Any) -> engine.EngineResult:  # fmt: skip
    return engine.run(targets, config or from_section({}), root=root,
                      cache_dir=root / "cache", jobs=1, summaries=False, **kwargs)  # fmt: skip


def _forbid_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding an entry, making the rules or reading the results file fails the test."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the last run's findings should have been returned")

    monkeypatch.setattr(LintCache, "get", forbidden)
    monkeypatch.setattr(LintCache, "_read", forbidden)
    monkeypatch.setattr(LintConfig, "rules", forbidden)


def test_the_same_inputs_give_the_last_runs_findings_without_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(4))
    uncached = engine.run(targets, from_section({}), root=tmp_path, jobs=1)
    cold = _run(targets, tmp_path)
    _forbid_work(monkeypatch)
    warm = _run(targets, tmp_path)
    assert warm.findings == cold.findings == uncached.findings and len(warm.findings) == 8
    assert (warm.files, warm.cached, warm.summaries) == (4, 4, ())


def test_a_caller_reading_the_summaries_gets_them(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(3))
    first = _run(targets, tmp_path)
    again = engine.run(targets, from_section({}), root=tmp_path, cache_dir=tmp_path / "cache",
                       jobs=1)  # fmt: skip
    assert again.findings == first.findings and len(again.summaries) == 3


def _findings(result: engine.EngineResult) -> list[tuple[str, int, str]]:
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def test_a_changed_input_is_not_served_the_last_run(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    targets = write_revisions(versions, index_chain(3))
    _run(targets, tmp_path)

    # a file's bytes
    targets[0].path.write_text(revision_source(index_chain(1)[0] | {"upgrade": "pass"}))
    edited = _run(targets, tmp_path)
    assert len(edited.findings) == 4 and edited.cached == 2

    # the configuration: severities, per-file ignores (filters after the history rules)
    assert {f.severity.label for f in edited.findings} == {"warning"}
    assert _run(targets, tmp_path, from_section({"min-severity": "error"})).findings == ()
    assert _run(targets, tmp_path).findings == edited.findings
    name = targets[1].path.name
    per_file = from_section({"per-file-ignores": {name: ["PG"]}})
    assert name not in {n for n, _, _ in _findings(_run(targets, tmp_path, per_file))}
    assert name in {n for n, _, _ in _findings(_run(targets, tmp_path))}

    # which files are reported: the same files as context only
    assert _run(targets[1:2], tmp_path, context=targets).files == 1
    assert {n for n, _, _ in _findings(_run(targets[1:2], tmp_path, context=targets))} == {
        targets[1].path.name
    }

    # a file named by another path (relative to the working directory) is the same file
    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.chdir(tmp_path)
        relative = [engine.Target(Path("versions") / t.path.name) for t in targets]
        by_relative = _run(relative, tmp_path)
        assert {Path(f.path).parent.name for f in by_relative.findings} == {"versions"}
        assert not any(os.path.isabs(f.path) for f in by_relative.findings)
    finally:
        monkeypatch.undo()
    assert all(os.path.isabs(f.path) for f in _run(targets, tmp_path).findings)


def test_a_damaged_last_run_is_computed_again(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    first = _run(targets, tmp_path)
    path = tmp_path / "cache" / "last-run.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["findings"][0][4] = "four"  # a line that is not a number
    path.write_text(json.dumps(document), encoding="utf-8")
    assert _run(targets, tmp_path).findings == first.findings
    path.write_bytes(b"\xff not json")
    assert _run(targets, tmp_path).findings == first.findings
    assert json.loads(path.read_text(encoding="utf-8"))["key"] == document["key"]  # rewritten


def test_a_warm_lint_imports_no_rule(tmp_path: Path) -> None:
    """The rules (their modules, ~10 ms), their registry and the classes of a parsed revision
    are imported only when something is checked."""
    targets = write_revisions(tmp_path / "versions", index_chain(3))
    cold = _run(targets, tmp_path)
    code = (
        "import sys; from pathlib import Path; "
        "from alembic_baseline.lint import engine; "
        "from alembic_baseline.lint.config import from_section; "
        f"targets = [engine.Target(Path(p)) for p in {[str(t.path) for t in targets]!r}]; "
        f"r = engine.run(targets, from_section({{'ignore': []}}), root=Path({str(tmp_path)!r}), "
        f"cache_dir=Path({str(tmp_path / 'cache')!r}), jobs=1, summaries=False); "
        "from alembic_baseline.lint import output; "
        "output.render_text(r.findings, output.Report(Path('.'))); "
        "print(len(r.findings), *(m in sys.modules for m in ('alembic_baseline.lint.rules', "
        "'alembic_baseline.lint.registry', 'alembic_baseline.lint.revision')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(cold.findings)), "False", "False", "False"]


# -- paths resolved as Path.resolve() does, a directory listed once ------------------------------


def test_the_resolver_answers_as_path_resolve_without_a_stat_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.py").write_text("")
    (real / "b.py").write_text("")
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    (real / "c.py").symlink_to(real / "a.py")
    (real / "loop.py").symlink_to(real / "elsewhere.py")  # dangling
    names = ["a.py", "b.py", "c.py", "loop.py", "missing.py", ".", ""]
    paths = [str(d / n) for d in (real, tmp_path / "linked") for n in names]
    monkeypatch.chdir(tmp_path)
    paths += ["real/a.py", "linked/c.py", "a.py", "./real/../linked/b.py"]
    expected = [str(Path(p).resolve()) for p in paths]

    def no_lstat(path: Any) -> bool:
        raise AssertionError(f"islink({path}) asked: the directory listing should answer")

    monkeypatch.setattr(os.path, "islink", no_lstat)
    assert [Resolver().text(p) for p in paths] == expected


# -- files unchanged since the last run are not read -------------------------------------------


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    original = engine._read

    def counting(path: str) -> bytes:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(engine, "_read", counting)
    return reads


def test_files_whose_status_is_unchanged_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "RACY_NS", 0)  # the files were written just now
    targets = write_revisions(tmp_path / "versions", index_chain(3))
    first = _run(targets, tmp_path)
    reads = _counting_reads(monkeypatch)
    assert _run(targets, tmp_path).findings == first.findings
    assert reads == []

    # a touched file (status changed, bytes not): read, the same findings, its status recorded
    os.utime(targets[0].path)
    assert _run(targets, tmp_path).findings == first.findings
    assert len(reads) == 3
    assert _run(targets, tmp_path).findings == first.findings
    assert len(reads) == 3  # not read again


def test_an_edit_keeping_size_and_mtime_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, modification time set back: the change time (which nothing sets back) and
    the bytes tell."""
    monkeypatch.setattr(engine, "RACY_NS", 0)
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    first = _run(targets, tmp_path)
    path = targets[0].path
    before = path.stat()
    text = path.read_text()
    edited = text.replace('"ix_0"', '"ix_9"')
    assert edited != text and len(edited) == len(text)
    path.write_text(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = _run(targets, tmp_path)
    assert again.findings != first.findings
    assert [f.message for f in again.findings if "ix_9" in f.message]


def test_files_changed_just_before_the_last_run_looked_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within RACY_NS of the last run's look, a file may have changed again in the same tick of
    the file system's clock: it is read until the last run looked well after it."""
    targets = write_revisions(tmp_path / "versions", index_chain(2))
    first = _run(targets, tmp_path)
    reads = _counting_reads(monkeypatch)
    assert _run(targets, tmp_path).findings == first.findings
    assert len(reads) == 2  # written just now: read, not trusted


def _sum_codes(result: engine.EngineResult) -> list[str]:
    return sorted(f.code for f in result.findings if f.code in ("AB404", "AB405"))


def test_the_sum_file_and_the_archive_are_inputs_of_the_last_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sum-file rules read more than the revision files: the sum file itself, and the
    archive where a recorded revision that is not linted may sit. A change to either is a
    miss — not the last run's findings, which would be stale."""
    versions = tmp_path / "versions"
    chain = index_chain(3)
    targets = write_revisions(versions, chain)
    # `history sum` run before the newest revision was written: that one is "unsummed"
    write_sum(versions, {"files": chain[:2]})
    behind = _run(targets, tmp_path)
    assert _sum_codes(behind) == ["AB405"]
    write_sum(versions, {"files": chain})  # `history sum` again
    assert _sum_codes(_run(targets, tmp_path)) == []
    (versions / SUM_FILE).write_text("not a sum file\n", encoding="utf-8")  # damaged by hand
    assert _sum_codes(_run(targets, tmp_path)) != []
    (versions / SUM_FILE).unlink()
    assert _sum_codes(_run(targets, tmp_path)) == []

    # the oldest revision archived by a baseline (not linted this run), recorded in the sum
    write_sum(versions, {"files": chain})
    archive = versions / "archive"
    archive.mkdir()
    oldest = targets[0].path
    moved = archive / oldest.name
    oldest.rename(moved)
    linted = targets[1:]
    intact = _run(linted, tmp_path)
    assert _sum_codes(intact) == []
    original = moved.read_text(encoding="utf-8")
    moved.write_text(original + "# edited after it ran\n", encoding="utf-8")
    assert _sum_codes(_run(linted, tmp_path)) == ["AB404"]
    moved.write_text(original, encoding="utf-8")
    assert _sum_codes(_run(linted, tmp_path)) == []


def test_the_revision_ids_for_pending_come_with_the_last_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lint --pending`` (and ``bundle``'s lint) needs each file's revision id, not the
    summaries: the last run keeps them, so a warm run with the same inputs does no work; a
    record without them (an older one) is computed again and rewritten with them."""
    targets = write_revisions(tmp_path / "versions", index_chain(4))
    ids = {str(t.path): f"{n + 1:012x}" for n, t in enumerate(targets)}
    cold = _run(targets, tmp_path, revisions=True)
    assert dict(cold.revisions) == ids
    path = tmp_path / "cache" / "last-run.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["revisions"] == ids
    with monkeypatch.context() as forbidding:
        _forbid_work(forbidding)
        warm = _run(targets, tmp_path, revisions=True)
    assert warm.findings == cold.findings and dict(warm.revisions) == ids
    del document["revisions"]
    path.write_text(json.dumps(document), encoding="utf-8")
    again = _run(targets, tmp_path, revisions=True)
    assert again.findings == cold.findings and dict(again.revisions) == ids
    assert json.loads(path.read_text(encoding="utf-8"))["revisions"] == ids
