"""The backup before a patch: ``pg_dump --format=custom``, private, verified, checksummed.

Runbook step 1 (``pg_dump --format=custom --file=backup_before_patch_$(date).dump``) plus what the
runbook leaves to luck: there must be room for it (checked before the database is touched), only
its owner may read it (mode 0600 from the first byte, created with ``O_EXCL|O_NOFOLLOW`` under an
unguessable name, in a directory others cannot tamper with: see :mod:`backupdir`), it must be
readable by ``pg_restore --list`` (a truncated archive fails that), and its size and SHA-256 are
recorded so that a restore months later knows it is restoring the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic_baseline.errors import UnsafeError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook import backupdir
from alembic_baseline.runbook.dirs import require_usable, unusable

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.+-]+")
_TOC_ENTRY = re.compile(r"^\d+;\s+\d+\s+\d+\s+(?P<rest>.+)$")


class BackupError(UnsafeError):
    """No trustworthy backup could be made, so the database was not touched."""


@dataclass(frozen=True)
class SpaceCheck:
    """Free space in the backup directory against what the backup needs."""

    directory: Path
    free: int
    estimate: int
    needed: int

    @property
    def ok(self) -> bool:
        return self.free >= self.needed

    def describe(self) -> str:
        return f"{_mb(self.free)} free in {self.directory}, backup needs about {_mb(self.needed)}"


@dataclass(frozen=True)
class Backup:
    """A verified archive: where, how big, its checksum, and what made it."""

    path: Path
    size: int
    sha256: str
    entries: int
    """Table-of-contents entries ``pg_restore --list`` read back."""
    seconds: float
    pg_dump: str
    database: str
    schema: str | None = None
    """The backup's scope: None for the whole database, else the one (tenant) schema it holds
    (``pg_dump --schema NAME --strict-names``); such a backup is never restored over the whole
    database (:func:`alembic_baseline.deploy.restore.check_restorable`)."""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB"


def estimate_bytes(url: DatabaseURL, schema: str | None = None) -> int:
    """Upper bound of a custom-format dump: table data incl. TOAST, uncompressed, no indexes
    (of ``schema`` only, when given)."""
    with connection(url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_table_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'm') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND (%s::text IS NULL OR n.nspname = %s::text)",
            (schema, schema),
        ).fetchone()
    return int(str(row[0])) if row else 0


def _existing(directory: Path) -> Path:
    """The directory, or its nearest existing parent (it may not be created yet)."""
    for candidate in (directory, *directory.parents):
        if candidate.is_dir():
            return candidate
    return Path("/")


def space_for(directory: Path, estimate: int, min_free_bytes: int) -> SpaceCheck:
    """Whether ``directory`` can hold a backup of ``estimate`` bytes and keep ``min_free_bytes``."""
    free = shutil.disk_usage(_existing(directory)).free
    return SpaceCheck(directory, free, estimate, estimate + max(0, min_free_bytes))


def require_space(check: SpaceCheck) -> None:
    if not check.ok:
        raise BackupError(
            f"Not enough space for the backup: {check.describe()} "
            "(nothing was done to the database).",
            hint="Free space, point --backup-dir at a disk with room, or lower --min-free-bytes "
            "if the headroom is too cautious.",
            context={
                "backup_dir": str(check.directory),
                "free_bytes": str(check.free),
                "needed_bytes": str(check.needed),
            },
        )


def file_name(
    database: str,
    from_revs: tuple[str, ...],
    to_revs: tuple[str, ...],
    at: datetime,
    schema: str | None = None,
) -> str:
    """``<db>_<UTC timestamp>_<from>_to_<to>.dump`` — sortable and self-describing (a one-schema
    backup: ``<db>.<schema>_…``)."""
    src = "+".join(from_revs) or "base"
    dst = "+".join(to_revs) or "base"
    scope = f"{database}.{schema}" if schema else database
    name = _UNSAFE_CHARS.sub("_", f"{scope}_{at:%Y%m%dT%H%M%SZ}_{src}_to_{dst}.dump")
    if len(name.encode()) <= _MAX_NAME_BYTES:
        return name
    # 63-byte database and schema names with long revision ids (or several heads) pass the
    # file system's 255 bytes: the start (database, schema, time) is kept, the rest hashed
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    head = name.encode()[: _MAX_NAME_BYTES - len(digest) - 6].decode(errors="ignore")
    return f"{head}-{digest}.dump"


_MAX_NAME_BYTES = 200


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def client_for(server_major: int) -> binaries.Installation:
    """A pg_dump/pg_restore pair at least as new as the server."""
    return binaries.find_client(server_major, "pg_restore")


def toc(installation: binaries.Installation, path: Path) -> list[str]:
    """The archive's table of contents (``pg_restore --list``); fails on a damaged file."""
    out = tools.pg_restore(installation.bindir, None, ["--list", str(path)], timeout=600)
    return [
        m.group("rest")
        for ln in out.decode(errors="replace").splitlines()
        if (m := _TOC_ENTRY.match(ln))
    ]


