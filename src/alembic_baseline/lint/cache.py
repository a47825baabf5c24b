"""On-disk cache of per-file lint results, keyed by file content and rule configuration.

One JSON file per key under the cache directory. The key hashes the linter version, the rule
configuration digest, the file's name, its archived flag and its bytes — everything a revision
rule's findings depend on — so a hit needs no rendering, parsing or checking at all. The stored
paths are replaced by the current path on load, so moving a project keeps its cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline import __version__, statedir
from alembic_baseline.lint.model import Finding, IgnoreDirectives, RevisionSummary, ViewEvent

SCHEMA = 1


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


def cache_key(content: bytes, name: str, archived: bool, config_digest: str) -> str:
    digest = hashlib.sha256()
    versions = f"{SCHEMA}:{__version__}:{_tool_versions()}"
    for part in (versions, config_digest, name, str(archived)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(content)
    return digest.hexdigest()


def _summary_to_json(s: RevisionSummary) -> dict[str, Any]:
    return {
        "revision": s.revision,
        "down_revisions": list(s.down_revisions),
        "depends_on": list(s.depends_on),
        "branch_labels": list(s.branch_labels),
        "revision_line": s.revision_line,
        "archived": s.archived,
        "view_events": [[e.action, e.name, e.line, list(e.refs)] for e in s.view_events],
        "ignore_lines": {str(k): sorted(v) for k, v in s.ignores.lines.items()},
        "ignore_file": sorted(s.ignores.file),
        "offline_error": s.offline_error,
    }


def _summary_from_json(d: dict[str, Any], path: str) -> RevisionSummary:
    return RevisionSummary(
        path=path,
        revision=d["revision"],
        down_revisions=tuple(d["down_revisions"]),
        depends_on=tuple(d["depends_on"]),
        branch_labels=tuple(d["branch_labels"]),
        revision_line=d["revision_line"],
        archived=d["archived"],
        view_events=tuple(ViewEvent(a, n, ln, tuple(r)) for a, n, ln, r in d["view_events"]),
        ignores=IgnoreDirectives(
            {int(k): frozenset(v) for k, v in d["ignore_lines"].items()},
            frozenset(d["ignore_file"]),
        ),
        offline_error=d["offline_error"],
    )


class LintCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str, path: str) -> FileResult | None:
        try:
            data = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            findings = tuple(Finding.from_json({**f, "path": path}) for f in data["findings"])
            return FileResult(_summary_from_json(data["summary"], path), findings)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or unreadable entry: recompute

    def put(self, key: str, result: FileResult) -> None:
        data = {
            "summary": _summary_to_json(result.summary),
            "findings": [f.to_json() for f in result.findings],
        }
        try:
            statedir.makedirs(self.directory)
            # Write then rename: parallel runs never read a half-written entry.
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
            os.replace(tmp, self.directory / f"{key}.json")
        except OSError:
            pass  # a read-only checkout still lints, just without a cache
