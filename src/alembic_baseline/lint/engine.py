"""Lint a set of revision files: cache, parallel extraction, revision and history rules, ignores.

Per file (cached, parallel when many files miss the cache): read → render offline → parse →
revision rules → :class:`FileResult`. Then, on every file's summary, the history rules (heads,
view dependants). Then the filters: inline ``# alembic-baseline: ignore[...]``, per-file
ignores, the minimum severity. The baseline of accepted findings is applied by the caller.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline import compat
from alembic_baseline.errors import BaselineError
from alembic_baseline.history.checksums import sum_inputs
from alembic_baseline.lint.cache import FileResult, LintCache, cache_key, run_key
from alembic_baseline.lint.config import LintConfig
from alembic_baseline.lint.graphs import RevisionGraph
from alembic_baseline.lint.model import Finding, IgnoreDirectives, RevisionSummary
from alembic_baseline.lint.paths import Resolver

if TYPE_CHECKING:
    from alembic_baseline.lint.registry import Rule
    from alembic_baseline.lint.revision import RevisionFile

PARALLEL_MIN_FILES = 24
"""Below this many cache misses a process pool costs more than it saves."""


@dataclass(frozen=True)
class Target:
    path: Path
    archived: bool = False


@dataclass(frozen=True)
class EngineResult:
    findings: tuple[Finding, ...]
    summaries: tuple[RevisionSummary, ...]
    files: int
    """Files reported on."""
    cached: int
    """Files whose results came from the cache."""
    resolve: Resolver | None = field(default=None, compare=False, repr=False)
    """The run's resolver: the paths of the files, resolved (for the output)."""
    revisions: Mapping[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    """Every file's revision id by its path (``lint --pending`` filters on it)."""
    read: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    """Every file the outcome depends on (the files, and the sum files and what they point
    at: :func:`sum_inputs`), as opened; None when not known (no cache, a file missing)."""


def lint_file(
    target: Target,
    config: LintConfig,
    sys_path: Sequence[str] = (),
    rules: Sequence[Rule] | None = None,
) -> FileResult:
    """Extract one revision and run the revision rules on it (runs in worker processes).

    ``rules``: ``config.rules()`` made once for many files (making them is not free)."""
    # lazy: start-up: a warm run (every result cached) renders and parses nothing (pglast)
    from alembic_baseline.lint.extract import read_revision, summarize

    rev = read_revision(target.path, archived=target.archived, sys_path=sys_path)
    findings: list[Finding] = []
    for rule in config.rules() if rules is None else rules:
        if not rule.history:
            findings.extend(_checked(rule, rev))
    return FileResult(summarize(rev), tuple(sorted(findings, key=lambda f: f.sort_key)))


def _checked(rule: Rule, rev: RevisionFile) -> list[Finding]:
    """A rule's findings; a rule that fails on an unusual revision reports that, not a crash."""
    try:
        return list(rule.check(rev))
    except Exception as exc:  # the run goes on: one rule's bug must not hide all other findings
        return [
            rule.finding(
                rev.path,
                1,
                f"{rule.code} {rule.name} could not check this revision: "
                f"{type(exc).__name__}: {exc}",
                "This is a linter bug: report it with the revision file; silence it meanwhile "
                f"with # alembic-baseline: ignore-file[{rule.code}].",
                subject=f"internal {type(exc).__name__}",
            )
        ]


def _lint_chunk(
    targets: Sequence[Target], config: LintConfig, sys_path: Sequence[str]
) -> list[FileResult]:
    # lazy: start-up: a warm run (every result cached) renders and parses nothing
    from alembic_baseline.lint.offline import quiet

    rules = config.rules()
    with quiet(), compat.pglast_unchecked_nodes():
        return [lint_file(t, config, sys_path, rules) for t in targets]


def _compute(
    targets: Sequence[Target], config: LintConfig, sys_path: Sequence[str], jobs: int
) -> list[FileResult]:
    if not targets:  # every result cached
        return []
    if jobs <= 1 or len(targets) < PARALLEL_MIN_FILES:
        return _lint_chunk(targets, config, sys_path)
    # A few large chunks per worker: per-task pickling overhead stays small.
    size = max(8, len(targets) // (jobs * 4))
    chunks = [targets[i : i + size] for i in range(0, len(targets), size)]
    # only when files miss the cache: a warm run does not import it (40 ms)
    import multiprocessing
    import multiprocessing.context
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # lazy: start-up: a warm run (every result cached) renders and parses nothing (importing
    # extract imports pglast)
    from alembic_baseline.lint import extract, offline  # noqa: F401

    context: multiprocessing.context.BaseContext
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        # Forked workers inherit what the parent imported: Alembic, SQLAlchemy and pglast are
        # imported once here, not once in each worker (~0.3 s of CPU each).
        offline.prepare()
        context = multiprocessing.get_context("fork")
    else:
        # A process running other threads (lint as a check of `plan`/`apply`, beside a scratch
        # or wait thread) does not fork its workers, which the platform default would do up to
        # Python 3.13: a fork copies the locks those threads hold. Fresh workers import for
        # themselves.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        compat.start_all_workers(pool)  # a worker that dies is noticed at once (forkserver)
        futures = [pool.submit(_lint_chunk, c, config, sys_path) for c in chunks]
        results: list[FileResult] = []
        lost: list[Target] = []
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                results += future.result()
            except BrokenProcessPool:
                lost += chunk
        if lost:
            raise _worker_died(lost)
        return results


def _worker_died(lost: Sequence[Target]) -> BaselineError:
    """A worker that died (killed, out of memory, a crash in code a revision ran while rendered
    offline) stops the pool: say which files were not linted, not a BrokenProcessPool
    traceback."""
    names = [t.path.name for t in lost]
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    return BaselineError(
        "A lint worker process died (killed, out of memory, or a crash in code that a revision "
        f"runs when it is rendered offline), so these files were not linted: {shown}.",
        hint="If it was not the out-of-memory killer (see the system log), render the files "
        "one by one with `alembic upgrade <down>:<revision> --sql` to find the one that "
        "crashes. Nothing of this run was written to the lint cache.",
    )


def _results(
    targets: Sequence[Target],
    config: LintConfig,
    cache: LintCache | None,
    sys_path: Sequence[str],
    jobs: int,
    contents: Sequence[bytes] | None = None,
) -> tuple[list[FileResult], int, dict[str, FileResult]]:
    """Every target's result, from the cache or computed (``contents``: the files' bytes,
    when read already); how many came from the cache; the computed ones by cache key."""
    digest = config.digest()
    results: dict[int, FileResult] = {}
    missing: list[tuple[int, Target, str]] = []
    for index, target in enumerate(targets):
        key = ""
        if cache is not None:
            path = os.fspath(target.path)
            content = contents[index] if contents is not None else _read(path)
            key = cache_key(content, os.path.basename(path), target.archived, digest)
            hit = cache.get(key, path)
            if hit is not None:
                results[index] = hit
                continue
        missing.append((index, target, key))
    computed = _compute([t for _, t, _ in missing], config, sys_path, jobs)
    for (index, _, _), result in zip(missing, computed, strict=True):
        results[index] = result
    new = {key: result for (_, _, key), result in zip(missing, computed, strict=True)}
    return [results[i] for i in range(len(targets))], len(targets) - len(missing), new


def _read(path: str) -> bytes:
    with open(path, "rb", buffering=0) as handle:  # unbuffered: one read of the whole file
        return handle.read()


def _distinct_files(
    targets: Sequence[Target], context: Sequence[Target], resolve: Resolver
) -> tuple[list[Target], dict[str, Target]]:
    """One target per file, the first naming it winning: a file given relative to the working
    directory (pre-commit passes ``alembic/versions/x.py``) is the same as the project's
    absolute ``context`` entry, not a second file declaring the same revision. Returned: the
    distinct ``targets``, and every distinct file (``targets`` first, then ``context``) by its
    resolved path."""
    seen: dict[str, Target] = {}
    for target in targets:
        seen.setdefault(_resolved(target, resolve), target)
    distinct = list(seen.values())
    given = {id(t) for t in targets}  # the project's own run: the same objects as context
    for target in context:
        if id(target) not in given:
            seen.setdefault(_resolved(target, resolve), target)
    return distinct, seen


def _resolved(target: Target, resolve: Resolver) -> str:
    try:
        return resolve.text(target.path)
    except OSError:  # unreadable here: reading it reports the problem
        return os.path.abspath(target.path)


RACY_NS = 2_000_000_000
"""A file whose status changed this close before the last run looked at it (or later) may have
changed again within one tick of the file system's clock, its size and times the same: its
bytes are read, its status is not trusted (git's "racily clean" entries)."""


class _Inputs:
    """What a run's outcome depends on, file by file: the names (resolved, given, archived,
    reported) and the status (size, times, inode) of every file; read, their bytes."""

    __slots__ = ("names", "newest", "side", "started", "stat_key")

    def __init__(
        self,
        names: list[tuple[str, ...]],
        stat_key: str,
        newest: int,
        started: int,
        side: list[tuple[str, bytes | None]],
    ) -> None:
        self.names = names
        self.stat_key = stat_key
        self.newest = newest
        self.started = started
        self.side = side
        """What rules read besides the revision files (the sum files, :func:`sum_inputs`),
        with their bytes: part of both keys, read on every run."""


_ABSENT = b"\0absent"


def _side_parts(side: list[tuple[str, bytes | None]]) -> tuple[list[tuple[str, ...]], list[bytes]]:
    return [("side", path) for path, _ in side], [_ABSENT if b is None else b for _, b in side]


def _inputs(
    files: Mapping[str, Target],
    reported: set[str],
    config: LintConfig,
    root: str,
    heads: tuple[str, ...] | None,
) -> _Inputs | None:
    """Every file's names and status, and their key (:func:`cache.run_key`); None when a file
    cannot be found (the run reports that as it did)."""
    started = time.time_ns()
    names: list[tuple[str, ...]] = []
    stats: list[bytes] = []
    newest = 0
    try:
        for resolved, target in files.items():
            path = os.fspath(target.path)
            st = os.stat(path)
            names.append((resolved, path, str(target.archived), str(path in reported)))
            stats.append(b"%d:%d:%d:%d" % (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            newest = max(newest, st.st_ctime_ns, st.st_mtime_ns)
    except OSError:
        return None
    known = {os.path.abspath(n[1]) for n in names} | set(files)
    side = sum_inputs(((n[1], n[2] == "True") for n in names), known)
    side_names, side_bytes = _side_parts(side)
    key = run_key(f"status\0{config!r}", root, heads, names + side_names, stats + side_bytes)
    return _Inputs(names, key, newest, started, side)


def _content_key(
    inputs: _Inputs, config: LintConfig, root: str, heads: tuple[str, ...] | None
) -> tuple[str, list[bytes]] | None:
    """The key of this run's outcome from the files' bytes (:func:`cache.run_key`) and the
    bytes; None when a file cannot be read (the run reports that as it did)."""
    try:
        contents = [_read(names[1]) for names in inputs.names]
    except OSError:
        return None
    side_names, side_bytes = _side_parts(inputs.side)
    key = run_key(repr(config), root, heads, inputs.names + side_names, contents + side_bytes)
    return key, contents


def run(
    targets: Sequence[Target],
    config: LintConfig,
    *,
    root: Path,
    context: Sequence[Target] = (),
    heads: tuple[str, ...] | None = None,
    alembic_heads: Callable[[], tuple[str, ...] | None] | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    sys_path: Sequence[str] = (),
    summaries: bool = True,
    revisions: bool = True,
) -> EngineResult:
    """Lint ``targets``; ``context`` are further revisions history rules must see (not reported).

    ``heads``: the heads as Alembic computes them, else derived from the files' identifiers;
    ``alembic_heads`` computes them on demand, asked only when the files show a branch (Alembic's
    ScriptDirectory imports every revision module: too slow for every run).

    ``summaries=False``: the caller does not read :attr:`EngineResult.summaries` (left empty),
    so a run whose inputs are those of the cache's last run (every file's path and bytes, the
    configuration, ``root``, ``heads``) returns that run's findings, as they were, without
    decoding, checking or filtering anything; with ``revisions`` (the caller reads
    :attr:`EngineResult.revisions`) only when the last run recorded them.
    """
    resolve = Resolver()
    targets, files = _distinct_files(targets, context, resolve)
    reported = {str(t.path) for t in targets}
    everything = list(files.values())
    cache = LintCache(cache_dir) if cache_dir is not None and config.cache else None
    top = resolve.text(root)
    inputs = _inputs(files, reported, config, top, heads) if cache else None
    found = None
    if cache is not None and inputs is not None and not summaries:
        # every file's status as the last run saw it, none changed since it looked: its bytes
        # need not be read
        found = cache.unchanged_run(inputs.stat_key, inputs.newest + RACY_NS)
    last = _content_key(inputs, config, top, heads) if cache and inputs and not found else None
    if cache is not None and inputs is not None and last is not None and not summaries:
        found = cache.run(last[0], (inputs.stat_key, inputs.started, inputs.newest + RACY_NS))
    known = cache.last_revisions() if cache is not None and found is not None else None
    if found is not None and (known is not None or not revisions):
        return EngineResult(
            found, (), len(targets), len(everything), resolve, known or {}, _read_paths(inputs)
        )
    if last is None and cache is not None and inputs is not None:  # (found from the status)
        last = _content_key(inputs, config, top, heads)  # the outcome is written again below
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    contents = last[1] if last is not None else None
    results, cached, new = _results(everything, config, cache, sys_path, workers, contents)
    summaries_ = tuple(r.summary for r in results)
    ids = {s.path: s.revision for s in summaries_}
    findings = [f for r in results if r.summary.path in reported for f in r.findings]
    asked = False
    if heads is None and alembic_heads is not None and len(RevisionGraph(summaries_).heads()) > 1:
        heads, asked = alembic_heads(), True
    # lazy: start-up: the registry (and the rules) only when something is checked: not when
    # the last run's findings were returned above
    from alembic_baseline.lint.registry import History

    history = History(summaries_, heads)
    for rule in config.rules():
        if rule.history:
            findings.extend(f for f in rule.check_history(history) if f.path in reported)
    ignores = {s.path: s.ignores for s in summaries_}
    kept = [
        f
        for f in findings
        if f.severity >= config.min_severity
        and not ignores.get(f.path, IgnoreDirectives()).hides(f)
        and not (
            config.per_file_ignores and config.ignored_for_path(f, resolve.relative(f.path, root))
        )
    ]
    ordered = tuple(sorted(kept, key=lambda f: f.sort_key))
    if cache is not None:  # one write: the new entries, and this run's outcome (Alembic's
        # heads are not in its key: a run that asked for them is not kept)
        outcome = (last[0], ordered) if last and not asked else None
        status = (inputs.stat_key, inputs.started) if inputs else None
        cache.save(new, outcome, status, ids)
    return EngineResult(
        ordered, summaries_, len(targets), cached, resolve, ids, _read_paths(inputs)
    )


def _read_paths(inputs: _Inputs | None) -> tuple[str, ...] | None:
    if inputs is None:
        return None
    return (*(names[1] for names in inputs.names), *(path for path, _ in inputs.side))