def take(
    url: DatabaseURL,
    directory: Path,
    name: str,
    server_major: int,
    lock_wait_timeout: str | None = None,
    schema: str | None = None,
) -> Backup:
    """Dump ``url`` into ``directory/name`` (mode 0600) and verify it; no partial file remains.

    ``schema``: dump that schema only (``--schema NAME --strict-names``: the name matched
    exactly, quoted as a pattern; pg_dump fails rather than dump nothing when it is gone).

    pg_dump writes to its stdout, which is a file this process created with ``O_EXCL`` under
    an unguessable name (see :mod:`backupdir`); an earlier backup of the same name is kept
    (the new one gets ``-2``). ``lock_wait_timeout`` bounds pg_dump's wait for its table locks
    (``0``/None: no limit)."""
    installation = client_for(server_major)
    require_usable(directory, "--backup-dir")
    try:
        backupdir.require_private(directory)
    except OSError as exc:
        raise unusable(exc, directory, "--backup-dir") from None
    start = time.perf_counter()
    # Created 0600 before pg_dump writes a byte: the dump holds every row of production.
    fd, partial = backupdir.create_private(directory, name)
    try:
        try:
            wait = [f"--lock-wait-timeout={lock_wait_timeout}"] if lock_wait_timeout else []
            scope = [f"--schema={schema_pattern(schema)}", "--strict-names"] if schema else []
            tools.pg_dump(
                installation.bindir,
                url,
                ["--format=custom", "--no-password", *wait, *scope],
                out_fd=fd,
                timeout=None,
            )
            os.fsync(fd)
        finally:
            os.close(fd)
        entries = toc(installation, partial)
        final = backupdir.publish(partial, directory / name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(
        path=final,
        size=final.stat().st_size,
        sha256=sha256_of(final),
        entries=len(entries),
        seconds=time.perf_counter() - start,
        pg_dump=installation.version,
        database=url.database,
        schema=schema,
    )


def schema_pattern(schema: str) -> str:
    """``schema`` as a pg_dump/pg_restore pattern matching exactly that name: in double quotes
    (``*``, ``?``, ``.`` and capitals taken literally), a ``"`` doubled."""
    return '"' + schema.replace('"', '""') + '"'


def verify_file(path: Path, size: int, sha256: str) -> None:
    """Refuse to restore a backup that is missing or not the file that was recorded."""
    if not path.is_file():
        raise BackupError(
            f"The backup {path} does not exist any more.",
            hint="Find the file (it may have been moved) and restore it by hand with "
            "pg_restore --clean --if-exists, or pick another run.",
        )
    actual = sha256_of(path)
    if path.stat().st_size != size or actual != sha256:
        raise BackupError(
            f"The backup {path} is not the file that was recorded (checksum {actual[:12]}… "
            f"instead of {sha256[:12]}…).",
            hint="Do not restore it: it was changed or truncated after the run.",
        )


def restore(url: DatabaseURL, path: Path, server_major: int) -> float:
    """``pg_restore --clean --if-exists`` in one transaction: all of it or nothing."""
    installation = client_for(server_major)
    start = time.perf_counter()
    tools.pg_restore(
        installation.bindir,
        url,
        [
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={url.database}",
            str(path),
        ],
        timeout=None,
    )
    return time.perf_counter() - start
