"""The engine and the ``lint`` operation: cache, parallelism, archive, since, pending, baseline."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from lintcases import revision_source, write_revisions

from alembic_baseline import settings as settings_module
from alembic_baseline.commands import lint as lint_command
from alembic_baseline.commands.lint import LintOptions, lint
from alembic_baseline.errors import BaselineError, ConfigError, ExitCode
from alembic_baseline.lint import engine
from alembic_baseline.lint.config import from_section
from alembic_baseline.settings import Settings

INDEX = 'op.create_index("ix_{n}", "lots", ["c{n}"])'


def _chain(count: int) -> list[dict[str, Any]]:
    specs = []
    for n in range(count):
        rev = f"{n + 1:012x}"
        specs.append(
            {
                "revision": rev,
                "down_revision": f"{n:012x}" if n else None,
                "upgrade": INDEX.format(n=n),
                "downgrade": f'op.drop_index("ix_{n}", table_name="lots")',
            }
        )
    return specs


def _key(result: engine.EngineResult) -> list[tuple[str, int, str, str]]:
    return [(Path(f.path).name, f.line, f.code, f.message) for f in result.findings]


def test_warm_cache_skips_all_work_and_gives_the_same_findings(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", _chain(5))
    config = from_section({})
    cache = tmp_path / "cache"
    cold = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    warm = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    assert cold.cached == 0 and warm.cached == 5
    assert _key(warm) == _key(cold) and len(cold.findings) == 10  # PG101 + PG402 each
    # one file of results, not one each (and the last run's outcome)
    assert sorted(p.name for p in cache.glob("*.json")) == ["last-run.json", "results.json"]

    # Another rule configuration or an edited file is a cache miss.
    other = engine.run(
        targets, from_section({"ignore": ["PG402"]}), root=tmp_path, cache_dir=cache, jobs=1
    )
    assert other.cached == 0 and {f.code for f in other.findings} == {"PG101"}
    targets[0].path.write_text(revision_source(_chain(1)[0] | {"upgrade": "pass"}))
    edited = engine.run(targets, config, root=tmp_path, cache_dir=cache, jobs=1)
    assert edited.cached == 4 and len(edited.findings) == 8


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "versions", _chain(engine.PARALLEL_MIN_FILES + 6))
    config = from_section({})
    serial = engine.run(targets, config, root=tmp_path, jobs=1)
    parallel = engine.run(targets, config, root=tmp_path, jobs=2)
    assert _key(parallel) == _key(serial)
    assert [s.revision for s in parallel.summaries] == [s.revision for s in serial.summaries]


def test_context_revisions_inform_history_rules_but_are_not_reported(tmp_path: Path) -> None:
    specs = _chain(2)
    specs.append({"revision": "00000000000a", "down_revision": "000000000001"})  # 2nd head
    targets = write_revisions(tmp_path / "versions", specs)
    result = engine.run(
        targets[1:2], from_section({"select": ["AB401"]}), root=tmp_path, context=targets
    )
    assert {Path(f.path).name for f in result.findings} == {"000000000002_case.py"}
    assert result.files == 1


# -- the operation, on a project with alembic.ini --------------------------------------------


def _project(tmp_path: Path, pyproject: str = "") -> Settings:
    versions = tmp_path / "alembic" / "versions"
    write_revisions(versions, _chain(3))
    old = {"revision": "0000000000ff", "upgrade": INDEX.format(n=99), "downgrade": "pass"}
    write_revisions(versions / "archive", [old])
    (tmp_path / "alembic" / "script.py.mako").write_text("")
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/alembic\n", encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    return settings_module.load(config=str(tmp_path / "alembic.ini"), environ={}, cwd=tmp_path)


def test_lint_project_skips_the_archive_unless_asked(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    result = lint(settings, options=LintOptions(jobs=1))
    assert result.files == 3
    assert {Path(f.path).parent.name for f in result.findings} == {"versions"}
    assert result.failed and result.exit_code is ExitCode.FINDINGS
    assert (tmp_path / ".alembic-baseline" / "cache" / "lint").is_dir()

    with_archive = lint(settings, options=LintOptions(include_archive=True, jobs=1))
    assert with_archive.files == 4
    archived = [f for f in with_archive.findings if Path(f.path).parent.name == "archive"]
    assert {f.code for f in archived} == {"AB201", "PG101", "PG402"}


def test_since_and_pending_select_revisions(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    since = lint(settings, since="000000000001", options=LintOptions(jobs=1))
    assert since.files == 2
    assert {Path(f.path).name[:12] for f in since.findings} == {"000000000002", "000000000003"}
    with pytest.raises(ConfigError, match="more than one"):
        lint(settings, since="0000000000", options=LintOptions(jobs=1))
    pending = lint(settings, pending=["000000000003"], options=LintOptions(jobs=1))
    assert {Path(f.path).name[:12] for f in pending.findings} == {"000000000003"}
    with pytest.raises(ConfigError, match="no revision matches"):
        lint(settings, since="ffffffff", options=LintOptions(jobs=1))


def test_project_configuration_and_flags(tmp_path: Path) -> None:
    settings = _project(
        tmp_path,
        """
        [tool.alembic-baseline.lint]
        ignore = ["PG402"]
        fail-on = "error"
        """,
    )
    result = lint(settings, options=LintOptions(jobs=1))
    assert {f.code for f in result.findings} == {"PG101"}
    assert not result.failed and result.exit_code is ExitCode.OK  # warnings below fail-on
    strict = lint(settings, options=LintOptions(jobs=1, fail_on="warning", select=("PG101",)))
    assert strict.failed


def test_write_baseline_then_adopt(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    written = lint(settings, options=LintOptions(write_baseline=True, jobs=1))
    assert written.findings == () and written.hidden_by_baseline == 6
    assert written.baseline_written == tmp_path / ".alembic-baseline" / "lint-baseline.json"
    again = lint(settings, options=LintOptions(jobs=1))
    assert again.findings == () and again.hidden_by_baseline == 6 and not again.failed
    ignoring = lint(settings, options=LintOptions(use_baseline=False, jobs=1))
    assert len(ignoring.findings) == 6


def test_paths_without_a_project(tmp_path: Path) -> None:
    targets = write_revisions(tmp_path / "loose", _chain(1))
    settings = settings_module.load(config=str(tmp_path / "missing.ini"), environ={}, cwd=tmp_path)
    result = lint(settings, [targets[0].path], options=LintOptions(cache=False, jobs=1))
    assert {f.code for f in result.findings} == {"PG101", "PG402"}
    with pytest.raises(ConfigError, match="no paths given"):
        lint(settings, options=LintOptions(cache=False))


def test_alembic_is_asked_for_the_heads_only_when_the_files_show_a_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.script import ScriptDirectory

    calls: list[int] = []
    original = ScriptDirectory.get_heads

    def counting(self: ScriptDirectory) -> Any:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(ScriptDirectory, "get_heads", counting)
    settings = _project(tmp_path)
    assert not [
        f for f in lint(settings, options=LintOptions(jobs=1)).findings if f.code == "AB401"
    ]
    assert calls == []
    write_revisions(
        tmp_path / "alembic" / "versions",
        [{"revision": "00000000000b", "down_revision": "000000000001", "file": "b_branch.py"}],
    )
    heads = [f for f in lint(settings, options=LintOptions(jobs=1)).findings if f.code == "AB401"]
    assert calls == [1]
    assert {Path(f.path).name for f in heads} == {"000000000003_case.py", "b_branch.py"}


def test_a_warm_run_needs_no_alembic_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_baseline.commands import lint as lint_op

    settings = _project(tmp_path)
    first = lint(settings, options=LintOptions(jobs=1))

    def forbidden(settings: Settings) -> Any:
        raise AssertionError("the version directories should come from the cache")

    monkeypatch.setattr(lint_op, "_bare_script", forbidden)
    again = lint(settings, options=LintOptions(jobs=1))
    assert again.cached == 3 and again.findings == first.findings
    # A changed alembic.ini is read again (through Alembic).
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text() + "# edited\n")
    with pytest.raises(AssertionError, match="from the cache"):
        lint(settings, options=LintOptions(jobs=1))


def test_a_failing_rule_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_baseline.lint.rules.indexes import CreateIndexConcurrently

    def broken(self: object, rev: object) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(CreateIndexConcurrently, "check", broken)
    targets = write_revisions(tmp_path / "versions", _chain(1))
    result = engine.run(targets, from_section({}), root=tmp_path, jobs=1)
    (crash,) = [f for f in result.findings if f.code == "PG101"]
    assert "could not check this revision: RuntimeError: boom" in crash.message
    assert any(f.code == "PG402" for f in result.findings)  # the other rules still ran


def test_cache_key_versions_read_without_importlib_metadata() -> None:
    """The versions in the cache key come from the dist-info folder names: the same as
    ``importlib.metadata`` reads (a warm run no longer imports it)."""
    from importlib import metadata

    from alembic_baseline.lint import cache

    for dist in ("alembic", "sqlalchemy", "pglast"):
        assert cache._version(dist) == metadata.version(dist)
    assert cache._version("no_such_distribution_here") == "?"


def test_a_warm_run_starts_no_process_pool_machinery(tmp_path: Path) -> None:
    """``concurrent.futures`` (40 ms) is imported only when files miss the cache."""
    import subprocess
    import sys

    code = (
        "import sys; from alembic_baseline.lint import engine, cache; "
        "print('concurrent.futures.process' in sys.modules, 'importlib.metadata' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_a_warm_run_imports_no_sql_parser(tmp_path: Path) -> None:
    """Every result cached: the rules are imported (their codes, the history rules) but pglast
    (~45 ms) is not; checking SQL imports it on first use."""
    import subprocess
    import sys

    targets = write_revisions(tmp_path / "versions", _chain(3))
    cache = tmp_path / "cache"
    cold = engine.run(targets, from_section({}), root=tmp_path, cache_dir=cache, jobs=1)
    code = (
        "import sys; from pathlib import Path; "
        "from alembic_baseline.commands import lint; "
        "from alembic_baseline.lint import engine; "
        "from alembic_baseline.lint.config import from_section; "
        f"targets = [engine.Target(Path(p)) for p in {[str(t.path) for t in targets]!r}]; "
        f"r = engine.run(targets, from_section({{}}), root=Path({str(tmp_path)!r}), "
        f"cache_dir=Path({str(cache)!r}), jobs=1); "
        "print(r.cached, len(r.findings), any(m.startswith('pglast') for m in sys.modules), "
        "'alembic_baseline.lint.offline' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["3", str(len(cold.findings)), "False", "False"]


def test_a_cold_run_imports_each_revision_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding the versions folders needs no revision: only the history rules' heads import
    them (issue 18: each revision file read and compiled once per command)."""
    from alembic.util import pyfiles

    settings = _project(tmp_path)
    loaded: list[str] = []
    real = pyfiles.load_module_py

    def counting(module_id: str, path: str | Path) -> Any:
        loaded.append(str(path))
        return real(module_id, path)

    monkeypatch.setattr(pyfiles, "load_module_py", counting)
    dirs, _ = lint_command._version_dirs(settings, None)
    assert [d.name for d in dirs] == ["versions"] and loaded == []
    lint(settings, options=LintOptions(jobs=1))  # a new project: nothing cached
    assert len(loaded) == len(set(loaded)), loaded


