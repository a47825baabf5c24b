"""The bundle's files: per-revision SQL with guards, apply.sql, rollback, README, SHA256SUMS."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from alembic_baseline.team import bundle_sql
from alembic_baseline.team.bundle_render import Rendering
from alembic_baseline.team.bundle_sql import Step

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def file_name(index: int, revision: str) -> str:
    return f"{index:04d}_{_UNSAFE.sub('_', revision) or 'base'}.sql"


def _statements_besides_version(sql: str, table: str) -> bool:
    """Whether ``sql`` does anything besides moving the version table ``table`` (a ``pass``
    downgrade renders only that)."""
    own = (
        f"INSERT INTO {table} ",
        f"UPDATE {table} SET version_num",
        f"DELETE FROM {table} WHERE",
        f"DROP TABLE {table}",
        f"CREATE TABLE {table} (",
        "--",
    )
    starts = [ln for ln in sql.split("\n") if ln.strip() and not ln.startswith((" ", "\t", ")"))]
    return any(not ln.startswith(own) for ln in starts if ln.strip() not in ("BEGIN;", "COMMIT;"))


def revision_file(
    step: Step, index: int, total: int, table: str, direction: str, prelude: str = ""
) -> str:
    where = f"{direction} {index}/{total} ({step.label})"
    lines = [
        f"-- alembic-baseline bundle: {where}",
        f"-- revision {step.revision}; after this file {table} holds: "
        + (", ".join(step.heads_after) or "no revision"),
    ]
    if step.autocommit:
        lines.append(
            "-- autocommit block: Alembic commits before it and begins again after it; the "
            "statements in between run outside any transaction."
        )
    parts = ["\n".join(lines), bundle_sql.guard(table, step.heads_before, where)]
    if prelude:
        parts.append(prelude + "\n")
    parts.append(step.sql)
    return "\n".join(parts)


def driver_script(names: list[str], mode: str, folder: str, title: str) -> str:
    """``apply.sql`` / ``rollback.sql``: the files in order, with Alembic's transactions."""
    out = [
        f"-- {title}",
        "-- Run: psql -v ON_ERROR_STOP=1 -f THIS_FILE  (with PGHOST/PGDATABASE/... set)",
        f"-- Transactions as the project's env.py renders them offline: {mode}.",
        "\\set ON_ERROR_STOP on",
        "",
    ]
    if mode == "single":
        out.append("BEGIN;")
    for name in names:
        if mode == "per-revision":
            out += ["BEGIN;", f"\\ir {folder}/{name}", "COMMIT;"]
        else:
            out.append(f"\\ir {folder}/{name}")
    if mode == "single":
        out.append("COMMIT;")
    return "\n".join(out) + "\n"


def write_direction(
    out: Writer, folder: str, rendering: Rendering, table: str, direction: str, prelude: str
) -> list[str]:
    names = []
    total = len(rendering.steps)
    for i, step in enumerate(rendering.steps, 1):
        name = file_name(i, step.revision)
        text = revision_file(step, i, total, table, direction, prelude if i == 1 else "")
        out.write(f"{folder}/{name}", text)
        names.append(name)
    return names


def schema_changes(up: Rendering, table: str) -> set[str]:
    """Revisions whose upgrade does something besides moving the version table."""
    return {s.revision for s in up.steps if _statements_besides_version(s.sql, table)}


def quiet_downgrades(down: Rendering, table: str) -> list[str]:
    """Revisions whose downgrade only moves the version table (in the rollback's order); with
    :func:`schema_changes`: those whose upgrade changes the schema but whose downgrade emits
    nothing."""
    return [s.revision for s in down.steps if not _statements_besides_version(s.sql, table)]


class Writer:
    """Writes the bundle's files and remembers their SHA-256 (no second read for SHA256SUMS).

    Each file is created with one ``os.open`` and written with ``os.write`` (no buffered file
    object, no Path per file: 2,000 files for a 1,000-revision range with its rollback)."""

    _FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sums: dict[str, str] = {}
        self._made: set[str] = set()
        self._base = os.fspath(root)

    def write(self, relative: str, text: str) -> None:
        data = text.encode("utf-8")
        self.write_file(relative, data)
        self.sums[relative] = hashlib.sha256(data).hexdigest()

    def write_file(self, relative: str, data: bytes) -> None:
        """``relative`` (``/``-separated) with ``data``, not in SHA256SUMS."""
        folder = relative.rpartition("/")[0]
        if folder not in self._made:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        fd = os.open(os.path.join(self._base, relative), self._FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def checksums(self) -> str:
        """``sha256sum -c`` format over every file written."""
        return "".join(f"{self.sums[name]}  {name}\n" for name in sorted(self.sums))


def bullet(items: Iterable[str]) -> str:
    return "".join(f"- {item}\n" for item in items) or "- none\n"
