"""A baseline of accepted findings, so an old history can adopt the linter.

``lint --write-baseline`` records every current finding as (file, code, fingerprint); later runs
hide findings that match an entry. The fingerprint hashes the rule and what the finding is about
(a statement, a column), never the line, so editing elsewhere in the file keeps it valid; a new
problem of the same kind in the same file has another fingerprint and is reported. Paths are
stored relative to the baseline file's directory so the file can be committed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from alembic_baseline import statedir
from alembic_baseline.errors import ConfigError
from alembic_baseline.lint.model import Finding
from alembic_baseline.lint.paths import Resolver

FORMAT = 1
Key = tuple[str, str, str]


def _relative(path: str, base: Path, resolve: Resolver) -> str:
    try:
        return Path(os.path.relpath(resolve(path), resolve(base))).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def key(finding: Finding, base: Path, resolve: Resolver | None = None) -> Key:
    return (_relative(finding.path, base, resolve or Resolver()), finding.code, finding.fingerprint)


def read(path: Path) -> Counter[Key]:
    """Accepted findings (a multiset: the same finding may be accepted twice in one file)."""
    if not path.is_file():
        return Counter()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["findings"]
        return Counter((e["path"], e["code"], e["fingerprint"]) for e in entries)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"The lint baseline {path} cannot be read: {exc}",
            hint="Regenerate it with `alembic-baseline lint --write-baseline`.",
        ) from None


def write(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline; returns how many findings it accepts."""
    base = path.parent
    resolve = Resolver()
    entries = sorted(
        (
            {
                "path": key(f, base, resolve)[0],
                "code": f.code,
                "fingerprint": f.fingerprint,
                "message": f.message,
            }
            for f in findings
        ),
        key=lambda e: (e["path"], e["code"], e["fingerprint"]),
    )
    statedir.makedirs(path.parent)
    text = json.dumps({"format": FORMAT, "findings": entries}, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return len(entries)


def apply(
    findings: Sequence[Finding], accepted: Counter[Key], base: Path
) -> tuple[list[Finding], int]:
    """(findings not accepted, number hidden)."""
    if not accepted:  # nothing accepted (no baseline file): every finding stays
        return list(findings), 0
    remaining = Counter(accepted)
    kept: list[Finding] = []
    hidden = 0
    resolve = Resolver()
    for finding in findings:
        k = key(finding, base, resolve)
        if remaining[k] > 0:
            remaining[k] -= 1
            hidden += 1
        else:
            kept.append(finding)
    return kept, hidden