@pytest.mark.parametrize("other_thread", [False, True], ids=["forked", "forkserver"])
def test_a_worker_killed_while_rendering_is_a_clear_error_naming_the_files(
    tmp_path: Path, other_thread: bool
) -> None:
    """A revision whose offline render kills its process (as a crashing C extension or the OOM
    killer would): lint's worker dies; lint says so in one paragraph, with the files that were in
    flight, instead of a BrokenProcessPool traceback. Real process, real SIGKILL. Also with the
    workers started by forkserver (another thread runs), which are all started before the first
    chunk so that the death is seen at once."""
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    if other_thread:
        thread.start()
    specs = _chain(engine.PARALLEL_MIN_FILES + 6)
    victim = specs[7]
    # never this process: the sequential path would render here
    victim["upgrade"] = (
        "import os, signal\n"
        f"if os.getpid() != {os.getpid()}:\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"{INDEX.format(n=7)}"
    )
    targets = write_revisions(tmp_path / "versions", specs)
    try:
        with pytest.raises(BaselineError) as caught:
            engine.run(targets, from_section({}), root=tmp_path, cache_dir=None, jobs=2)
    finally:
        release.set()
        if other_thread:
            thread.join()
    error = caught.value
    assert "worker process died" in error.message
    assert targets[7].path.name in error.message  # among the files not linted
    assert error.hint and "--jobs 1" not in error.hint  # it would kill lint itself
    assert error.exit_code == ExitCode.USAGE


