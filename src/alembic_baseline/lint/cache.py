"""On-disk cache of per-file lint results, keyed by file content and rule configuration.

One JSON file (``results.json``) under the cache directory holds every entry, key → result. The
key hashes the linter version, the rule configuration digest, the file's name, its archived
flag and its bytes — everything a revision rule's findings depend on — so a hit needs no
rendering, parsing or checking at all. The stored paths are replaced by the current path on load,
so moving a project keeps its cache.

One file, read once, instead of one per revision: a warm run over 1,000 revisions opened and
decoded 1,000 files. A run that computed something rewrites it: under an exclusive lock it reads
the file again (merging what a concurrent run wrote meanwhile), adds its results and replaces
the file atomically (write, then rename), so a reader never sees half a file. A file that cannot
be read or decoded is an empty cache, an entry that does not decode is a miss. Entries of files
the writing run did not see (another branch's revisions, older versions of a file) are kept up
to :data:`KEEP_OTHERS`, the most recently written first. The one-file-per-entry layout of
earlier versions is ignored, and its files are removed by the first run that writes.

Beside it, ``last-run.json`` keeps the last run's outcome: its key and its findings, after the
history rules and the filters. A run whose inputs are all the same — every file's path and
bytes, the configuration, the versions (:func:`run_key`) — prints those findings without
reading the results file, decoding an entry, checking the history or filtering anything
(``engine.run``). It is written, like the results file, whole and then renamed into place.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline import __version__, statedir
from alembic_baseline.lint.model import (
    Finding,
    IgnoreDirectives,
    RevisionSummary,
    Severity,
    ViewEvent,
)

SCHEMA = 2
RESULTS = "results.json"
LAST_RUN = "last-run.json"
LOCK = "results.lock"
FORMAT = "alembic-baseline lint cache"
KEEP_OTHERS = 500
"""Entries of files a writing run did not see that its rewrite keeps (the most recent)."""

_SEVERITY = {s.value: s for s in Severity}


@dataclass(frozen=True)
class FileResult:
    """What linting one file yields: the summary history rules need and its own findings."""

    summary: RevisionSummary
    findings: tuple[Finding, ...]


@functools.cache
def _tool_versions() -> str:
    """Versions of everything that shapes the rendered SQL and its parse."""
    return ",".join(f"{dist}={_version(dist)}" for dist in ("alembic", "sqlalchemy", "pglast"))


def _version(dist: str) -> str:
    """The installed version of ``dist``: read from the name of its ``NAME-VERSION.dist-info``
    folder beside the package (importing ``importlib.metadata`` and searching every path entry
    were ~40 ms of a warm ``lint``); ``importlib.metadata`` when that is not one folder."""
    spec = importlib.util.find_spec(dist)
    if spec is not None and spec.origin:
        site = os.path.dirname(os.path.dirname(spec.origin))
        prefix = f"{dist}-"
        try:
            found = [
                e
                for e in os.listdir(site)
                if e.lower().startswith(prefix) and e.endswith(".dist-info")
            ]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0][len(prefix) : -len(".dist-info")]
    # only where the folder does not tell (an egg, a source checkout)
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


@functools.cache
def _key_prefix(config_digest: str) -> Any:
    """The hash state after what every key of a run shares (copied per file)."""
    digest = hashlib.sha256()
    for part in (f"{SCHEMA}:{__version__}:{_tool_versions()}", config_digest):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest


def cache_key(content: bytes, name: str, archived: bool, config_digest: str) -> str:
    digest = _key_prefix(config_digest).copy()
    for part in (name, str(archived)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(content)
    return str(digest.hexdigest())


def run_key(config: str, root: str, heads: object, files: Sequence[tuple[str, ...]],
            contents: Sequence[bytes]) -> str:  # fmt: skip
    """The key of a whole run's outcome: the versions, ``config`` (its repr: every setting),
    the resolved ``root``, the ``heads`` given, and per file its names and flags (``files``:
    strings) and its bytes, each part length-prefixed."""
    digest = hashlib.sha256()
    for part in (f"run:{SCHEMA}:{__version__}:{_tool_versions()}", config, root, repr(heads)):
        data = part.encode()
        digest.update(b"%d:" % len(data))
        digest.update(data)
    for names, content in zip(files, contents, strict=True):
        data = "\0".join(names).encode()
        digest.update(b"%d:%d:" % (len(data), len(content)))
        digest.update(data)
        digest.update(content)
    return str(digest.hexdigest())


def encode(result: FileResult) -> list[Any]:
    """A result as plain lists (JSON), without its path."""
    s = result.summary
    summary = [
        s.revision,
        s.down_revisions,
        s.depends_on,
        s.branch_labels,
        s.revision_line,
        s.archived,
        [[e.action, e.name, e.line, e.refs] for e in s.view_events],
        {str(k): sorted(v) for k, v in s.ignores.lines.items()},
        sorted(s.ignores.file),
        s.offline_error,
    ]
    return [summary, [_encoded(f) for f in result.findings]]


def _encoded(f: Finding) -> list[Any]:
    return [f.code, f.rule, f.severity.value, f.line, f.message, f.hint, f.subject, f.end_line,
            f.start_line]  # fmt: skip


def decode(entry: Any, path: str) -> FileResult:
    """:func:`encode`'s lists back, at ``path``; raises ValueError, KeyError, TypeError or
    IndexError on anything else."""
    (rev, downs, depends, labels, line, archived, views, lines, file, error), findings = entry
    summary = RevisionSummary(
        path=path,
        revision=_optional_str(rev),
        down_revisions=tuple(map(_str, downs)),
        depends_on=tuple(map(_str, depends)),
        branch_labels=tuple(map(_str, labels)),
        revision_line=_int(line),
        archived=archived is True,
        view_events=tuple(ViewEvent(_str(a), _str(n), _int(ln), tuple(r)) for a, n, ln, r in views),
        ignores=IgnoreDirectives({int(k): frozenset(v) for k, v in lines.items()}, frozenset(file)),
        offline_error=_optional_str(error),
    )
    return FileResult(summary, tuple(_finding(f, path) for f in findings))


def _finding(data: Any, path: str) -> Finding:
    code, rule, severity, line, message, hint, subject, end, start = data
    if not (type(code) is type(rule) is type(message) is type(hint) is type(subject) is str):
        for text in (code, rule, message, hint, subject):
            _str(text)  # raises, saying which
    if not (type(line) is type(end) is type(start) is int):
        for number in (line, end, start):
            _int(number)
    return Finding(code, rule, _SEVERITY[severity], path, line, message, hint, subject, end, start)


def _run_findings(rows: Any) -> tuple[Finding, ...]:
    """The last run's findings (rows of its path, then :func:`_encoded`'s values); raises
    TypeError, ValueError or KeyError on anything else."""
    found = []
    for path, code, rule, severity, line, message, hint, subject, end, start in rows:
        if not (
            type(path) is type(code) is type(rule) is type(message) is type(hint) is str
            and type(subject) is str
            and type(line) is type(end) is type(start) is int
        ):
            raise TypeError("a finding of the last run is not as written")
        found.append(
            Finding(code, rule, _SEVERITY[severity], path, line, message, hint, subject, end, start)
        )
    return tuple(found)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


class LintCache:
    """The results file of one cache directory: read once (on the first :meth:`get`), written
    once per run (:meth:`save`); and the last run's outcome (:meth:`run`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / RESULTS
        self.last_path = directory / LAST_RUN
        self._entries: dict[str, Any] | None = None
        self._last: Any = ...  # not read yet
        self._used: set[str] = set()

    def _read(self) -> dict[str, Any]:
        data = _document(self.path)
        if not isinstance(data.get("entries"), dict):
            return {}
        entries: dict[str, Any] = data["entries"]
        return entries

    def _last_run(self) -> dict[str, Any]:
        if self._last is ...:
            self._last = _document(self.last_path)
        last: dict[str, Any] = self._last
        return last

    def unchanged_run(self, status: str, newest: int) -> tuple[Finding, ...] | None:
        """The findings of the last run if it saw every file with this ``status`` (the key of
        their names, sizes, times and inodes) and looked after ``newest`` (nanoseconds): no
        file changed since, its bytes need not be read."""
        last = self._last_run()
        checked = last.get("checked")
        if last.get("status") != status or type(checked) is not int or checked <= newest:
            return None
        return self._findings()

    def run(
        self, key: str, status: tuple[str, int, int] | None = None
    ) -> tuple[Finding, ...] | None:
        """The findings of the last run if its key was ``key`` (see :func:`run_key`). A hit
        records ``status`` (the files' status key, when they were looked at, and the ``newest``
        of :meth:`unchanged_run`) for the next run, unless :meth:`unchanged_run` would have
        answered with what is recorded already."""
        last = self._last_run()
        if last.get("key") != key:
            return None
        found = self._findings()
        if found is not None and status is not None:
            checked = last.get("checked")
            if last.get("status") != status[0] or type(checked) is not int or checked <= status[2]:
                with contextlib.suppress(OSError):  # a read-only checkout: the bytes are read
                    self._write_last({**last, "status": status[0], "checked": status[1]})
        return found

    def _findings(self) -> tuple[Finding, ...] | None:
        try:
            return _run_findings(self._last_run()["findings"])
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # damaged: the run computes

    def last_revisions(self) -> dict[str, str | None] | None:
        """The revision id of every file the last run saw, by its path (what ``lint --pending``
        filters on); None when not recorded or damaged."""
        found = self._last_run().get("revisions")
        if not isinstance(found, dict) or not all(
            type(k) is str and (v is None or type(v) is str) for k, v in found.items()
        ):
            return None
        return found

    def _write_last(self, document: dict[str, Any]) -> None:
        statedir.makedirs(self.directory)
        _write(self.directory, self.last_path, document)
        self._last = document

    def get(self, key: str, path: str) -> FileResult | None:
        if self._entries is None:
            self._entries = self._read()
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            result = decode(entry, path)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # a damaged entry: recompute
        self._used.add(key)
        return result

    def save(
        self,
        computed: Mapping[str, FileResult],
        run: tuple[str, Sequence[Finding]] | None = None,
        status: tuple[str, int] | None = None,
        revisions: Mapping[str, str | None] | None = None,
    ) -> None:
        """Add ``computed`` (key → result) to the file, keeping this run's hits, and write
        ``run`` (its key and findings; ``status``: the files' status key and when they were
        looked at; ``revisions``: every file's revision id by path) as the last run's outcome
        unless it is already; a read-only checkout still lints, just without a cache."""
        try:
            if computed:
                self._save(computed)
            last = self._last_run()
            if run is not None and (
                last.get("key") != run[0] or (revisions is not None and "revisions" not in last)
            ):
                key, findings = run
                rows = [[f.path, *_encoded(f)] for f in findings]
                document = {"format": FORMAT, "schema": SCHEMA, "key": key, "findings": rows}
                if revisions is not None:
                    document["revisions"] = dict(revisions)
                if status is not None:
                    document.update(status=status[0], checked=status[1])
                self._write_last(document)
        except OSError:
            pass  # a read-only checkout still lints, just without a cache

    def _save(self, computed: Mapping[str, FileResult]) -> None:
        new = {key: encode(result) for key, result in computed.items()}
        statedir.makedirs(self.directory)
        with statedir.file_lock(self.directory / LOCK):
            current = self._read()  # what a concurrent run wrote since we read it
            kept = {}
            for key, entry in current.items():
                if key not in new and key not in self._used:
                    kept[key] = entry
            merged = dict(list(kept.items())[-KEEP_OTHERS:])
            merged.update((key, current[key]) for key in self._used if key in current)
            merged.update(new)
            document = {"format": FORMAT, "schema": SCHEMA, "entries": merged}
            _write(self.directory, self.path, document)
        _remove_old_entries(self.directory)


def _document(path: Path) -> dict[str, Any]:
    """The JSON object of one of the cache's files; empty when missing, unreadable, not JSON or
    not of this format and schema."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):  # missing, unreadable, not JSON (UnicodeDecodeError too)
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    if data.get("schema") != SCHEMA:
        return {}
    return data


def _write(directory: Path, path: Path, document: Mapping[str, Any]) -> None:
    """``document`` as ``path``, whole: written aside, then renamed into place."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    write_text_whole(str(directory), str(path), text, ".results-")


def write_text_whole(directory: str, path: str, text: str, prefix: str) -> None:
    """``text`` as ``path``, whole: written to a new file in ``directory`` (named ``prefix``…),
    then renamed into place; the new file removed when that fails (the error raised)."""
    import tempfile  # start-up: only a run that writes needs it

    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_old_entries(directory: Path) -> None:
    """The ``<sha256>.json`` files of the one-file-per-entry layout (schema 1)."""
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if len(name) == 69 and name.endswith(".json") and _is_hex(name[:64]):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True
