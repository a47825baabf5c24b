"""Backup files in a shared directory: never followed, never handed over, never readable by others.

The machine runs the suite as root, like the tool often runs in production; ``nobody`` plays the
other local user. A planted symlink or file at every name the tool could predict must stay as it
was, and the dump must not be readable by anyone but its owner.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.runbook import backup as bk
from alembic_baseline.runbook.backupdir import UnsafeBackupDir

NAME = "prod_20260101T000000Z_d1000001_to_d3000003.dump"
SECOND = NAME.replace(".dump", "-2.dump")
# every name the tool used to predict: the final one, the old partial names (first and second)
PREDICTABLE = (NAME, f".{NAME}.partial", f".{SECOND}.partial")


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A /tmp-like directory (1777) every local user can reach and write into."""
    directory = Path(tempfile.mkdtemp(prefix="ab-shared-", dir="/tmp"))
    directory.chmod(0o1777)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def _as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0:
        pytest.skip("needs root to act as a second local user")
    return subprocess.run(argv, user="nobody", capture_output=True, text=True, check=False)


def test_planted_symlinks_are_not_followed(env: Env, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    directory.mkdir(mode=0o700)
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    for planted in PREDICTABLE:
        (directory / planted).symlink_to(victim)
    backup = bk.take(env.db, directory, NAME, env.server.major)
    assert victim.read_text() == "precious\n"  # neither truncated nor overwritten
    assert all((directory / planted).is_symlink() for planted in PREDICTABLE)
    assert backup.path == directory / SECOND
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600
    assert bk.toc(bk.client_for(env.server.major), backup.path)
    assert not [
        p for p in directory.iterdir() if p.name.endswith(".partial") and not p.is_symlink()
    ]


def test_world_writable_directory_without_sticky_bit_is_refused(env: Env, tmp_path: Path) -> None:
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(0o777)
    with pytest.raises(UnsafeBackupDir, match="without the sticky bit"):
        bk.take(env.db, directory, NAME, env.server.major)
    code, _, err = env.cli("apply", "--backup-dir", str(directory))
    assert code == ExitCode.UNSAFE, err
    assert "writable by others" in err and "chmod +t" in err
    assert env.current() == ("d1000001",)  # refused before anything ran
    assert list(directory.iterdir()) == []
    assert env.records()[-1]["outcome"] == "refused"


def test_another_local_user_gets_nothing(env: Env, shared_dir: Path) -> None:
    # nobody plants files of their own (world-writable) at the names they can predict
    for planted in PREDICTABLE:
        done = _as_nobody("sh", "-c", f"umask 0; : > '{shared_dir / planted}'")
        assert done.returncode == 0, done.stderr
    backup = bk.take(env.db, shared_dir, NAME, env.server.major)
    for planted in PREDICTABLE:
        path = shared_dir / planted
        assert path.stat().st_uid != 0 and path.stat().st_size == 0  # still theirs, still empty
    assert backup.path.stat().st_uid == os.geteuid()
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600
    read = _as_nobody("cat", str(backup.path))
    assert read.returncode != 0 and "Permission denied" in read.stderr
    assert read.stdout == ""


def test_the_backup_does_not_wait_for_locks_forever(env: Env, tmp_path: Path) -> None:
    """pg_dump waits for its table locks at most the lock timeout (an exclusive holder)."""
    import time

    from alembic_baseline.errors import ToolError
    from alembic_baseline.pg.connect import connect

    holder = connect(env.db, autocommit=False)
    try:
        holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        start = time.monotonic()
        with pytest.raises(ToolError, match="pg_dump"):
            bk.take(env.db, tmp_path / "b", NAME, env.server.major, "1s")
        assert time.monotonic() - start < 30
    finally:
        holder.close()
    assert list((tmp_path / "b").iterdir()) == []  # no partial file left