def test_rendering_imports_alembic_without_template_highlighting() -> None:
    """Mako's Pygments plugin (a third of importing Alembic) is not imported for rendering, and
    the block is lifted afterwards: the plugin still imports when something asks for it."""
    import subprocess
    import sys

    pytest.importorskip("pygments")
    code = (
        "import sys; from alembic_baseline.lint import offline; offline.prepare(); "
        "import alembic.op; "
        "print('pygments' in sys.modules, 'mako.ext.pygmentplugin' in sys.modules); "
        "import mako.ext.pygmentplugin; print('pygments' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True"]


def test_finding_the_version_dirs_imports_alembic_without_template_highlighting(
    tmp_path: Path,
) -> None:
    """A cold run reads the project's configuration with Alembic (the first import of Alembic in
    the process): Mako's Pygments plugin is not imported for it either (issue 18: start-up
    imports only what the command needs). The block covered importing the driver, which does
    not import Alembic: the configuration read after it did, and brought Pygments in."""
    import subprocess
    import sys

    pytest.importorskip("pygments")
    _project(tmp_path)
    code = (
        "import sys; from pathlib import Path; "
        "from alembic_baseline import settings; from alembic_baseline.commands import lint; "
        f"s = settings.load(config={str(tmp_path / 'alembic.ini')!r}, environ={{}}, "
        f"cwd=Path({str(tmp_path)!r})); "
        "dirs, _ = lint._version_dirs(s, None); "
        "print(len(dirs), 'alembic' in sys.modules, 'pygments' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "True", "False"]


def test_every_plain_call_name_contains_a_prefilter_word() -> None:
    """read_source walks the tree for plain calls only when the source has one of these words."""
    from alembic_baseline.lint import pysource

    names = pysource._OPENERS | pysource._PATH_METHODS
    assert all(any(word in name for word in pysource._CALL_WORDS) for name in names)


@pytest.mark.parametrize("other_thread", [False, True])
def test_workers_are_forked_only_from_a_single_threaded_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other_thread: bool
) -> None:
    """Forked workers inherit the parent's imports; a process running other threads (lint as a
    check of plan/apply beside a scratch or wait thread) must not fork them: a fork copies the
    locks those threads hold. The pool is stopped at its creation, after its context is chosen."""
    import concurrent.futures
    import threading

    chosen: list[Any] = []

    class Stop(Exception):
        pass

    def pool(*, max_workers: int, mp_context: Any) -> Any:
        chosen.append(mp_context)
        raise Stop

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", pool)
    targets = [engine.Target(tmp_path / f"r{i}.py") for i in range(engine.PARALLEL_MIN_FILES)]
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    if other_thread:
        thread.start()
    try:
        with pytest.raises(Stop):
            engine._compute(targets, from_section({}), [], jobs=2)
    finally:
        release.set()
        if other_thread:
            thread.join()
    assert chosen[0].get_start_method() == ("forkserver" if other_thread else "fork")


def test_a_run_beside_another_thread_agrees_with_a_serial_run(tmp_path: Path) -> None:
    """The workers started without fork (another thread runs) give the same results."""
    import threading

    targets = write_revisions(tmp_path / "versions", _chain(engine.PARALLEL_MIN_FILES + 2))
    config = from_section({})
    serial = engine.run(targets, config, root=tmp_path, jobs=1)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        parallel = engine.run(targets, config, root=tmp_path, jobs=2)
    finally:
        release.set()
        thread.join()
    assert _key(parallel) == _key(serial) and len(serial.findings) > 0
