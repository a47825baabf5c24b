"""Files in the backup directory that nobody else can read, replace or redirect.

A backup holds every row of production and the tool often runs as root, so the directory may be
shared with other local users. Three rules follow:

* the directory must not let others rename or delete our files (writable by group or others
  only with the sticky bit, and owned by us or root) — else refused before the database is
  touched;
* a file is created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` and mode 0600, under a temporary name
  nobody can guess (``secrets``), so a symlink or file planted at a predictable name is never
  followed, truncated or handed over;
* the finished file gets its final name with ``link()``, which never replaces anything that is
  already there (a file, a symlink), instead of ``rename()``, which would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from alembic_baseline.errors import UnsafeError

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class UnsafeBackupDir(UnsafeError):
    """Others could replace or redirect files in the backup directory."""


def require_private(directory: Path) -> None:
    """Create ``directory`` (0700) if needed; refuse (exit 3) one others may tamper with."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = directory.stat()
    mode = stat.S_IMODE(st.st_mode)
    shared = mode & (stat.S_IWGRP | stat.S_IWOTH)
    if shared and not mode & stat.S_ISVTX:
        raise UnsafeBackupDir(
            f"The backup directory {directory} is writable by "
            f"{'others' if mode & stat.S_IWOTH else 'its group'} (mode {mode:04o}) without the "
            "sticky bit: another local user could replace or redirect the backup file. "
            "Nothing was done to the database.",
            hint=f"Use a private directory (chmod 700 {directory}), set the sticky bit "
            f"(chmod +t {directory}), or point --backup-dir elsewhere.",
            context={"backup_dir": str(directory), "mode": f"{mode:04o}"},
        )
    if st.st_uid not in (os.geteuid(), 0):
        raise UnsafeBackupDir(
            f"The backup directory {directory} belongs to another user (uid {st.st_uid}), who "
            "could replace the backup files. Nothing was done to the database.",
            hint="Point --backup-dir at a directory you (or root) own.",
            context={"backup_dir": str(directory)},
        )


def create_private(directory: Path, name: str) -> tuple[int, Path]:
    """``(fd, path)`` of a new, empty, mode-0600 file ``.<name>.<random>.partial``."""
    for _ in range(16):
        path = directory / f".{name}.{secrets.token_hex(8)}.partial"
        try:
            fd = os.open(path, _CREATE | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:
            continue  # 64 random bits taken: someone is guessing; try another
        os.fchmod(fd, 0o600)  # the umask can only have narrowed it; make the intent explicit
        return fd, path
    raise UnsafeBackupDir(
        f"Could not create a private temporary file in {directory}.",
        hint="Check who else writes into the backup directory.",
    )


def publish(partial: Path, final: Path) -> Path:
    """Give ``partial`` the name ``final`` (or ``final-2``, ``-3``… when taken), never replacing
    anything; returns the name it got. ``partial`` is gone afterwards."""
    stem, suffix = final.stem, final.suffix
    candidate, counter = final, 1
    while True:
        try:
            os.link(partial, candidate, follow_symlinks=False)
            break
        except FileExistsError:
            counter += 1
            candidate = final.with_name(f"{stem}-{counter}{suffix}")
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            # A file system without hard links: rename, after looking. Not atomic, but at worst
            # it replaces a name planted meanwhile (rename never follows a symlink).
            while os.path.lexists(candidate):
                counter += 1
                candidate = final.with_name(f"{stem}-{counter}{suffix}")
            os.rename(partial, candidate)
            return candidate
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    return candidate
