"""Checksums of revision files and the sum file committed beside them (pure, no Alembic).

One definition of "the content of a revision file" serves the sum file (``history sum``, lint
rules AB404/AB405) and the applied-revisions table (``apply`` records, ``status`` checks):
SHA-256 of the file's bytes after line endings are normalised to ``\\n`` (CRLF and lone CR).
A checkout with ``core.autocrlf`` must not look like an edit; every other byte counts, comments
and whitespace included — a "harmless" edit to an applied revision is still a revision that no
longer says what ran.

The sum file (``alembic-baseline.sum`` in a version directory)::

    alembic-baseline sum v1 sha256:<hash of every line below>
    <revision id> sha256:<file checksum> <path relative to the version directory>
    ...

Lines are sorted by path. The first line's hash covers the rest, so two branches that each add
a revision both change line 1: git reports a merge conflict instead of silently concatenating,
and a hand-merged file whose total no longer matches is reported by lint.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline import statedir

SUM_FILE = "alembic-baseline.sum"
HEADER = "alembic-baseline sum v1"
APPLIED_TABLE = "alembic_baseline_applied"
"""The table ``apply`` records applied revisions in (beside the version table, same schema);
left out of schema snapshots and baseline dumps like the version table itself."""

_LINE = re.compile(r"^(\S+) sha256:([0-9a-f]{64}) (.+)$")
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})( |$)")


def normalised(data: bytes) -> bytes:
    """``data`` with CRLF and lone CR line endings turned into LF."""
    if b"\r" not in data:  # the usual case: no copy
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def checksum(data: bytes) -> str:
    """``sha256:<hex>`` of the normalised bytes."""
    return "sha256:" + hashlib.sha256(normalised(data)).hexdigest()


def file_checksum(path: Path) -> str:
    return checksum(path.read_bytes())


@dataclass(frozen=True)
class SumEntry:
    revision: str
    checksum: str
    path: str
    """Relative to the version directory, with ``/`` (``archive/x.py`` once archived)."""

    @property
    def line(self) -> str:
        return f"{self.revision} {self.checksum} {self.path}"


@dataclass(frozen=True)
class SumFile:
    entries: tuple[SumEntry, ...]
    declared: str
    """The total written on the first line."""
    actual: str
    """The total of the entry lines as read."""
    problems: tuple[str, ...] = ()
    """Lines that are not entries (merge-conflict markers, hand edits)."""

    @property
    def intact(self) -> bool:
        return not self.problems and self.declared == self.actual

    def by_revision(self) -> dict[str, SumEntry]:
        return {e.revision: e for e in self.entries}


def _total(lines: Iterable[str]) -> str:
    return "sha256:" + hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()


def render(entries: Iterable[SumEntry]) -> str:
    """The sum file's text for ``entries`` (sorted by path, then revision)."""
    lines = [e.line for e in sorted(entries, key=lambda e: (e.path, e.revision))]
    return "".join(f"{line}\n" for line in [f"{HEADER} {_total(lines)}", *lines])


def parse(text: str) -> SumFile:
    """Read a sum file; what does not parse is kept in ``problems`` (never raises)."""
    lines = normalised(text.encode()).decode().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    declared, problems = "", []
    first = lines[0] if lines else ""
    if first.startswith(HEADER + " sha256:"):
        declared = first[len(HEADER) + 1 :]
        body = lines[1:]
    else:
        problems.append(f"line 1 is not the '{HEADER} sha256:…' header")
        body = lines
    entries, kept = [], []
    for number, line in enumerate(body, start=2 if declared else 1):
        match = _LINE.match(line)
        if match is None:
            what = "a merge-conflict marker" if _CONFLICT.match(line) else "not an entry"
            problems.append(f"line {number} is {what}: {line[:60]!r}")
            continue
        kept.append(line)
        entries.append(SumEntry(match.group(1), f"sha256:{match.group(2)}", match.group(3)))
    return SumFile(tuple(entries), declared, _total(kept), tuple(problems))


def version_dir(path: str, archived: bool) -> str:
    """The version directory a revision file belongs to (whose sum file records it): its own
    directory, or the one above an ``archive`` folder a baseline moved it to."""
    parent = os.path.dirname(path)
    if archived and os.path.basename(parent) == "archive":
        return os.path.dirname(parent)
    return parent


def archived_candidates(versions: Path, recorded: str) -> tuple[Path, ...]:
    """Where a recorded revision that is not among the files read may be: at its recorded path,
    or in the archive a baseline moved it to (beside the versions or above them)."""
    name = Path(recorded).name
    return (versions / recorded, versions / "archive" / name, versions.parent / "archive" / name)


def sum_inputs(
    files: Iterable[tuple[str, bool]], known: Collection[str]
) -> list[tuple[str, bytes | None]]:
    """What the sum-file rules (lint AB404/AB405) read from disk besides the revision files
    ``files`` (path, archived): each version directory's sum file, and, for the revisions it
    records at a path that is not one of ``known`` (absolute paths of the files read), every
    place :func:`archived_candidates` looks — each with its bytes, None when absent. A run's
    outcome kept for reuse (lint's last run) must depend on these too."""
    found: list[tuple[str, bytes | None]] = []
    for directory in sorted({version_dir(path, archived) for path, archived in files}):
        versions = Path(directory)
        text = _bytes(versions / SUM_FILE)
        found.append((str(versions / SUM_FILE), text))
        if text is None:
            continue
        for entry in parse(text.decode("utf-8", errors="replace")).entries:
            candidates = archived_candidates(versions, entry.path)
            if os.path.abspath(candidates[0]) in known:
                continue  # read as a revision file already
            found.extend((str(c), _bytes(c)) for c in candidates)
    return found


def _bytes(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:  # absent (or not a file): the rules see it as absent too
        return None


def relative(path: Path, versions: Path) -> str:
    try:
        return path.resolve().relative_to(versions.resolve()).as_posix()
    except ValueError:
        return path.name


class ChecksumCache(statedir.IdentityCache):
    """File checksums remembered by file identity (:class:`~alembic_baseline.statedir.
    IdentityCache`): a file whose identity did not change is not read again. The cache lives in
    the state directory (``cache/checksums.json``) and is safe to delete. Entry: identity +
    checksum."""

    def checksum(self, file: Path) -> str:
        identity = self.identity(file)
        key = str(file)
        hit = self.entries.get(key)
        if hit is not None and hit[:3] == identity:
            return str(hit[3])
        value = file_checksum(file)
        if self.settled(identity):
            self.entries[key] = [*identity, value]
            self.dirty = True
        return value
